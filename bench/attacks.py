"""Attack figures: a board's page-turn latency idle, under concurrent searches and under floods."""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import multiprocessing
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import msgpack
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from bench.figures import percentile, ratio
from bench.servers import ROOT, demo_tokens, start_hub
from presidium_console.client import CongressClient
from session_server.auth import issue_token
from session_server.backends.sqlite import SQLiteBackend
from session_server.core.state import Role
from tests.documents.pdfs import worded_pdf

ROOM = "camau-2025"
DOCUMENT = "so-tay"
READERS = 400
"""Board tokens issued for the searchers: enough that each token's search rate limit is
seldom what holds the load back (each may make 10 at once, then one every 2 s)."""


def queries(pages: int) -> list[str]:
    """Half find one page ("Điều n", accents folded away), half the first 50 pages."""
    return [
        f"Điều {(97 * n) % pages + 1} quy định" if n % 2 else "kế hoạch phát triển kinh tế"
        for n in range(64)
    ]


FLOOD_KINDS = ("ping", "sync", "command", *(["mixed"] * 20))
"""The issue's flood: one socket of pings, one of syncs, one of commands, 20 mixing them."""


def flood_frame(kind: str, n: int) -> bytes:
    if kind == "mixed":
        kind = ("ping", "sync", "command")[n % 3]
    if kind == "ping":
        return msgpack.packb({"type": "ping", "t": n})
    if kind == "sync":
        return msgpack.packb({"type": "sync"})
    return msgpack.packb(
        {"type": "command", "id": f"f{n}", "name": "check_in", "args": {"delegate_id": "x"}}
    )


def masked(payload: bytes) -> bytes:
    """A client's binary frame of `payload` (under 126 bytes), masked with the zero key."""
    assert len(payload) < 126
    return bytes((0x82, 0x80 | len(payload))) + b"\x00\x00\x00\x00" + payload


async def flooder(
    url: str, token: str, kind: str, loaded: Event, done: Event, counts: dict[str, int]
) -> None:
    """Sends `kind` frames as fast as the socket takes them while `loaded` is set; cut off,
    it connects again at once, as a hostile client would."""
    hello = msgpack.packb({"type": "hello", "v": 2, "token": token, "room": ROOM})

    async def drain(ws: ClientConnection) -> None:
        async for _ in ws:
            pass

    # Frames built once and written straight to the socket, masked with a zero key (which
    # the protocol allows): the attacker's own CPU must not be what slows the hall here,
    # on the two cores this benchmark shares with the hub.
    batch = b"".join(masked(flood_frame(kind, n)) for n in range(200))
    while not done.is_set():
        if not loaded.is_set():
            await asyncio.sleep(0.05)
            continue
        try:
            async with connect(url, max_queue=None, ping_interval=None) as ws:
                await ws.send(hello)
                reader = asyncio.create_task(drain(ws))
                try:
                    while loaded.is_set() and not done.is_set() and reader.done() is False:
                        if ws.transport.is_closing():
                            break
                        if ws.transport.get_write_buffer_size() < 2**16:
                            ws.transport.write(batch)
                            counts["frames"] += 200
                        await asyncio.sleep(0.001)
                finally:
                    reader.cancel()
                if reader.done() and not reader.cancelled():
                    counts["cut_off"] += 1
        except (ConnectionClosed, InvalidStatus, OSError, RuntimeError):
            # RuntimeError: the hub closed the socket while a batch was being written.
            counts["cut_off"] += 1
        await asyncio.sleep(0.05)


def flood_load(
    url: str, tokens: list[str], loaded: Event, done: Event, out: Queue[dict[str, int]]
) -> None:
    """In its own process: the flooding sockets, each in one event loop, until `done`."""
    counts = {"frames": 0, "cut_off": 0}

    async def main() -> None:
        await asyncio.gather(
            *(
                flooder(url, tokens[n % len(tokens)], kind, loaded, done, counts)
                for n, kind in enumerate(FLOOD_KINDS)
            )
        )

    asyncio.run(main())
    out.put(counts)


def get(url: str, token: str, timeout: float = 60.0) -> int:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            answer.read()
            return int(answer.status)
    except urllib.error.HTTPError as refused:
        with refused:
            return int(refused.code)


