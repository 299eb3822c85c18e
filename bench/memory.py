"""The memory benchmark: a long session through one hub, its RSS every 2,000 records.

    python -m bench.memory [--records 20000] [--screens 100] [--every 2000]

starts a real hub on a fresh demo data directory (SQLite, as a one-node congress runs),
connects `--screens` screens (delegates and boards, reading every frame), and drives
`--records` records through it from a presidium console and a few delegates: page turns,
floor requests, acceptances, grants, extensions and ends, announcements, check-ins. At every
`--every` records it prints the hub's RSS (VmRSS from /proc/PID/status).

    python -m bench.memory --in-process [--records 20000]

runs the same hub, on the same data and sockets, inside this process under tracemalloc, and
prints at each step what grew since the previous one, by allocating call stack: how the
growth per record was found. (The screens and the console are in this process too then;
their stacks name bench/ and presidium_console/, and the RSS is theirs as well.)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import itertools
import json
import os
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgpack
from websockets.asyncio.client import ClientConnection, connect

from bench.servers import demo_tokens, free_port, start_hub
from presidium_console.client import CommandRefused, CongressClient
from session_server.protocol.messages import PROTOCOL_VERSION

ROOM = "camau-2025"
DOCUMENT = "chuong-trinh"
SPEAKERS = 8
"""Delegates who ask for the floor in turn: each stays within its rate limit."""

ITEM_SPEECHES = 25
"""Speeches on one agenda item before the next is taken up."""
NEWEST_ITEM = "<newest>"
"""Stands for the id of the agenda item added last; the driver resolves it."""
ANNOUNCEMENTS = 5
"""Announcements shown at once."""
OLDEST_ANNOUNCEMENT = "<oldest>"
"""Stands for the id of the oldest announcement shown; the driver resolves it."""

Step = tuple[int | None, str, dict[str, Any]]
"""Who sends it (None: the presidium, else the index of a speaking delegate), name, args."""


def session(delegates: list[str], pages: int) -> Iterator[Step]:
    """A day's business, over and over: each round is about nine records."""
    for delegate_id in delegates:
        yield None, "check_in", {"delegate_id": delegate_id}
    for turn in itertools.count():
        speaker = turn % SPEAKERS
        yield None, "show_page", {"document_id": DOCUMENT, "page": 1 + turn % pages}
        yield speaker, "request_floor", {}
        yield None, "accept_request", {"delegate_id": delegates[speaker]}
        yield None, "grant_floor", {"delegate_id": delegates[speaker], "seconds": 180}
        yield None, "extend_time", {"seconds": 30}
        yield None, "show_page", {"document_id": DOCUMENT, "page": 1 + (turn + 1) % pages}
        yield None, "end_speech", {}
        yield None, "post_announcement", {"text": f"Thông báo số {turn + 1}", "minutes": 60}
        if turn >= ANNOUNCEMENTS:
            # A hall shows a few at once: the bench outruns their expiry, so the oldest goes.
            yield None, "withdraw_announcement", {"announcement_id": OLDEST_ANNOUNCEMENT}
        if turn % 10 == 9:
            yield None, "hide_document", {}
        if turn % ITEM_SPEECHES == ITEM_SPEECHES - 1:
            # The next item of business, with its own list of speakers: one item's list
            # is sent whole on each of its changes, and no real item has thousands.
            yield None, "add_agenda_item", {"title": f"Mục {turn // ITEM_SPEECHES + 1}"}
            yield None, "set_current_item", {"item_id": NEWEST_ITEM}


Send = Callable[[int | None, str, dict[str, Any]], Awaitable[int]]
"""Sends one step; the room's seq after it."""


async def drive(
    send: Send,
    steps: Iterator[Step],
    records: int,
    every: int,
    measure: Callable[[int], Awaitable[None]],
) -> int:
    """Send steps until `records` records were added; `measure` after each `every` of them."""
    first = await send(None, "show_page", {"document_id": DOCUMENT, "page": 1})
    next_mark = every
    seq = first
    for who, name, args in steps:
        seq = await send(who, name, args)
        while seq - first >= next_mark:
            await measure(next_mark)
            next_mark += every
        if seq - first >= records:
            break
    return seq - first


# ---- the real hub over sockets


def vm_rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


