"""One N measured: the servers up, a day on the hub, N screens on each, turns timed, laggards."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.controllers import (
    BaselineController,
    Controller,
    HubController,
    expected_frame_bytes,
    hello,
    screen_hellos,
)
from bench.day import DaySize, run_day
from bench.figures import Impairment, Phase, SizeResult, percentile
from bench.laggards import SlowScreen, StalledScreen
from bench.screens import (
    CONNECT_TIMEOUT,
    Target,
    WorkerPlan,
    WorkerReport,
    Workers,
    describe,
    standing_aside,
)
from bench.servers import Nodes, Server, demo_tokens, start_baseline, start_hub, start_redis

WARMUP_TURNS = 3
"""Turns made before measuring, so first-use costs (imports, caches) are not counted."""
SETTLE_SECONDS = 1.0
"""Pause before reading a server's idle memory, so what a day left behind is collected."""


@dataclass
class Settings:
    screens: list[int]
    turns: int
    workers: int
    """At least this many client processes ..."""
    sockets_per_worker: int
    """... and more when N screens on each server would put more sockets than this in one."""
    interval: float
    client: str
    batch: int
    turn_timeout: float
    profile: bool
    nodes: int = 1
    results: Path = Path("bench/results")
    day: DaySize | None = None
    """A day run on the hub before its screens connect; None for none."""
    impaired_at: list[int] = field(default_factory=list)
    """The N at which the stalled and slow screens' two phases run."""
    laggard_seconds: float = 0.0
    """Each of those two phases lasts at least this long (and at least `turns` turns)."""
    relay: str = "websockets"
    """The relay the hub is measured against (bench.baseline.RELAYS)."""
    client_scheduling: str = "batch"
    """How the client processes are scheduled: batch or normal (bench.screens.stand_aside)."""


def worker_count(n: int, settings: Settings) -> int:
    """Client processes for N screens on each of the two servers."""
    return max(settings.workers, math.ceil(2 * n / settings.sockets_per_worker))


def _plans(targets: list[Target], count: int, settings: Settings, life: float) -> list[WorkerPlan]:
    """Each client process gets every `count`-th screen of every target."""
    count = max(1, min(count, min(len(t.hellos) for t in targets)))
    return [
        WorkerPlan(
            [Target(t.url, t.hellos[i::count], t.more_urls) for t in targets],
            settings.batch,
            settings.client,
            life,
            settings.client_scheduling,
        )
        for i in range(count)
    ]


def _connect_budget(sockets: int, workers: int, settings: Settings) -> float:
    batches = math.ceil(sockets / max(1, workers) / settings.batch)
    return CONNECT_TIMEOUT * batches + 10


def progress(text: str) -> None:
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
    turns: int = 0
    """Turns made so far, warm-up included."""


async def _turn(side: Side, workers: Workers, settings: Settings, record: bool) -> tuple[int, int]:
    """One page turn, timed from the command to the last screen; its costs when recorded.

    Returns the turn's seq and the instant its command left.
    """
    assert side.controller is not None
    server_before = side.server.cpu_ns()
    clients_before = workers.cpu_ns()
    # The instant the command leaves: what the presidium sees as "I turned it".
    sent_ns = time.monotonic_ns()
    seq = await side.controller.turn(side.turns)
    side.turns += 1
    complete = await workers.wait_turn(side.target, seq, settings.turn_timeout)
    if record:
        side.sent[seq] = sent_ns
        side.phase.turns += 1
        side.phase.turns_complete += complete
        side.cpu_ns += side.server.cpu_ns() - server_before
        side.client_cpu_ns += workers.cpu_ns() - clients_before
    await asyncio.sleep(settings.interval)
    return seq, sent_ns


async def _warm_up(side: Side, workers: Workers, settings: Settings) -> None:
    for _ in range(WARMUP_TURNS):
        await _turn(side, workers, settings, record=False)


async def _measure(sides: list[Side], workers: Workers, settings: Settings) -> None:
    for index in range(settings.turns):
        # Interleaved, hub then relay, relay then hub, and so on: whatever else loads the
        # machine weighs on both alike, and neither always follows the other.
        for side in sides if index % 2 == 0 else sides[::-1]:
            await _turn(side, workers, settings, record=True)


async def _hub_turns(
    side: Side, workers: Workers, settings: Settings, share: float = 1.0
) -> dict[int, int]:
    """The hub's turns alone, not counted in its main figures: seq -> instant sent.

    At least `turns` of them, for at least `laggard_seconds` (or that `share` of both): long
    enough for what the hub does to a screen that stopped reading (its heartbeat gives up
    after 40 s by default).
    """
    sent: dict[int, int] = {}
    until = time.monotonic() + settings.laggard_seconds * share
    while len(sent) < settings.turns * share or time.monotonic() < until:
        seq, sent_ns = await _turn(side, workers, settings, record=False)
        sent[seq] = sent_ns
    return sent


