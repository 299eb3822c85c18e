"""Fan-out benchmark: N screens follow the presidium's page turns, the hub against a bare relay."""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import hashlib
import json
import math
import os
import platform
import pstats
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

import msgpack
from websockets.asyncio.client import ClientConnection, connect
from websockets.version import version as websockets_version

from bench.baseline import loop_factory, raise_open_files_limit
from bench.figures import TARGET_RATIO, TARGET_SIZES, Phase, percentile, ratio, table, verdict
from bench.screens import (
    CLOSE_WAIT,
    CONNECT_TIMEOUT,
    Target,
    WorkerPlan,
    WorkerReport,
    Workers,
    describe,
)
from bench.servers import (
    ROOT,
    Nodes,
    Server,
    demo_tokens,
    start_baseline,
    start_hub,
    start_redis,
)
from presidium_console.client import CongressClient

RESULTS = Path(__file__).resolve().parent / "results"

ROOM = "camau-2025"
DOCUMENT = "chuong-trinh"
"""Public, so every turn changes the delegates' view and the boards' view alike."""
BOARD_EVERY = 10
"""One screen in ten is a welcome-gate board, the others are delegate tablets."""
WARMUP_TURNS = 3
"""Turns made before measuring, so first-use costs (imports, caches) are not counted."""


def hello(token: str) -> bytes:
    return msgpack.packb({"type": "hello", "v": 2, "token": token, "room": ROOM, "last_seq": None})


def screen_hellos(n: int, boards: list[str], delegates: list[str]) -> list[bytes]:
    """Mostly delegates, one in BOARD_EVERY a board; tokens are shared, as tablets may."""
    return [
        hello(boards[i % len(boards)])
        if i % BOARD_EVERY == BOARD_EVERY - 1
        else hello(delegates[i % len(delegates)])
        for i in range(n)
    ]


# ---- the presidium's side: who turns the page


class Controller(Protocol):
    async def turn(self, number: int) -> int:
        """Turn a page; returns the seq the screens will see on that turn's event frame."""
        ...

    async def close(self) -> None: ...


class HubController:
    def __init__(self, client: CongressClient, timeout: float) -> None:
        self.client = client
        self.timeout = timeout

    @classmethod
    async def open(cls, url: str, token: str, timeout: float) -> HubController:
        client = CongressClient(url, token, ROOM, record_frames=False)
        await client.connect(resume=False, timeout=timeout)
        return cls(client, timeout)

    async def turn(self, number: int) -> int:
        # Alternate the pages so that every command changes the state and makes an event.
        page = 2 if number % 2 == 0 else 1
        ack = await self.client.command(
            "show_page", timeout=self.timeout, document_id=DOCUMENT, page=page
        )
        return ack.seq

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            async with asyncio.timeout(CLOSE_WAIT):
                await self.client.close()


def padded_event(seq: int, size: int) -> bytes:
    """An event frame of exactly `size` bytes when possible, so the relay moves equal bytes."""
    message: dict[str, Any] = {"type": "event", "seq": seq, "prev": seq - 1, "set": {"pad": ""}}
    frame = msgpack.packb(message)
    for pad in range(size):
        message["set"]["pad"] = "x" * pad
        candidate = msgpack.packb(message)
        if len(candidate) > size:
            break
        frame = candidate
    return frame


class BaselineController:
    def __init__(self, connection: ClientConnection, frames: list[bytes], timeout: float) -> None:
        self.connection = connection
        self.frames = frames
        self.timeout = timeout

    @classmethod
    async def open(cls, url: str, size: int, turns: int, timeout: float) -> BaselineController:
        # Made ahead, so that making them is not timed as the relay's latency.
        frames = [padded_event(number + 1, size) for number in range(turns)]
        connection = await connect(url, compression=None, ping_interval=None, open_timeout=timeout)
        await connection.send(msgpack.packb({"type": "control"}))
        return cls(connection, frames, timeout)

    async def turn(self, number: int) -> int:
        seq = number + 1
        await self.connection.send(self.frames[number])
        async with asyncio.timeout(self.timeout):
            await self.connection.recv()
        return seq

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            async with asyncio.timeout(CLOSE_WAIT):
                await self.connection.close()


