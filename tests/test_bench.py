"""The fan-out benchmark: its arithmetic and targets, and a short real run that must end with
every frame, a day's frame sizes, and a stalled and a slow screen among the others."""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import socket
import subprocess
import sys
import time
from multiprocessing.connection import Connection
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import msgpack
import pytest
from websockets.asyncio.client import connect
from websockets.uri import parse_uri

from bench.baseline import loop_factory
from bench.controllers import padded_event
from bench.day import AUDIENCES, CHANGES, DayReport, DaySize
from bench.figures import Impairment, Phase, SizeResult, percentile, ratio
from bench.laggards import hub_side
from bench.measure import Settings, worker_count
from bench.screens import ArrivalScreen, Tally, Target, WorkerPlan, Workers, standing_aside
from bench.servers import start_baseline
from bench.targets import Row, target_rows

ROOT = Path(__file__).resolve().parent.parent


def test_percentile_interpolates_between_closest_ranks() -> None:
    assert percentile([4.0, 1.0, 3.0, 2.0], 0.5) == 2.5
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0], 0.99) == pytest.approx(4.96)
    assert percentile([7.0], 0.99) == 7.0
    assert math.isnan(percentile([], 0.5))


def test_ratio_of_missing_figures_is_nan() -> None:
    assert ratio(3.0, 2.0) == 1.5
    assert math.isnan(ratio(3.0, 0.0))
    assert math.isnan(ratio(math.nan, 2.0))


def test_screens_are_spread_over_enough_client_processes() -> None:
    settings = Settings(
        screens=[10_000],
        turns=1,
        workers=2,
        sockets_per_worker=2500,
        interval=0.1,
        client="sansio",
        batch=100,
        turn_timeout=1.0,
        profile=False,
    )
    # N screens on each of the two servers: 20,000 sockets, 2,500 a process.
    assert worker_count(10_000, settings) == 8
    assert worker_count(4000, settings) == 4
    assert worker_count(50, settings) == 2


def result(
    n: int, hub_p50: float, base_p50: float, cpu_us: float = math.nan, rss_mb: float = math.nan
) -> SizeResult:
    hub = Phase("hub", n, connected=n, p50_ms=hub_p50, p99_ms=hub_p50, rss_mb=rss_mb)
    hub.cpu_us_per_frame = cpu_us
    return SizeResult(hub, Phase("baseline", n, connected=n, p50_ms=base_p50, p99_ms=base_p50))


def verdicts(rows: list[Row]) -> dict[str, bool | None]:
    return {row.figure: row.met for row in rows}


def test_targets_hold_the_hub_to_the_relay_and_to_the_issues_figures() -> None:
    rows = verdicts(
        target_rows(
            [
                result(1000, 1.0, 1.0),
                result(4000, 2.0, 1.0, cpu_us=12.0, rss_mb=90.0),
                result(10_000, 250.0, 200.0),
            ]
        )
    )
    assert rows["N=1000 last-screen p50, hub / relay"] is True
    assert rows["N=4000 last-screen p50, hub / relay"] is False
    assert rows["N=4000 hub CPU per delivered frame"] is False
    assert rows["N=4000 hub RSS (per screen)"] is True
    assert rows["N=10000 hub last-screen p99"] is True
    assert rows["N=10000 every screen every turn (hub)"] is True
    assert rows["screens that missed a frame, every N and server"] is True


def test_arrival_ratios_are_reported_beside_the_read_targets_when_stamped() -> None:
    stamped = result(4000, 60.0, 50.0)
    stamped.hub.arrival_p50_ms, stamped.baseline.arrival_p50_ms = 45.0, 50.0
    stamped.hub.arrival_p99_ms, stamped.baseline.arrival_p99_ms = 70.0, 50.0
    rows = {row.figure: row for row in target_rows([stamped, result(1000, 1.0, 1.0)])}
    # The target stays on the read, which the hub missed here.
    assert rows["N=4000 last-screen p50, hub / relay"].met is False
    by_arrival = rows["N=4000 the same p50, by arrival in the screen's socket"]
    assert by_arrival.met is None
    assert by_arrival.value.startswith("0.90x")
    assert rows["N=4000 the same p99, by arrival in the screen's socket"].value.startswith("1.40x")
    # Without stamps (the default client), no such row.
    assert not any("arrival" in figure for figure in rows if figure.startswith("N=1000"))