async def _impaired(
    side: Side, workers: Workers, settings: Settings, impairment: Impairment, hello_bytes: bytes
) -> tuple[dict[int, int], dict[int, int]]:
    """The hub's turns without, with, then again without a stalled and a slow screen.

    The turns without laggards are taken half before and half after those with them, so
    that whatever drifts over the minutes of the run (the machine's load, the log's
    checkpoints) weighs on both sides of the comparison alike.
    """
    phase = f"{settings.turns} turns and {settings.laggard_seconds:.0f} s at least"
    progress(f"  hub      N={impairment.n}: half of {phase} without laggards")
    clean = await _hub_turns(side, workers, settings, share=0.5)
    stalled = StalledScreen(side.server.url, hello_bytes)
    slow = SlowScreen(side.server.url, hello_bytes)
    try:
        await stalled.open()
        stalled.start()
        await slow.open()
        slow.start()
        progress(f"  hub      N={impairment.n}: {phase} with a stalled and a slow screen")
        impaired = await _hub_turns(side, workers, settings)
        await slow.stop()
        await stalled.drain()
        impairment.stalled = stalled.finish(list(impaired)).summary()
        impairment.slow = slow.finish(list(impaired)).summary()
    finally:
        stalled.close()
        slow.close()
    progress(f"  hub      N={impairment.n}: the other half without laggards")
    clean |= await _hub_turns(side, workers, settings, share=0.5)
    return clean, impaired


async def _start_hub(
    settings: Settings, n: int, work_dir: Path, stamp: str, stack: contextlib.AsyncExitStack
) -> tuple[Server | Nodes, tuple[str, ...]]:
    data_dir = work_dir / f"hub-n{n}"
    if settings.nodes <= 1:
        profile = settings.results / f"hub-profile-{stamp}-n{n}.prof" if settings.profile else None
        server = await start_hub(data_dir, work_dir / f"hub-n{n}.log", profile)
        stack.push_async_callback(server.stop)
        return server, ()
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
    return nodes, tuple(nodes.urls[1:])


async def _run_size(result: SizeResult, settings: Settings, work_dir: Path, stamp: str) -> None:
    hub, baseline = result.hub, result.baseline
    n = hub.n
    async with contextlib.AsyncExitStack() as stack:
        data_dir = work_dir / f"hub-n{n}"
        hub_server, more_urls = await _start_hub(settings, n, work_dir, stamp, stack)
        relay = await start_baseline(work_dir / f"baseline-n{n}.log", settings.relay)
        stack.push_async_callback(relay.stop)
        if settings.day is not None:
            progress(f"  hub      N={n}: a day's worth of records first")
            result.day = await run_day(
                hub_server.url, data_dir, settings.day, hub_cpu_ns=hub_server.cpu_ns
            )
        await asyncio.sleep(SETTLE_SECONDS)
        hub.rss_idle_mb, baseline.rss_idle_mb = hub_server.rss_mb(), relay.rss_mb()
        presidium, boards, delegates = demo_tokens(data_dir)
        targets = [
            Target(hub_server.url, screen_hellos(n, boards, delegates), more_urls),
            # Hellos of the hub's size, though the relay does not read them.
            Target(relay.url, [hello("-" * 32)] * n),
        ]
        count = worker_count(n, settings)
        hub.workers = baseline.workers = count
        budget = _connect_budget(2 * n, count, settings)
        turns = WARMUP_TURNS + settings.turns
        lifetime = (
            budget
            + (2 * turns + 2 * settings.turns) * (2 * settings.turn_timeout + settings.interval)
            + 2 * settings.laggard_seconds
        )
        workers = Workers(_plans(targets, count, settings, lifetime + 120))
        stack.callback(workers.stop)
        started = time.monotonic()
        ready = await workers.wait_ready(budget)
        took = time.monotonic() - started
        for phase, (connected, failed, error) in zip((hub, baseline), ready, strict=True):
            phase.connected, phase.failed, phase.connect_seconds = connected, failed, took
            failures = f", {failed} failed ({error})" if failed else ""
            progress(
                f"  {phase.server:8} N={n}: {connected} screens connected in {took:.0f} s "
                f"({count} client processes){failures}"
            )
            if connected == 0:
                raise RuntimeError(f"no screen connected to the {phase.server}: {error}")
        sides = [Side(hub, hub_server, 0), Side(baseline, relay, 1)]
        timeout = settings.turn_timeout
        # The presidium's console and the stalled and slow screens stand aside as the
        # screens do; until this size's servers stop (bench.screens.standing_aside).
        stack.enter_context(standing_aside(settings.client_scheduling == "batch"))
        sides[0].controller = await HubController.open(hub_server.url, presidium, timeout)
        stack.push_async_callback(sides[0].controller.close)
        # The hub's warm-up turns come first: they tell the size of its page-turn frames.
        await _warm_up(sides[0], workers, settings)
        size = workers.frame_bytes(0) or expected_frame_bytes()
        sides[1].controller = await BaselineController.open(relay.url, size, turns, timeout)
        stack.push_async_callback(sides[1].controller.close)
        await _warm_up(sides[1], workers, settings)
        await _measure(sides, workers, settings)
        for side in sides:
            side.phase.cpu_seconds = side.cpu_ns / 1e9
            side.phase.client_cpu_seconds = side.client_cpu_ns / 1e9
            side.phase.rss_mb = side.server.rss_mb()
        groups: list[dict[str, list[int]]] = [{"main": list(side.sent)} for side in sides]
        impaired: tuple[dict[int, int], dict[int, int]] | None = None
        if n in settings.impaired_at:
            result.impairment = Impairment(n)
            try:
                impaired = await _impaired(
                    sides[0], workers, settings, result.impairment, hello(delegates[0])
                )
                groups[0] |= {"clean": list(impaired[0]), "impaired": list(impaired[1])}
            except Exception as error:
                result.impairment.error = describe(error)
                progress(f"  N={n}: stalled and slow phases failed: {describe(error)}")
        reports = await workers.finish(groups)
        for side, (worker_reports, unreported) in zip(sides, reports, strict=True):
            _fold(
                side.phase,
                worker_reports,
                unreported,
                side.sent,
                side.cpu_ns,
                arrivals=settings.client == "arrival",
            )
        if impaired is not None and result.impairment is not None:
            _fold_impairment(result.impairment, reports[0][0], *impaired)