# ---- one run: both servers up, N screens on each, their turns interleaved


@dataclass
class Settings:
    screens: list[int]
    turns: int
    workers: int
    interval: float
    client: str
    batch: int
    turn_timeout: float
    profile: bool
    nodes: int = 1
    results: Path = RESULTS


def _plans(targets: list[Target], settings: Settings, lifetime: float) -> list[WorkerPlan]:
    """Each client process gets every `workers`-th screen of every target."""
    count = max(1, min(settings.workers, min(len(t.hellos) for t in targets)))
    return [
        WorkerPlan(
            [Target(t.url, t.hellos[i::count], t.more_urls) for t in targets],
            settings.batch,
            settings.client,
            lifetime,
        )
        for i in range(count)
    ]


def _connect_budget(sockets: int, settings: Settings) -> float:
    batches = math.ceil(sockets / max(1, settings.workers) / settings.batch)
    return CONNECT_TIMEOUT * batches + 10


def _progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


@dataclass
class Side:
    """One server under test in a run: its process, who turns its pages, what it costs."""

    phase: Phase
    server: Server | Nodes
    target: int
    controller: Controller | None = None
    sent: dict[int, int] = field(default_factory=dict)
    """seq -> the instant its command left, for the measured turns."""
    cpu_ns: int = 0
    client_cpu_ns: int = 0


async def _turn(side: Side, number: int, workers: Workers, settings: Settings) -> None:
    """One page turn, timed from the command to the last screen, and its CPU cost."""
    assert side.controller is not None
    server_before = side.server.cpu_ns()
    clients_before = workers.cpu_ns()
    # The instant the command leaves: what the presidium sees as "I turned it".
    sent_ns = time.monotonic_ns()
    seq = await side.controller.turn(number)
    if number >= WARMUP_TURNS:
        side.sent[seq] = sent_ns
        side.phase.turns += 1
    complete = await workers.wait_turn(side.target, seq, settings.turn_timeout)
    if number >= WARMUP_TURNS:
        side.phase.turns_complete += complete
        side.cpu_ns += side.server.cpu_ns() - server_before
        side.client_cpu_ns += workers.cpu_ns() - clients_before


async def _warm_up(side: Side, workers: Workers, settings: Settings) -> None:
    for number in range(WARMUP_TURNS):
        await _turn(side, number, workers, settings)
        await asyncio.sleep(settings.interval)


async def _measure(sides: list[Side], workers: Workers, settings: Settings) -> None:
    for index in range(settings.turns):
        # Interleaved, hub then relay, relay then hub, and so on: whatever else loads the
        # machine weighs on both alike, and neither always follows the other.
        for side in sides if index % 2 == 0 else sides[::-1]:
            await _turn(side, WARMUP_TURNS + index, workers, settings)
            await asyncio.sleep(settings.interval)