def test_a_size_not_run_is_not_judged_and_a_missed_frame_fails_at_any_size() -> None:
    small = result(50, 1.0, 1.0)
    small.hub.missed_screens = 2
    rows = verdicts(target_rows([small]))
    assert rows["N=1000 last-screen p50, hub / relay"] is None
    assert rows["N=10000 hub last-screen p99"] is None
    assert rows["screens that missed a frame, every N and server"] is False


def test_laggards_may_move_the_others_p99_by_ten_percent() -> None:
    within, beyond = result(1000, 1.0, 1.0), result(4000, 1.0, 1.0)
    within.impairment = Impairment(1000, clean_p99_ms=100.0, impaired_p99_ms=110.0)
    beyond.impairment = Impairment(4000, clean_p99_ms=100.0, impaired_p99_ms=111.0)
    rows = verdicts(target_rows([within, beyond]))
    assert rows["N=1000 others' p99 with stalled+slow / without"] is True
    assert rows["N=4000 others' p99 with stalled+slow / without"] is False


def test_a_turn_held_up_before_its_first_frame_moves_the_latency_not_the_fan_out() -> None:
    impairment = Impairment(1000)
    # Each turn: the first screen's and the last screen's latency, in ms.
    clean = [(3.0, 20.0 + n % 5) for n in range(100)]
    impaired = [(3.0, 21.0 + n % 5) for n in range(98)] + [(900.0, 917.0), (600.0, 618.0)]
    for name, turns in (("clean", clean), ("impaired", impaired)):
        setattr(impairment, f"{name}_ms", [last for _, last in turns])
        setattr(impairment, f"{name}_spread_ms", [last - first for first, last in turns])
    shifts = impairment.shifts()
    assert shifts["last_p99_ratio"] > 20  # two turns waited on the log: the p99 is theirs
    assert 1.0 < shifts["spread_p99_ratio"] < 1.1  # the fan-out itself moved by 1 ms
    assert 1.0 < shifts["spread_p50_ratio"] < 1.1
    measured = result(1000, 1.0, 1.0)
    measured.impairment = impairment
    row = next(r for r in target_rows([measured]) if "fan-out alone" in r.figure)
    assert row.met is None  # reported, not a target
    assert row.value.startswith(f"{shifts['spread_p99_ratio']:.2f}x")


def test_the_hubs_side_of_a_connection_is_read_from_the_kernel() -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port)) as client:
            client_port = client.getsockname()[1]
            server_side, _ = listener.accept()
            assert hub_side(port, client_port) == (os.fstat(server_side.fileno()).st_ino, 0)
            # Written to and never read: the bytes wait in the server's send queue.
            server_side.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                while True:
                    server_side.send(bytes(65536))
            found = hub_side(port, client_port)
            assert found is not None
            assert found[1] > 0
            # Its descriptor closed, the kernel keeps the socket for the unread bytes.
            server_side.close()
            found = hub_side(port, client_port)
            assert found is not None
            assert found[0] == 0
            # No such connection (the listening socket on the port is not taken for one).
            assert hub_side(port, 1) is None


def test_a_client_process_stands_aside_for_the_servers() -> None:
    # In a process of its own: the test's process is not a client.
    code = (
        "import os; from bench.screens import stand_aside; "
        "before = os.sched_getscheduler(0); stand_aside(); "
        "print(before == os.SCHED_OTHER, os.sched_getscheduler(0) == os.SCHED_BATCH)"
    )
    shown = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert shown.stdout.split() == ["True", "True"]