def search_load(
    base: str,
    tokens: list[str],
    searches: int,
    pages: int,
    loaded: Event,
    done: Event,
    out: Queue[list[tuple[int, int, float]]],
) -> None:
    """In its own process, so the searchers' threads take nothing from the timed screens:
    `searches` threads each search again and again while `loaded` is set."""
    asked = queries(pages)
    turn = itertools.count()
    lock = threading.Lock()
    results: list[tuple[int, int, float]] = []

    def searcher(number: int) -> None:
        while not done.is_set():
            if not loaded.wait(0.05):
                continue
            with lock:
                n = next(turn)
            query = urlencode({"q": asked[n % len(asked)]})
            url = f"{base}/api/rooms/{ROOM}/documents/{DOCUMENT}/search?{query}"
            started = time.perf_counter()
            status = get(url, tokens[n % len(tokens)])
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                results.append((number, status, elapsed))

    threads = [threading.Thread(target=searcher, args=(n,)) for n in range(searches)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    out.put(results)


@dataclass
class Condition:
    name: str
    turns_ms: list[float] = field(default_factory=list)
    hub_cpu_s: float = 0.0
    seconds: float = 0.0

    def p(self, q: float) -> float:
        return percentile(self.turns_ms, q)


class Board:
    """Times each page turn from the presidium's send to the board's frame showing it."""

    def __init__(self) -> None:
        self.shown: dict[int, float] = {}
        self.arrived = asyncio.Event()

    def on_frame(self, frame: dict[str, Any]) -> None:
        sections = frame.get("set") or frame.get("state") or {}
        document = sections.get("document")
        if document and document.get("id") == DOCUMENT:
            self.shown.setdefault(document["page"], time.monotonic())
            self.arrived.set()


async def turn_pages(
    presidium: CongressClient,
    board: Board,
    condition: Condition,
    pages: list[int],
    interval: float,
) -> None:
    for page in pages:
        started = time.monotonic()
        await presidium.command("show_page", document_id=DOCUMENT, page=page, timeout=60)
        async with asyncio.timeout(60):
            while page not in board.shown:
                board.arrived.clear()
                await board.arrived.wait()
        condition.turns_ms.append((board.shown[page] - started) * 1000)
        await asyncio.sleep(max(0.0, started + interval - time.monotonic()))


async def issue_readers(data: Path, count: int) -> list[str]:
    backend = await SQLiteBackend.open(data / "congress.db")
    try:
        now = int(time.time() * 1000)
        return [
            (await issue_token(backend, room=ROOM, role=Role.BOARD, now=now)).secret
            for _ in range(count)
        ]
    finally:
        await backend.close()


def upload(base: str, token: str, pdf: bytes) -> None:
    query = urlencode({"id": DOCUMENT, "title": "Sổ tay", "access": "public"})
    request = urllib.request.Request(
        f"{base}/api/rooms/{ROOM}/documents?{query}",
        data=pdf,
        method="POST",
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/pdf",
            "X-Congress-Request": "1",
        },
    )
    with urllib.request.urlopen(request, timeout=120) as answer:
        answer.read()


