"""Fan-out benchmark: N screens follow the presidium's page turns, the hub against a bare relay."""

from __future__ import annotations

import argparse
import asyncio
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
from dataclasses import asdict
from pathlib import Path
from typing import Any

from websockets.version import version as websockets_version

from bench.baseline import RELAYS, loop_factory, raise_open_files_limit
from bench.controllers import BOARD_EVERY
from bench.day import QUICK_DAY, DaySize, size_table
from bench.figures import Impairment, SizeResult, ratio, table
from bench.laggards import SLOW_RATE, STALLED_RCVBUF
from bench.measure import WARMUP_TURNS, Settings, progress, run_all, worker_count
from bench.servers import ROOT
from bench.targets import target_rows, target_table

RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_SCREENS = [1000, 4000, 10_000]
SOCKETS_PER_WORKER = 2500
"""Most sockets one client process holds (its share of both servers'): one event loop
with 10,000 sockets reads a turn's frames too slowly to time the server."""
LAGGARD_SECONDS = 45.0
QUICK_SCREENS = 50
QUICK_TURNS = 5


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


def _impairment_json(impairment: Impairment) -> dict[str, Any]:
    return asdict(impairment) | {"p99_ratio": impairment.p99_ratio} | impairment.shifts()


def write_json(
    path: Path,
    settings: Settings,
    results: list[SizeResult],
    targets: list[dict[str, Any]],
    argv: list[str],
    digest: str,
) -> None:
    document = {
        "command": argv,
        "hub_source_sha256": digest,
        "settings": asdict(settings),
        "warmup_turns": WARMUP_TURNS,
        "screens_mix": f"1 board in {BOARD_EVERY}, the rest delegates",
        "laggards": {
            "stalled": f"reads its snapshot, then nothing; SO_RCVBUF {STALLED_RCVBUF} bytes",
            "slow": f"reads {SLOW_RATE:g} frames a second",
        },
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
                "n": r.hub.n,
                "hub": asdict(r.hub),
                "baseline": asdict(r.baseline),
                "ratio": {
                    "p50": ratio(r.hub.p50_ms, r.baseline.p50_ms),
                    "p99": ratio(r.hub.p99_ms, r.baseline.p99_ms),
                    "first_p50": ratio(r.hub.first_p50_ms, r.baseline.first_p50_ms),
                    "arrival_p50": ratio(r.hub.arrival_p50_ms, r.baseline.arrival_p50_ms),
                    "arrival_p99": ratio(r.hub.arrival_p99_ms, r.baseline.arrival_p99_ms),
                    "cpu": ratio(r.hub.cpu_seconds, r.baseline.cpu_seconds),
                    "cpu_us_per_frame": ratio(r.hub.cpu_us_per_frame, r.baseline.cpu_us_per_frame),
                },
                "day": asdict(r.day) if r.day else None,
                "day_frames_grown": r.day.grown() if r.day else None,
                "impairment": _impairment_json(r.impairment) if r.impairment else None,
            }
            for r in results
        ],
        "targets": targets,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(_plain(document), indent=2, ensure_ascii=False) + "\n")


def impairment_table(results: list[SizeResult]) -> str:
    lines = []
    for r in results:
        i = r.impairment
        if i is None:
            continue
        lines.append(
            f"N={i.n}: others' last-screen p50/p99 without ({i.clean_turns} hub turns) "
            f"{i.clean_p50_ms:.1f}/{i.clean_p99_ms:.1f} ms, with a stalled and a slow screen "
            f"({i.impaired_turns} turns) {i.impaired_p50_ms:.1f}/{i.impaired_p99_ms:.1f} ms "
            f"(p99 {i.p99_ratio:.2f}x); "
            f"other screens that missed a frame: {i.missed_screens}"
            + (f"; ERROR {i.error}" if i.error else "")
        )
        shifts = i.shifts()
        lines.append(
            "  with / without, last screen p50 {last_p50_ratio:.2f}x, p95 {last_p95_ratio:.2f}x, "
            "p99 {last_p99_ratio:.2f}x; the fan-out alone (last screen less first, so a turn "
            "held up before any frame went out does not count) p50 {spread_p50_ratio:.2f}x, "
            "p95 {spread_p95_ratio:.2f}x, p99 {spread_p99_ratio:.2f}x".format(**shifts)
        )
        for kind, figures in (("stalled", i.stalled), ("slow", i.slow)):
            if figures:
                shown = {k: round(v, 1) if isinstance(v, float) else v for k, v in figures.items()}
                lines.append(f"  {kind}: " + ", ".join(f"{k}={v}" for k, v in shown.items()))
    return "\n".join(lines)


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