def test_the_benchmark_s_own_process_stands_aside_while_pages_turn_then_no_longer() -> None:
    before = os.sched_getscheduler(0)
    with standing_aside():
        assert os.sched_getscheduler(0) == os.SCHED_BATCH
    assert os.sched_getscheduler(0) == before, "servers started next must not inherit it"
    with standing_aside(active=False):
        assert os.sched_getscheduler(0) == before


def test_a_frame_grown_only_by_its_seq_numbers_is_no_larger() -> None:
    day = DayReport(DaySize())
    day.before = {change: dict.fromkeys(AUDIENCES, 120) for change in CHANGES}
    day.after = {change: dict.fromkeys(AUDIENCES, 124) for change in CHANGES}
    day.numbers = {change: dict.fromkeys(AUDIENCES, 4) for change in CHANGES}
    assert day.grown() == []
    day.after["speaker_change"]["board"] = 2000
    assert day.grown() == ["speaker_change/board"]


def test_a_quick_run_reaches_every_screen_with_a_day_and_laggards(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "bench.fanout", "--quick", "--results", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=110,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Targets (issue 10):" in run.stdout
    (figures,) = tmp_path.glob("fanout-*.json")
    document = json.loads(figures.read_text())
    (measured,) = document["results"]
    for server in ("hub", "baseline"):
        phase = measured[server]
        assert phase["connected"] == 50
        assert phase["missed_screens"] == 0
        assert phase["turns_complete"] == 5
        assert phase["p50_ms"] > 0
        # Every screen got every measured turn: 5 frames each.
        assert phase["delivered_frames"] == 250
        assert phase["cpu_us_per_frame"] > 0
        assert phase["rss_idle_mb"] > 0
        assert phase["rss_mb"] > 0
    # Equal bytes on the wire is what makes the two comparable.
    assert measured["hub"]["frame_bytes"] == measured["baseline"]["frame_bytes"]
    day = measured["day"]
    assert day["refused"] == {}
    assert day["check_ins"] > 0
    assert day["seq_after"] > day["seq_before"]
    for when in ("before", "after"):
        for change in CHANGES:
            assert all(day[when][change][audience] > 0 for audience in AUDIENCES)
    laggards = measured["impairment"]
    assert laggards["error"] == ""
    assert laggards["missed_screens"] == 0
    assert laggards["clean_turns"] >= 5
    assert laggards["impaired_turns"] >= 5
    assert laggards["clean_p99_ms"] > 0
    assert laggards["impaired_p99_ms"] > 0
    assert len(laggards["clean_spread_ms"]) == laggards["clean_turns"]
    assert all(
        0 <= spread <= last
        for spread, last in zip(laggards["clean_spread_ms"], laggards["clean_ms"], strict=True)
    )
    assert laggards["spread_p99_ratio"] > 0
    # The slow screen keeps up with a turn every few tenths of a second; the stalled one
    # found its frames (or the hub's close) waiting when it read again.
    assert laggards["slow"]["events"] > 0
    assert laggards["slow"]["missed"] == 0
    assert laggards["stalled"]["snapshots"] == 1
    assert laggards["stalled"]["ended"] in ("open", "closed", "eof", "reset")
    targets = {row["figure"]: row for row in document["targets"]}
    assert targets["screens that missed a frame, every N and server"]["met"] is True
    assert targets["N=1000 last-screen p50, hub / relay"]["met"] is None


def test_the_marking_benchmark_reports_each_step(capsys: pytest.CaptureFixture[str]) -> None:
    from bench.marking import main

    assert main(["--repeat", "1"]) == 0
    printed = capsys.readouterr().out
    for width in ("1280", "2048"):
        assert f"width {width}" in printed
    figures = [float(line.split()[-1]) for line in printed.splitlines() if line.startswith("  ")]
    assert len(figures) == 2 * 6, printed
    assert all(ms > 0 for ms in figures)


def test_the_ballot_benchmark_reports_each_cost(capsys: pytest.CaptureFixture[str]) -> None:
    from bench.ballots import main

    assert main(["--candidates", "6", "--seats", "4", "--repeat", "1", "--browser"]) == 0
    printed = capsys.readouterr().out
    assert "6 candidates for 4 seats" in printed
    assert "make a ballot in Chromium, CPU slowed 4x" in printed
    figures = [float(line.split()[-1]) for line in printed.splitlines() if line.startswith("  ")]
    assert len(figures) == 8, printed
    assert all(figure > 0 for figure in figures)


def test_the_record_benchmark_verifies_a_small_day_and_prices_the_chain() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "bench.record", "--records", "1200", "--appends", "20"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "OK   room 'bench-record': 1200 records, 1 checkpoints" in run.stdout
    assert "verify: 1200 records in " in run.stdout
    assert "us of SHA-256 per record" in run.stdout
    assert "ms a record with the chain" in run.stdout


def test_a_quick_hall_run_puts_the_new_page_on_every_tablet() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "bench.documents", "--hall", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    printed = run.stdout
    assert "page turn to a newly shown page, 3 of 3 tablets hold it:" in printed
    for figure in ("the shown document (2 pages), prepared first:", "every marked page ("):
        (line,) = [each for each in printed.splitlines() if each.startswith(figure)]
        copies = line.split(": ", 1)[1].split(" copies", 1)[0]
        (per_copy,) = [part for part in line.split(", ") if part.endswith(" ms a copy")]
        assert int(copies) > 0
        assert float(per_copy.split()[0]) > 0
    assert "stopped" not in printed, "every copy made: the demo's 3 delegates and the hall's"
    for figure in ("page-turn event on the tablet", "image held (from the turn)"):
        (line,) = [each for each in printed.splitlines() if figure in each]
        p50, worst = (float(part.split()[-1]) for part in line.split(" ms")[:2])
        assert 0 < p50 <= worst
    assert "from the cache 3, made for the request 0; answered 503 preparing 0 times" in printed


def test_a_small_opinions_run_records_every_opinion_and_serves_the_roll_up() -> None:
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.opinions",
            "--delegates",
            "12",
            "--opinions",
            "30",
            "--groups",
            "3",
            "--repeat",
            "2",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    printed = run.stdout
    assert "opinions: 30 recorded by 12 delegates in 3 groups over " in printed
    (line,) = [each for each in printed.splitlines() if each.startswith("roll-up of ")]
    assert int(line.split(": ", 1)[1].split(" opinions")[0]) > 0
    # Every opinion was recorded with its author's group, each group holding four delegates.
    assert " paragraphs from 3 groups, " in line
    assert "target: the roll-up served in under 1000 ms: met" in printed
    assert "exports: PDF " in printed


def test_a_tiny_election_is_acknowledged_counted_and_published(tmp_path: Path) -> None:
    tiny = "--delegates 6 --candidates 5 --seats 4 --spread 2 --burst 1 --idle 2 --makers 1"
    run = subprocess.run(
        [sys.executable, "-m", "bench.voting", *tiny.split(), "--results", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Targets (issue 14):" in run.stdout
    (figures,) = tmp_path.glob("voting-*.json")
    document = json.loads(figures.read_text())
    spread, burst = document["elections"]
    for election in (spread, burst):
        assert election["ballots"] == election["acked"] == 6
        assert election["errors"] == {}
        assert len(election["ack_ms"]) == 6
        assert all(ms > 0 for ms in election["ack_ms"])
        # Each ballot kept at most the seats; the published counts are the ballots' sum.
        assert election["counts"] == election["expected_counts"]
        assert sum(election["counts"]) > 0
        # The pool's workers were started by two ballots the hub refused, and checked the six.
        assert election["warmup_refused"] == ["invalid_args/ballot_invalid"] * 2
        assert election["cpu_s"]["pool"] > 0
        assert 0 < election["share_to_counted_ms"] <= election["share_to_board_ms"]
    turns = document["page_turns_ms"]
    assert set(turns) == {"no voting", "during the spread over 2 s", "during the burst of 1 s"}
    assert all(turns[label] and min(turns[label]) > 0 for label in turns)
    targets = {row["figure"]: row["met"] for row in document["targets"]}
    assert targets["every ballot acknowledged, spread and burst"] is True
    assert targets["counts equal the plaintext model of the ballots"] is True


async def test_the_bare_relay_hands_each_screen_every_frame_once(tmp_path: Path) -> None:
    """The floor the hub may be measured against relays like the websockets relay."""
    relay = await start_baseline(tmp_path / "bare.log", "bare")
    try:
        screens = [await connect(relay.url, compression=None) for _ in range(3)]
        for screen in screens:
            await screen.send(msgpack.packb({"type": "hello"}))
            assert [msgpack.unpackb(await screen.recv(decode=False)) for _ in range(2)] == [
                {"type": "welcome"},
                {"type": "snapshot", "seq": 0, "state": {}},
            ]
        async with connect(relay.url, compression=None) as control:
            await control.send(msgpack.packb({"type": "control"}))
            frames = [padded_event(seq, 129) for seq in (1, 2)]
            for frame in frames:
                await control.send(frame)
                assert msgpack.unpackb(await control.recv(decode=False)) == {"type": "ack"}
        for screen in screens:
            assert [await screen.recv(decode=False) for _ in frames] == frames
            await screen.close()
    finally:
        await relay.stop()


async def test_an_arrival_screen_stamps_when_each_frame_reached_its_socket(tmp_path: Path) -> None:
    """`--client arrival`: the kernel's receive instant, never after the read, never before
    the frame was sent; every frame counted once."""
    relay = await start_baseline(tmp_path / "bare.log", "bare")
    told: list[tuple[Any, ...]] = []
    both = asyncio.Event()

    def send(message: tuple[Any, ...]) -> None:
        told.append(message)
        if len(told) == 2:
            both.set()

    tally = Tally(cast(Connection, SimpleNamespace(send=send)), 0)
    uri = parse_uri(relay.url)
    screens = [ArrivalScreen(uri, msgpack.packb({"type": "hello"}), tally) for _ in range(3)]
    try:
        for screen in screens:
            await screen.open(uri.host, uri.port)
            await asyncio.wait_for(screen.ready, 10)
        tally.expected = len(screens)
        sent: dict[int, int] = {}
        async with connect(relay.url, compression=None) as control:
            await control.send(msgpack.packb({"type": "control"}))
            for seq in (1, 2):
                sent[seq] = time.monotonic_ns()
                await control.send(padded_event(seq, 129))
                assert msgpack.unpackb(await control.recv(decode=False)) == {"type": "ack"}
        await asyncio.wait_for(both.wait(), 10)
        assert told == [("turn", 0, 1, 129), ("turn", 0, 2, 129)]
        for seq, sent_ns in sent.items():
            count, first_read, last_read, first_arrival, last_arrival = tally.turns[seq]
            assert count == 3
            assert sent_ns <= first_arrival <= last_arrival
            assert first_arrival <= first_read
            # Strictly: the kernel's stamp, not the read standing in for a missing one.
            assert last_arrival < last_read
        assert [screen.seqs for screen in screens] == [[1, 2]] * 3
        for screen in screens:
            screen.begin_close()
        async with asyncio.timeout(10):
            for screen in screens:
                await screen.closed.wait()
        assert all(screen.sock is None for screen in screens)
    finally:
        for screen in screens:
            screen.abort()
        await relay.stop()


def test_the_pipes_to_the_client_processes_stay_blocking_under_uvloop() -> None:
    """uvloop makes a polled descriptor non-blocking; a report larger than the pipe then
    failed half read, and its worker's screens counted as having missed every turn."""

    async def blocking() -> list[bool]:
        plan = WorkerPlan([Target("ws://127.0.0.1:9/ws", [])], 10, "sansio", 30, "normal")
        workers = Workers([plan])
        try:
            await workers.wait_ready(30)
            return [os.get_blocking(conn.fileno()) for conn in workers.conns]
        finally:
            workers.stop()

    factory = loop_factory()
    assert factory is not None, "the bench runs on uvloop"
    with asyncio.Runner(loop_factory=factory) as runner:
        assert runner.run(blocking()) == [True]