async def run(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    data = work / "data"
    hub = await start_hub(data, work / "hub.log", None)
    base = f"http://127.0.0.1:{hub.port}"
    context = multiprocessing.get_context("spawn")
    loaded, done = context.Event(), context.Event()
    flooding = context.Event()
    out: Queue[list[tuple[int, int, float]]] = context.Queue()
    flood_out: Queue[dict[str, int]] = context.Queue()
    load: multiprocessing.process.BaseProcess | None = None
    flood: multiprocessing.process.BaseProcess | None = None
    try:
        presidium_token, boards, delegates = demo_tokens(data)
        readers = await issue_readers(data, READERS)
        pdf = worded_pdf(args.pages)
        started = time.perf_counter()
        await asyncio.to_thread(upload, base, presidium_token, pdf)
        uploaded = time.perf_counter() - started
        # The first search waits for the index the upload started building.
        started = time.perf_counter()
        first = queries(args.pages)[1]
        status = await asyncio.to_thread(
            get,
            f"{base}/api/rooms/{ROOM}/documents/{DOCUMENT}/search?{urlencode({'q': first})}",
            readers[0],
            300.0,
        )
        indexed = time.perf_counter() - started
        if status != 200:
            raise RuntimeError(f"the first search answered {status}")

        presidium = CongressClient(hub.url, presidium_token, ROOM)
        watcher = Board()
        board = CongressClient(
            hub.url, boards[0], ROOM, record_frames=False, on_frame=watcher.on_frame
        )
        await presidium.connect(timeout=30)
        await board.connect(timeout=30)
        load = context.Process(
            target=search_load,
            args=(base, readers[1:], args.searches, args.pages, loaded, done, out),
        )
        load.start()
        flood = context.Process(
            target=flood_load, args=(hub.url, delegates, flooding, done, flood_out)
        )
        flood.start()
        idle, busy = Condition("idle"), Condition(f"{args.searches} searches")
        flooded = Condition(f"{len(FLOOD_KINDS)} floods")
        pages = itertools.count(1)
        try:
            # Blocks alternate, so drift in the shared machine's load falls on all sides.
            for _ in range(args.blocks):
                for condition, switch in ((idle, None), (busy, loaded), (flooded, flooding)):
                    if switch is not None:
                        switch.set()
                        await asyncio.sleep(0.5)
                    block = [next(pages) % args.pages + 1 for _ in range(args.turns)]
                    cpu, started = hub.ps.cpu_times(), time.monotonic()
                    await turn_pages(presidium, watcher, condition, block, args.interval)
                    spent = hub.ps.cpu_times()
                    condition.hub_cpu_s += spent.user + spent.system - cpu.user - cpu.system
                    condition.seconds += time.monotonic() - started
                    if switch is not None:
                        switch.clear()
        finally:
            done.set()
            await presidium.close()
            await board.close()
        searched = await asyncio.to_thread(out.get, True, 120)
        flood_counts = await asyncio.to_thread(flood_out.get, True, 120)
        await asyncio.to_thread(load.join, 30)
        await asyncio.to_thread(flood.join, 30)
    finally:
        done.set()
        for process in (load, flood):
            if process is not None and process.is_alive():
                process.kill()
        await hub.stop()
    answered = [ms for _, status, ms in searched if status == 200]
    return {
        "pages": args.pages,
        "pdf_bytes": len(pdf),
        "upload_s": uploaded,
        "first_search_s": indexed,
        "idle": idle.turns_ms,
        "busy": busy.turns_ms,
        "flooded": flooded.turns_ms,
        "hub_cpu_share": {
            c.name: c.hub_cpu_s / c.seconds for c in (idle, busy, flooded) if c.seconds
        },
        "flood_frames": flood_counts["frames"],
        "flood_cut_off": flood_counts["cut_off"],
        "searches": len(searched),
        "searches_ok": len(answered),
        "searches_refused": sum(1 for _, status, _ in searched if status == 429),
        "search_p50_ms": percentile(answered, 0.5),
        "search_p99_ms": percentile(answered, 0.99),
    }


def report(figures: dict[str, Any], args: argparse.Namespace) -> None:
    idle, busy, flooded = figures["idle"], figures["busy"], figures["flooded"]
    print(
        f"Page turns on one board, a {figures['pages']}-page public document "
        f"({figures['pdf_bytes'] / 2**20:.1f} MiB), a turn every {args.interval * 1000:.0f} ms"
    )
    print(
        f"upload {figures['upload_s']:.1f} s; first search (waits for the index) "
        f"{figures['first_search_s']:.1f} s"
    )
    print(f"{'condition':<14}{'turns':>6}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'hub CPU':>9}")
    conditions = (
        ("idle", idle),
        (f"{args.searches} searches", busy),
        (f"{len(FLOOD_KINDS)} floods", flooded),
    )
    for name, values in conditions:
        share = figures["hub_cpu_share"].get(name, 0.0)
        print(
            f"{name:<14}{len(values):>6}{percentile(values, 0.5):>9.1f}"
            f"{percentile(values, 0.99):>9.1f}{max(values):>9.1f}{share:>8.0%}"
        )
    p50 = ratio(percentile(busy, 0.5), percentile(idle, 0.5))
    p99 = ratio(percentile(busy, 0.99), percentile(idle, 0.99))
    print(f"searching/idle: p50 {p50:.2f}x, p99 {p99:.2f}x")
    p50 = ratio(percentile(flooded, 0.5), percentile(idle, 0.5))
    p99 = ratio(percentile(flooded, 0.99), percentile(idle, 0.99))
    print(f"flooded/idle:   p50 {p50:.2f}x, p99 {p99:.2f}x  (target: p99 at most 2x)")
    print(
        f"floods: {figures['flood_frames']} frames sent by {len(FLOOD_KINDS)} sockets, "
        f"cut off (4011) and reconnected {figures['flood_cut_off']} times"
    )
    print(
        f"searches under load: {figures['searches']} made, {figures['searches_ok']} answered 200 "
        f"(p50 {figures['search_p50_ms']:.0f} ms, p99 {figures['search_p99_ms']:.0f} ms), "
        f"{figures['searches_refused']} refused 429"
    )
    print(f"\ncommand: python -m bench.attacks (from {ROOT})")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.attacks", description=__doc__)
    parser.add_argument("--pages", type=int, default=2000, help="pages of the document")
    parser.add_argument("--searches", type=int, default=16, help="searches in flight at once")
    parser.add_argument("--turns", type=int, default=40, help="page turns per block")
    parser.add_argument("--blocks", type=int, default=3, help="idle and loaded blocks, each")
    parser.add_argument("--interval", type=float, default=0.1, help="seconds between turns")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    try:
        with tempfile.TemporaryDirectory(prefix="congress-attacks-") as work:
            figures = asyncio.run(run(args, Path(work)))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    report(figures, args)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