def _counts(text: str) -> list[int]:
    try:
        counts = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of numbers: {text!r}") from None
    if len(counts) != 3 or min(counts) < 0:
        raise argparse.ArgumentTypeError("three counts, 0 or more: speeches,announcements,turns")
    return counts


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
    parser.add_argument(
        "--screens",
        type=_sizes,
        default=DEFAULT_SCREENS,
        metavar="N,N,...",
        help="screen counts (1000,4000,10000)",
    )
    parser.add_argument("--turns", type=int, default=30, help="measured turns per server and N")
    parser.add_argument(
        "--workers",
        type=int,
        default=2,
        help="client processes, at least; more when a process would hold more than "
        "--sockets-per-worker sockets (%(default)s)",
    )
    parser.add_argument(
        "--sockets-per-worker",
        type=int,
        default=SOCKETS_PER_WORKER,
        help="most sockets one client process holds, both servers' together (%(default)s)",
    )
    parser.add_argument(
        "--interval",
        type=float,
        default=0.2,
        help="seconds between a turn reaching every screen and the next turn; at least 0.1, "
        "as the hub allows 10 commands a second (%(default)s)",
    )
    parser.add_argument(
        "--client",
        choices=("sansio", "arrival", "websockets"),
        default="sansio",
        help="screen implementation: websockets' sans-I/O protocol on a bare transport "
        "(cheapest); the same on a plain socket read with recvmsg, which also stamps when "
        "each frame was in the screen's socket (arrival); or its asyncio client with a task "
        "per socket (%(default)s)",
    )
    parser.add_argument(
        "--batch", type=int, default=100, help="sockets a client process opens at once"
    )
    parser.add_argument(
        "--client-scheduling",
        choices=("batch", "normal"),
        default="batch",
        help="batch: the client processes never preempt a server when a frame wakes them, as "
        "tablets with processors of their own would not; normal: the scheduler's defaults, "
        "as runs before 2026-12-02 (%(default)s)",
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
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"smoke test: {QUICK_SCREENS} screens, {QUICK_TURNS} turns, a short day, laggards",
    )
    parser.add_argument(
        "--day",
        type=_counts,
        metavar="SPEECHES,ANNOUNCEMENTS,TURNS",
        help="the day run on each hub before its screens connect (300,100,500; "
        "with --quick 6,3,10)",
    )
    parser.add_argument("--no-day", action="store_true", help="no day before measuring")
    parser.add_argument(
        "--laggards-at",
        type=_sizes,
        metavar="N,...",
        help="the N at which the hub's turns run again without, then with, a stalled and a "
        "slow screen (the smallest N run, or 1000 if run)",
    )
    parser.add_argument(
        "--laggard-seconds",
        type=float,
        default=LAGGARD_SECONDS,
        help="each of those two phases lasts at least this long, so the hub's heartbeat (20 s "
        "ping, 20 s timeout) or send timeout (30 s) can act on the stalled screen; 0 with "
        "--quick (%(default)s)",
    )
    parser.add_argument(
        "--relay",
        choices=RELAYS,
        default=RELAYS[0],
        help="what the hub is measured against: websockets' server and broadcast(), or the "
        "bare floor (uvloop, each turn framed once and written to every transport; "
        "bench/bare.py) (%(default)s)",
    )
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


def _day(args: argparse.Namespace) -> DaySize | None:
    if args.no_day:
        return None
    if args.day is not None:
        return DaySize(*args.day)
    return QUICK_DAY if args.quick else DaySize()


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.quick:
        args.screens, args.turns = [QUICK_SCREENS], QUICK_TURNS
        args.laggard_seconds = 0.0
    if (
        args.turns < 1
        or args.workers < 1
        or args.batch < 1
        or args.interval < 0.1
        or args.sockets_per_worker < 2
    ):
        build_parser().error(
            "--turns, --workers and --batch are at least 1, --sockets-per-worker 2, --interval 0.1"
        )
    laggards_at = args.laggards_at or [1000 if 1000 in args.screens else min(args.screens)]
    settings = Settings(
        screens=args.screens,
        turns=args.turns,
        workers=args.workers,
        sockets_per_worker=args.sockets_per_worker,
        interval=args.interval,
        client=args.client,
        batch=args.batch,
        turn_timeout=args.turn_timeout,
        profile=args.profile,
        results=args.results,
        nodes=args.nodes,
        day=_day(args),
        impaired_at=[n for n in laggards_at if n in args.screens],
        laggard_seconds=args.laggard_seconds,
        relay=args.relay,
        client_scheduling=args.client_scheduling,
    )
    limit = raise_open_files_limit()
    # The servers inherit this limit: each holds N sockets; a client process at most its share.
    needed = max(settings.screens) + 200
    if needed > limit:
        progress(f"warning: {limit} open files allowed; {max(settings.screens)} sockets need more")
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
    workers = ", ".join(f"N={n}: {worker_count(n, settings)}" for n in settings.screens)
    print(
        f"\nFan-out: hub on {settings.nodes} node(s)"
        + (" over one redis-server" if settings.nodes > 1 else " (SQLite)")
        + f", {settings.turns} page turns per run, client processes "
        f"({settings.client}, {settings.client_scheduling} scheduling) "
        f"{workers}, 1 board in {BOARD_EVERY} screens, latency from command sent to the last "
        f"screen's receipt"
        + ("" if settings.day is None else "; the hub ran a day's worth of records first")
        + f"; relay: {settings.relay}"
    )
    print(table([(r.hub, r.baseline) for r in results]))
    days = [r.day for r in results if r.day is not None]
    if days:
        print("\n" + size_table(days[0]))
    laggards = impairment_table(results)
    if laggards:
        print(
            "\nStalled and slow screens (hub only, same N; without them, half before and half"
            " after the turns with them):\n" + laggards
        )
    rows = target_rows(results)
    print("\nTargets (issue 10):\n" + target_table(rows))
    path = settings.results / f"fanout-{stamp}.json"
    if source_digest() != digest:
        print("\nwarning: the hub's source changed during the run; the figures mix versions")
        digest += "+changed"
    argv_used = ["python", "-m", "bench.fanout", *sys.argv[1:]]
    write_json(path, settings, results, [asdict(row) for row in rows], argv_used, digest)
    print(f"\nFigures: {path}")
    if settings.profile:
        print_profiles(stamp, settings)
    missing = any(p.error or p.missed_screens for r in results for p in (r.hub, r.baseline)) or any(
        r.impairment.error or r.impairment.missed_screens for r in results if r.impairment
    )
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