class Reader:
    """A screen that reads every frame and keeps only counts: it costs the bench little."""

    def __init__(self, url: str, token: str) -> None:
        self.url = url
        self.token = token
        self.frames = 0
        self.socket: ClientConnection | None = None
        self.task: asyncio.Task[None] | None = None

    async def open(self) -> None:
        self.socket = await connect(self.url, max_size=None, compression=None)
        hello = {"type": "hello", "v": PROTOCOL_VERSION, "token": self.token, "room": ROOM}
        await self.socket.send(msgpack.packb(hello))
        self.task = asyncio.create_task(self._read(self.socket))

    async def _read(self, socket: ClientConnection) -> None:
        with contextlib.suppress(Exception):
            async for _ in socket:
                self.frames += 1

    async def close(self) -> None:
        if self.socket is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.socket.close(), 3)
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task


@dataclass
class Figures:
    records: list[int] = field(default_factory=list)
    rss_kb: list[int] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)


class InProcessHub:
    """The hub's own app under uvicorn in this process, as `congress serve` runs it."""

    def __init__(self, data: Path, history: int) -> None:
        import uvicorn

        from session_server.app import Settings
        from session_server.cli.serve import server_config
        from session_server.hub.node import Limits

        self.port = free_port()
        limits = Limits(sockets_per_token=1_000_000, history=history)
        settings = Settings(data_dir=data, limits=limits, prerender=False)
        config = server_config(settings, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    async def start(self) -> None:
        self.task = asyncio.create_task(self.server.serve())
        while not self.server.started:
            if self.task.done():
                await self.task
                raise RuntimeError("the hub did not start")
            await asyncio.sleep(0.05)

    async def stop(self) -> None:
        self.server.should_exit = True
        if self.task is not None:
            await self.task


@dataclass
class Growth:
    """What tracemalloc saw grow between two marks, by allocating call stack."""

    traced_kb: float
    top: list[tuple[str, float, int]]
    """(where, KiB grown, blocks grown), largest first; where is the stack, newest call first."""


class Tracer:
    """tracemalloc snapshots of this process, each compared with the one before."""

    def __init__(self, top: int) -> None:
        self.top = top
        self.previous: tracemalloc.Snapshot | None = None
        tracemalloc.start(7)

    def step(self) -> Growth:
        snap = tracemalloc.take_snapshot().filter_traces(
            [tracemalloc.Filter(False, tracemalloc.__file__)]
        )
        traced = sum(s.size for s in snap.statistics("filename")) / 1024
        lines: list[tuple[str, float, int]] = []
        if self.previous is not None:
            for stat in snap.compare_to(self.previous, "traceback")[: self.top]:
                # Newest call first, the event loop's own frames left out.
                frames = [
                    f"{f.filename.split('/')[-1]}:{f.lineno}"
                    for f in reversed(stat.traceback)
                    if not f.filename.endswith(("runners.py", "base_events.py", "events.py"))
                ]
                lines.append((" < ".join(frames[:6]), stat.size_diff / 1024, stat.count_diff))
        self.previous = snap
        return Growth(traced, lines)


async def run_hub(
    records: int,
    screens: int,
    every: int,
    work: Path,
    *,
    in_process: bool = False,
    top: int = 10,
    history: int = 1024,
) -> Figures:
    data = work / "data"
    hub = await start_hub(data, work / "hub.log", None)
    local: InProcessHub | None = None
    if in_process:
        # The subprocess loaded the demo; the hub measured runs here, on the same data.
        await hub.stop()
        local = InProcessHub(data, history)
        await local.start()
    pid = os.getpid() if in_process else hub.process.pid
    url = local.url if local is not None else hub.url
    tracer: Tracer | None = None
    readers: list[Reader] = []
    clients: list[CongressClient] = []
    figures = Figures()
    try:
        presidium_token, boards, delegates = demo_tokens(data)
        for n in range(screens):
            # One in ten a board, the rest delegates' tablets, as in the hall.
            token = boards[n % len(boards)] if n % 10 == 0 else delegates[n % len(delegates)]
            readers.append(Reader(url, token))
        await asyncio.gather(*(r.open() for r in readers))
        presidium = CongressClient(url, presidium_token, ROOM, record_frames=False)
        speakers = [
            CongressClient(url, token, ROOM, record_frames=False) for token in delegates[-SPEAKERS:]
        ]
        clients = [presidium, *speakers]
        for client in clients:
            await client.connect(timeout=30)
            await client.wait_for(lambda view: view.seq > 0, timeout=30)
        roll = [d["id"] for d in presidium.view["roll"]]
        speaker_ids = [str(s.welcome["delegate_id"]) for s in speakers]
        roll = speaker_ids + [d for d in roll if d not in speaker_ids]
        pages = next(d["pages"] for d in presidium.view["documents"] if d["id"] == DOCUMENT)
        await _open_the_floor(presidium)
        started = time.monotonic()

        async def send(who: int | None, name: str, args: dict[str, Any]) -> int:
            client = presidium if who is None else speakers[who]
            if args.get("item_id") == NEWEST_ITEM:
                args = {"item_id": presidium.view["agenda"]["items"][-1]["id"]}
            if args.get("announcement_id") == OLDEST_ANNOUNCEMENT:
                args = {"announcement_id": presidium.view["announcements"][0]["id"]}
            try:
                return (await client.command(name, timeout=30, **args)).seq
            except CommandRefused as refused:
                raise RuntimeError(f"{name} {args} refused: {refused}") from None

        async def measure(mark: int) -> None:
            figures.records.append(mark)
            figures.rss_kb.append(vm_rss_kb(pid))
            figures.seconds.append(time.monotonic() - started)
            print(
                f"{mark:>7} records  RSS {figures.rss_kb[-1] / 1024:8.1f} MB"
                f"  ({figures.seconds[-1]:5.0f} s)",
                flush=True,
            )
            if tracer is not None:
                growth = tracer.step()
                runs = "/".join(str(g["collections"]) for g in gc.get_stats())
                print(
                    f"          traced {growth.traced_kb:9.1f} KiB; collector runs by"
                    f" generation {runs}, objects waiting {gc.get_count()}",
                    flush=True,
                )
                for where, kib, count in growth.top:
                    print(f"          {kib:+9.1f} KiB {count:+7d} blocks  {where}", flush=True)

        if in_process:
            tracer = Tracer(top)
        await measure(0)
        await drive(send, session(roll, pages), records, every, measure)
        # Every screen followed to the end: none was closed as slow, so all were measured.
        closed = [r for r in readers if r.task is None or r.task.done()]
        if closed:
            raise RuntimeError(f"{len(closed)} of {len(readers)} screens were closed")
        frames = sum(r.frames for r in readers)
        print(f"{len(readers)} screens received {frames} frames, all still connected")
    finally:
        if tracer is not None:
            tracemalloc.stop()
        for client in clients:
            with contextlib.suppress(Exception):
                await client.close()
        await asyncio.gather(*(r.close() for r in readers))
        if local is not None:
            await local.stop()
        await hub.stop()
    return figures


async def _open_the_floor(presidium: CongressClient) -> None:
    """The session open and an agenda item current, so the floor can be given."""
    view = presidium.view
    if view["session"]["status"] != "in_session":
        await presidium.command("open_session")
    if view["agenda"]["current"] is None:
        await presidium.command("set_current_item", item_id=view["agenda"]["items"][0]["id"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.memory", description=__doc__)
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--screens", type=int, default=100)
    parser.add_argument("--every", type=int, default=2_000, help="records between two figures")
    parser.add_argument(
        "--in-process",
        action="store_true",
        help="run the hub in this process under tracemalloc, and print what grew at each step",
    )
    parser.add_argument("--top", type=int, default=10, help="stacks shown per step (in-process)")
    parser.add_argument(
        "--history",
        type=int,
        default=1024,
        help="frames kept per view for resumes (in-process): fewer fill sooner, so what grows"
        " after the history is full shows within fewer records",
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="congress-memory-") as work:
        figures = asyncio.run(
            run_hub(
                args.records,
                args.screens,
                args.every,
                Path(work),
                in_process=args.in_process,
                top=args.top,
                history=args.history,
            )
        )
    result = {"records": figures.records, "rss_kb": figures.rss_kb, "seconds": figures.seconds}
    print(summary(figures.records, figures.rss_kb), flush=True)
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=2))
    return 0


def summary(records: list[int], rss_kb: list[int]) -> str:
    """RSS growth per record over the second half of the run, once the history is full."""
    half = len(records) // 2
    if len(records) < 3 or records[-1] == records[half]:
        return "too few figures for a slope"
    per_record = (rss_kb[-1] - rss_kb[half]) * 1024 / (records[-1] - records[half])
    return (
        f"RSS {rss_kb[0] / 1024:.1f} MB at the start, {rss_kb[half] / 1024:.1f} MB at"
        f" {records[half]} records, {rss_kb[-1] / 1024:.1f} MB at {records[-1]}:"
        f" {per_record:+.0f} bytes per record over the second half"
    )


if __name__ == "__main__":
    sys.exit(main())