async def _run_size(
    hub: Phase, baseline: Phase, settings: Settings, work_dir: Path, stamp: str
) -> None:
    n = hub.n
    profile = settings.results / f"hub-profile-{stamp}-n{n}.prof" if settings.profile else None
    async with contextlib.AsyncExitStack() as stack:
        data_dir = work_dir / f"hub-n{n}"
        hub_server: Server | Nodes
        more_urls: tuple[str, ...] = ()
        if settings.nodes > 1:
            redis = await start_redis(work_dir / f"redis-n{n}", work_dir / f"redis-n{n}.log")
            stack.push_async_callback(redis.stop)
            backend = ["--backend", f"redis://127.0.0.1:{redis.port}/0"]
            nodes = Nodes([])
            stack.push_async_callback(nodes.stop)
            for index in range(settings.nodes):
                # The first node loads the demo into Redis; the others find it there.
                nodes.servers.append(
                    await start_hub(
                        work_dir / f"hub-n{n}-node{index}" if index else data_dir,
                        work_dir / f"hub-n{n}-node{index}.log",
                        None,
                        [*backend, *(["--no-demo"] if index else [])],
                    )
                )
            hub_server, more_urls = nodes, tuple(nodes.urls[1:])
        else:
            hub_server = await start_hub(data_dir, work_dir / f"hub-n{n}.log", profile)
            stack.push_async_callback(hub_server.stop)
        relay = await start_baseline(work_dir / f"baseline-n{n}.log")
        stack.push_async_callback(relay.stop)
        presidium, boards, delegates = demo_tokens(data_dir)
        targets = [
            Target(hub_server.url, screen_hellos(n, boards, delegates), more_urls),
            # Hellos of the hub's size, though the relay does not read them.
            Target(relay.url, [hello("-" * 32)] * n),
        ]
        budget = _connect_budget(2 * n, settings)
        lifetime = budget + 2 * (WARMUP_TURNS + settings.turns) * (
            2 * settings.turn_timeout + settings.interval
        )
        workers = Workers(_plans(targets, settings, lifetime + 120))
        stack.callback(workers.stop)
        started = time.monotonic()
        ready = await workers.wait_ready(budget)
        took = time.monotonic() - started
        for phase, (connected, failed, error) in zip((hub, baseline), ready, strict=True):
            phase.connected, phase.failed, phase.connect_seconds = connected, failed, took
            failures = f", {failed} failed ({error})" if failed else ""
            _progress(f"  {phase.server:8} N={n}: {connected} screens connected{failures}")
            if connected == 0:
                raise RuntimeError(f"no screen connected to the {phase.server}: {error}")
        sides = [Side(hub, hub_server, 0), Side(baseline, relay, 1)]
        timeout = settings.turn_timeout
        sides[0].controller = await HubController.open(hub_server.url, presidium, timeout)
        stack.push_async_callback(sides[0].controller.close)
        # The hub's warm-up turns come first: they tell the size of its page-turn frames.
        await _warm_up(sides[0], workers, settings)
        size = workers.frame_bytes(0) or expected_frame_bytes()
        turns = WARMUP_TURNS + settings.turns
        sides[1].controller = await BaselineController.open(relay.url, size, turns, timeout)
        stack.push_async_callback(sides[1].controller.close)
        await _warm_up(sides[1], workers, settings)
        await _measure(sides, workers, settings)
        for side in sides:
            side.phase.cpu_seconds = side.cpu_ns / 1e9
            side.phase.client_cpu_seconds = side.client_cpu_ns / 1e9
            side.phase.rss_mb = side.server.rss_mb()
        results = await workers.finish([list(side.sent) for side in sides])
        for side, (reports, unreported) in zip(sides, results, strict=True):
            _fold(side.phase, reports, unreported, side.sent)


def _fold(phase: Phase, reports: list[WorkerReport], unreported: int, sent: dict[int, int]) -> None:
    for seq, sent_ns in sent.items():
        seen = [r.turns[seq] for r in reports if seq in r.turns]
        if seen:
            phase.first_ms.append((min(s[1] for s in seen) - sent_ns) / 1e6)
            phase.last_ms.append((max(s[2] for s in seen) - sent_ns) / 1e6)
    phase.p50_ms = percentile(phase.last_ms, 0.50)
    phase.p99_ms = percentile(phase.last_ms, 0.99)
    phase.first_p50_ms = percentile(phase.first_ms, 0.50)
    # Of the N screens, those that did not get every measured turn: the ones that never
    # connected and the ones whose worker did not report count as having missed them all.
    phase.missed_screens = sum(r.missed_screens for r in reports) + unreported + phase.failed
    phase.missed_frames = sum(r.missed_frames for r in reports) + (
        (unreported + phase.failed) * len(sent)
    )
    phase.resyncs = sum(r.resyncs for r in reports)
    phase.lost = sum(r.lost for r in reports)
    sizes: collections.Counter[int] = collections.Counter()
    for report in reports:
        sizes.update(report.sizes)
    if sizes:
        phase.frame_bytes = sizes.most_common(1)[0][0]