def _last_ms(
    reports: list[WorkerReport], sent: dict[int, int], arrival: bool = False
) -> tuple[list[float], list[float]]:
    """Per turn, command sent -> the first and the last screen's read (or arrival) of it."""
    early, late = (3, 4) if arrival else (1, 2)
    first, last = [], []
    for seq, sent_ns in sent.items():
        seen = [r.turns[seq] for r in reports if seq in r.turns]
        if seen:
            first.append((min(s[early] for s in seen) - sent_ns) / 1e6)
            last.append((max(s[late] for s in seen) - sent_ns) / 1e6)
    return first, last


def _fold(
    phase: Phase,
    reports: list[WorkerReport],
    unreported: int,
    sent: dict[int, int],
    cpu_ns: int,
    arrivals: bool,
) -> None:
    phase.first_ms, phase.last_ms = _last_ms(reports, sent)
    phase.p50_ms = percentile(phase.last_ms, 0.50)
    phase.p99_ms = percentile(phase.last_ms, 0.99)
    phase.first_p50_ms = percentile(phase.first_ms, 0.50)
    if arrivals:
        first, phase.arrival_ms = _last_ms(reports, sent, arrival=True)
        phase.arrival_p50_ms = percentile(phase.arrival_ms, 0.50)
        phase.arrival_p99_ms = percentile(phase.arrival_ms, 0.99)
        phase.arrival_first_p50_ms = percentile(first, 0.50)
    phase.delivered_frames = sum(r.turns[seq][0] for r in reports for seq in sent if seq in r.turns)
    if phase.delivered_frames:
        phase.cpu_us_per_frame = cpu_ns / 1e3 / phase.delivered_frames
    if phase.connected:
        phase.rss_per_screen_kb = (phase.rss_mb - phase.rss_idle_mb) * 1024 / phase.connected
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


def _fold_impairment(
    impairment: Impairment,
    reports: list[WorkerReport],
    clean: dict[int, int],
    impaired: dict[int, int],
) -> None:
    impairment.clean_turns, impairment.impaired_turns = len(clean), len(impaired)
    first, impairment.clean_ms = _last_ms(reports, clean)
    impairment.clean_spread_ms = [b - a for a, b in zip(first, impairment.clean_ms, strict=True)]
    first, impairment.impaired_ms = _last_ms(reports, impaired)
    impairment.impaired_spread_ms = [
        b - a for a, b in zip(first, impairment.impaired_ms, strict=True)
    ]
    impairment.clean_p50_ms = percentile(impairment.clean_ms, 0.50)
    impairment.clean_p99_ms = percentile(impairment.clean_ms, 0.99)
    impairment.impaired_p50_ms = percentile(impairment.impaired_ms, 0.50)
    impairment.impaired_p99_ms = percentile(impairment.impaired_ms, 0.99)
    for group in ("clean", "impaired"):
        for report in reports:
            screens, frames = report.missed.get(group, (0, 0))
            impairment.missed_screens += screens
            impairment.missed_frames += frames


async def run_size(n: int, settings: Settings, work_dir: Path, stamp: str) -> SizeResult:
    """The hub and the relay, both up, N screens on each, their turns interleaved."""
    result = SizeResult(Phase("hub", n), Phase("baseline", n))
    try:
        await _run_size(result, settings, work_dir, stamp)
    except Exception as error:
        # One size failing must not lose the other sizes' figures: it is reported instead.
        for phase in (result.hub, result.baseline):
            phase.error = phase.error or describe(error)
        progress(f"  N={n}: failed: {describe(error)}")
    return result


async def run_all(settings: Settings, work_dir: Path, stamp: str) -> list[SizeResult]:
    results = []
    for n in settings.screens:
        progress(f"N={n}")
        results.append(await run_size(n, settings, work_dir, stamp))
    return results