def expected_frame_bytes() -> int:
    """The size of the hub's page-turn frame, in case its warm-up turns showed none."""
    from session_server.protocol import messages

    document = {"id": DOCUMENT, "title": "Chương trình Đại hội", "page": 2, "pages": 2}
    return len(messages.event(60, 59, time.time_ns() // 1_000_000, {"document": document}))


async def run_size(n: int, settings: Settings, work_dir: Path, stamp: str) -> tuple[Phase, Phase]:
    """The hub and the relay, both up, N screens on each, their turns interleaved."""
    hub, baseline = Phase("hub", n), Phase("baseline", n)
    try:
        await _run_size(hub, baseline, settings, work_dir, stamp)
    except Exception as error:
        # One size failing must not lose the other sizes' figures: it is reported instead.
        for phase in (hub, baseline):
            phase.error = phase.error or describe(error)
        _progress(f"  N={n}: failed: {describe(error)}")
    return hub, baseline


async def run_all(settings: Settings, work_dir: Path, stamp: str) -> list[tuple[Phase, Phase]]:
    results = []
    for n in settings.screens:
        _progress(f"N={n}")
        results.append(await run_size(n, settings, work_dir, stamp))
    return results


# ---- what is printed and kept


def _plain(value: Any) -> Any:
    """JSON without NaN, which strict parsers refuse."""
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 4)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value


def source_digest() -> str:
    """A digest of the hub's source, to tell which code a result file measured."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "session_server").rglob("*.py")):
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def write_json(
    path: Path,
    settings: Settings,
    results: list[tuple[Phase, Phase]],
    met: bool | None,
    argv: list[str],
    digest: str,
) -> None:
    document = {
        "command": argv,
        "hub_source_sha256": digest,
        "settings": asdict(settings),
        "warmup_turns": WARMUP_TURNS,
        "screens_mix": f"1 board in {BOARD_EVERY}, the rest delegates",
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "websockets": websockets_version,
            "loop": "uvloop" if loop_factory() is not None else "asyncio",
            "platform": platform.platform(),
            # Other work on the machine moves the figures; this says how much there was.
            "loadavg_at_end": os.getloadavg(),
        },
        "results": [
            {
                "n": hub.n,
                "hub": asdict(hub),
                "baseline": asdict(baseline),
                "ratio": {
                    "p50": ratio(hub.p50_ms, baseline.p50_ms),
                    "p99": ratio(hub.p99_ms, baseline.p99_ms),
                    "first_p50": ratio(hub.first_p50_ms, baseline.first_p50_ms),
                    "cpu": ratio(hub.cpu_seconds, baseline.cpu_seconds),
                },
            }
            for hub, baseline in results
        ],
        "target": {"p50_ratio": TARGET_RATIO, "at": list(TARGET_SIZES), "met": met},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(_plain(document), indent=2, ensure_ascii=False) + "\n")


def print_profiles(stamp: str, settings: Settings) -> None:
    for n in settings.screens:
        path = settings.results / f"hub-profile-{stamp}-n{n}.prof"
        if path.exists():
            print(f"\nHub profile, N={n} ({path}), by own time:")
            pstats.Stats(str(path), stream=sys.stdout).sort_stats("tottime").print_stats(25)


# ---- command line


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of numbers: {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("screen counts are positive numbers")
    return sizes


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.fanout",
        description=(
            "N real websocket screens follow while the presidium turns pages. For each N, the "
            "hub and a minimal websockets relay sending frames of the same size both run, N "
            "screens on each, and their turns alternate. Everything runs on 127.0.0.1 and is "
            "stopped at the end."
        ),
    )
    parser.add_argument("--screens", type=_sizes, default=[100, 1000, 4000], metavar="N,N,...")
    parser.add_argument("--turns", type=int, default=30, help="measured turns per server and N")
    parser.add_argument("--workers", type=int, default=2, help="client processes (%(default)s)")
    parser.add_argument(
        "--interval",
        type=float,
        default=0.2,
        help="seconds between a turn reaching every screen and the next turn; at least 0.1, "
        "as the hub allows 10 commands a second (%(default)s)",
    )
    parser.add_argument(
        "--client",
        choices=("sansio", "websockets"),
        default="sansio",
        help="screen implementation: websockets' sans-I/O protocol on a bare transport "
        "(cheapest), or its asyncio client with a task per socket (%(default)s)",
    )
    parser.add_argument(
        "--batch", type=int, default=100, help="sockets a client process opens at once"
    )
    parser.add_argument(
        "--turn-timeout", type=float, default=10.0, help="seconds a turn may take to arrive"
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="run the hub under cProfile (slows it: its figures are then not comparable) "
        "and print where its time goes",
    )
    parser.add_argument("--quick", action="store_true", help="smoke test: 50 screens, 5 turns")
    parser.add_argument(
        "--nodes",
        type=int,
        default=1,
        help="hub nodes on one redis-server (1: one node on SQLite); screens spread over them",
    )
    parser.add_argument(
        "--results",
        type=Path,
        default=RESULTS,
        help="directory for the figures (JSON) and profiles (bench/results)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.quick:
        args.screens, args.turns = [50], 5
    if args.turns < 1 or args.workers < 1 or args.batch < 1 or args.interval < 0.1:
        build_parser().error("--turns, --workers and --batch are at least 1, --interval 0.1")
    settings = Settings(
        screens=args.screens,
        turns=args.turns,
        workers=args.workers,
        interval=args.interval,
        client=args.client,
        batch=args.batch,
        turn_timeout=args.turn_timeout,
        profile=args.profile,
        results=args.results,
        nodes=args.nodes,
    )
    limit = raise_open_files_limit()
    if max(settings.screens) + 200 > limit:
        _progress(f"warning: {limit} open files allowed; {max(settings.screens)} sockets need more")
    stamp = time.strftime("%Y%m%d-%H%M%S")
    digest = source_digest()
    # Made first: a profiled hub writes its profile here when it stops.
    settings.results.mkdir(parents=True, exist_ok=True)
    try:
        with (
            tempfile.TemporaryDirectory(prefix="congress-fanout-") as work_dir,
            asyncio.Runner(loop_factory=loop_factory()) as runner,
        ):
            results = runner.run(run_all(settings, Path(work_dir), stamp))
    except KeyboardInterrupt:
        # The servers and client processes were stopped on the way out.
        print("interrupted", file=sys.stderr)
        return 130
    met, reasons = verdict(results)
    print(
        f"\nFan-out: hub on {settings.nodes} node(s)"
        + (" over one redis-server" if settings.nodes > 1 else " (SQLite)")
        + f", {settings.turns} page turns per run, {settings.workers} client processes "
        f"({settings.client}), 1 board in {BOARD_EVERY} screens, latency from command sent "
        f"to the last screen's receipt"
    )
    print(table(results))
    print(
        f"\nTarget (hub p50 within {TARGET_RATIO}x of the baseline at N="
        f"{' and '.join(map(str, TARGET_SIZES))}, no screen missing a message): "
        + {True: "met", False: "NOT met", None: "not assessed at these sizes"}[met]
    )
    for reason in reasons:
        print(f"  - {reason}")
    path = settings.results / f"fanout-{stamp}.json"
    if source_digest() != digest:
        print("\nwarning: the hub's source changed during the run; the figures mix versions")
        digest += "+changed"
    argv_used = ["python", "-m", "bench.fanout", *sys.argv[1:]]
    write_json(path, settings, results, met, argv_used, digest)
    print(f"\nFigures: {path}")
    if settings.profile:
        print_profiles(stamp, settings)
    missing = any(p.error or p.missed_screens for pair in results for p in pair)
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
