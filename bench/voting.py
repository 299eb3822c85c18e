"""Load of a secret election on a real hub: 500 delegates' ballots, page turns, the count."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import json
import multiprocessing
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import msgpack
import psutil

from bench.baseline import loop_factory, raise_open_files_limit
from bench.committee import Member, ceremony, vote_of
from bench.controllers import DOCUMENT, ROOM
from bench.hall import demo_file, start_hub
from bench.screens import process_cpu_ns
from bench.servers import ROOT, Server, demo_tokens
from bench.voters import Answer, Cast, Voters
from bench.voting_figures import Election, Settings, report
from presidium_console.client import CommandRefused, CongressClient, View
from session_server.ballots import ballot, proofs
from session_server.core.voting import MAX_SURPLUS_PERCENT, most_candidates

RESULTS = Path(__file__).resolve().parent / "results"
TIMEOUT = 60.0
UNITS = (
    "Tỉnh ủy",
    "Ủy ban nhân dân tỉnh",
    "Thành phố Cà Mau",
    "Huyện Năm Căn",
    "Huyện Trần Văn Thời",
)


def surplus_for(seats: int, candidates: int) -> int:
    """The smallest surplus (percent of the seats) that admits the list, as the congress sets."""
    for percent in range(MAX_SURPLUS_PERCENT + 1):
        if candidates <= most_candidates(seats, percent):
            return percent
    raise ValueError(
        f"{candidates} candidates for {seats} seats exceed the {MAX_SURPLUS_PERCENT} % surplus"
    )


def make_ballot(kept: list[bool], key: bytes, seats: int, vote_id: str, voter: str) -> Any:
    """In a maker process: the tablet's work for one delegate, in its wire form."""
    context = proofs.context_of(ROOM, vote_id, voter)
    return ballot.make(kept, key, seats, context).to_plain()


def command_frame(command_id: str, name: str, **args: Any) -> bytes:
    return msgpack.packb({"type": "command", "id": command_id, "name": name, "args": args})


def cpu_by_process(pid: int) -> dict[str, dict[int, int]]:
    """CPU ns of the hub, of its ballot-checking pool (the forkserver and the workers it
    forked, which keep its command line) and of any other child (render workers)."""
    found: dict[str, dict[int, int]] = {"hub": {pid: process_cpu_ns(pid)}, "pool": {}, "other": {}}
    with contextlib.suppress(psutil.Error):
        for child in psutil.Process(pid).children(recursive=True):
            with contextlib.suppress(psutil.Error):
                kind = "pool" if "forkserver" in " ".join(child.cmdline()) else "other"
                found[kind][child.pid] = process_cpu_ns(child.pid)
    return found


def cpu_spent(
    before: dict[str, dict[int, int]], after: dict[str, dict[int, int]]
) -> dict[str, float]:
    """Seconds of CPU per kind between two readings (a process new since counts whole)."""
    return {
        kind: sum(ns - before[kind].get(pid, 0) for pid, ns in after[kind].items()) / 1e9
        for kind in after
    }


class Board:
    """A board's socket: when the page expected next, and the published result, arrive."""

    def __init__(self) -> None:
        self.expected = 0
        self.seen_ns = 0
        self.arrived = asyncio.Event()

    def expect(self, page: int) -> None:
        self.expected, self.seen_ns = page, 0
        self.arrived.clear()

    def on_frame(self, frame: dict[str, Any]) -> None:
        sections = frame.get("set") or frame.get("state") or {}
        document = sections.get("document")
        if (
            isinstance(document, dict)
            and document.get("id") == DOCUMENT
            and document.get("page") == self.expected
            and not self.seen_ns
        ):
            self.seen_ns = time.monotonic_ns()
            self.arrived.set()


class PageTurns:
    """The presidium turning pages every `interval` seconds, timed to a board's frame."""

    def __init__(self, presidium: CongressClient, board: Board, interval: float) -> None:
        self.presidium, self.board, self.interval = presidium, board, interval
        self.page = 1
        self.turns: dict[str, list[float]] = {}

    async def turn(self) -> float:
        self.page = 2 if self.page == 1 else 1
        self.board.expect(self.page)
        sent = time.monotonic_ns()
        await self.presidium.command(
            "show_page", document_id=DOCUMENT, page=self.page, timeout=TIMEOUT
        )
        async with asyncio.timeout(TIMEOUT):
            await self.board.arrived.wait()
        return (self.board.seen_ns - sent) / 1e6

    async def run(self, label: str, stop: asyncio.Event) -> None:
        timed = self.turns.setdefault(label, [])
        while not stop.is_set():
            started = time.monotonic()
            timed.append(await self.turn())
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(max(0.0, started + self.interval - time.monotonic())):
                    await stop.wait()

    async def for_seconds(self, label: str, seconds: float) -> None:
        stop = asyncio.Event()
        asyncio.get_running_loop().call_later(seconds, stop.set)
        await self.run(label, stop)


@dataclass
class Hall:
    """Everything an election needs: the hub, its screens and the delegates."""

    settings: Settings
    hub: Server
    presidium: CongressClient
    board: CongressClient
    turns: PageTurns
    voters: Voters
    delegates: list[tuple[str, str]]
    """(delegate id, token) of each voter, in the voters' tablet order."""
    makers: ProcessPoolExecutor
    rng: random.Random


async def seat(data: Path, count: int) -> list[tuple[str, str]]:
    """`count` delegates on the roll with a token each: the demo's 40, then more registered
    by `congress delegates import --tokens`, as a secretariat would."""
    _, demo = demo_file(data)
    seated = [(delegate, secret) for secret, delegate in demo[:count]]
    if count <= len(seated):
        return seated
    roll = data / "bench-roll.csv"
    with roll.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "name", "unit", "seat"])
        for n in range(len(seated), count):
            writer.writerow([f"BV{n + 1:04d}", f"Đại biểu thứ {n + 1}", UNITS[n % len(UNITS)], ""])
    run = await asyncio.to_thread(
        subprocess.run,
        [
            sys.executable,
            "-m",
            "session_server.cli",
            "--data",
            str(data),
            "delegates",
            "import",
            str(roll),
            "--tokens",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    if run.returncode != 0:
        raise RuntimeError(f"delegates import failed:\n{run.stderr[-2000:]}")
    for line in run.stdout.splitlines():
        delegate, secret = line.split("\t")
        seated.append((delegate, secret))
    return seated


async def election(hall: Hall, number: int, label: str, arrival: float) -> Election:
    """One election from preparation to the published result; a step that fails is recorded
    in `error`, keeping what was measured before it."""
    figures = Election(label, arrival, ballots=len(hall.delegates))
    try:
        await run_election(hall, number, figures)
    except (TimeoutError, RuntimeError, CommandRefused) as failure:
        figures.error = f"{type(failure).__name__}: {failure}"
        progress(f"{figures.label}: {figures.error}")
    return figures


async def run_election(hall: Hall, number: int, figures: Election) -> None:
    s, arrival = hall.settings, figures.arrival_s
    presidium = hall.presidium
    candidates = [
        {"id": f"c{i + 1}", "name": f"Ứng cử viên {i + 1}", "unit": UNITS[i % len(UNITS)]}
        for i in range(s.candidates)
    ]
    await presidium.command(
        "prepare_vote",
        kind="election",
        title=f"Bầu Ban Chấp hành Đảng bộ tỉnh (đo tải, lần {number})",
        seats=s.seats,
        surplus_percent=surplus_for(s.seats, s.candidates),
        base="present",
        candidates=candidates,
    )
    vote_id = figures.vote_id = presidium.view["votes"][-1]["id"]
    committee = hall.delegates[: s.members]
    await presidium.command(
        "set_committee",
        vote_id=vote_id,
        members=[delegate for delegate, _ in committee],
        threshold=s.threshold,
    )
    members: list[Member] = []
    for n, (_, token) in enumerate(committee, start=1):
        client = CongressClient(hall.hub.url, token, ROOM, record_frames=False)
        await client.connect(resume=False, timeout=TIMEOUT)
        members.append(Member(client, n, s.threshold, ROOM, vote_id))
    try:
        started = time.monotonic()
        await ceremony(members)
        view = await presidium.wait_for(
            lambda v: bool(vote_of(v, vote_id)["committee"]["key"]), timeout=TIMEOUT
        )
        figures.ceremony_s = time.monotonic() - started
        key = vote_of(view, vote_id)["committee"]["key"]
        frames, choices = await make_ballots(hall, vote_id, key)
        figures.made_s = time.monotonic() - started - figures.ceremony_s
        await presence(hall, vote_id)
        figures.warmup_refused = await warm_up(hall, vote_id, key)
        if number == 1:
            progress(f"page turns with no voting, {s.idle / 2:.0f} s")
            await hall.turns.for_seconds("no voting", s.idle / 2)
        progress(f"{figures.ballots} ballots over {arrival:.0f} s")
        await cast(hall, figures, frames, arrival)
        # A ballot whose ack came too late may still be in the box: the model counts the
        # ballots the presidium's `voters` list, once the board's turnout has them all.
        view = await presidium.wait_for(
            lambda v: len(voted(v, vote_id)) >= figures.acked, timeout=TIMEOUT
        )
        recorded = voted(view, vote_id)
        figures.recorded = len(recorded)
        figures.expected_counts = [
            sum(
                kept[i]
                for kept, (d, _) in zip(choices, hall.delegates, strict=True)
                if d in recorded
            )
            for i in range(s.candidates)
        ]
        await hall.board.wait_for(
            lambda v: (v["turnout"] or {}).get(vote_id, {}).get("cast") == figures.recorded,
            timeout=TIMEOUT,
        )
        if number == 1:
            progress(f"page turns with no voting, {s.idle / 2:.0f} s")
            await hall.turns.for_seconds("no voting", s.idle / 2)
        progress("close, the committee's shares, publish")
        await count(hall, figures, members)
    finally:
        for member in members:
            await member.client.close()


def voted(view: View, vote_id: str) -> set[str]:
    """The delegates whose ballot is in the box, from the presidium's `voters`."""
    return {v["delegate"] for v in view["voters"] or () if v["vote"] == vote_id}


STARTED = time.monotonic()


def progress(text: str) -> None:
    print(f"{time.monotonic() - STARTED:6.1f} s  {text}", file=sys.stderr, flush=True)


async def make_ballots(
    hall: Hall, vote_id: str, key: bytes
) -> tuple[list[bytes], list[list[bool]]]:
    """Every delegate's ballot, made before the timed phase (not what is measured), and the
    choices it was made from."""
    s = hall.settings
    progress(f"making {len(hall.delegates)} ballots in {s.makers} processes (not timed)")
    choices = []
    for _ in hall.delegates:
        keep = hall.rng.randint(max(0, s.seats - 7), s.seats)
        kept = set(hall.rng.sample(range(s.candidates), keep))
        choices.append([i in kept for i in range(s.candidates)])
    loop = asyncio.get_running_loop()
    made = await asyncio.gather(
        *(
            loop.run_in_executor(hall.makers, make_ballot, kept, key, s.seats, vote_id, delegate)
            for kept, (delegate, _) in zip(choices, hall.delegates, strict=True)
        )
    )
    frames = [
        command_frame(f"ballot-{vote_id}-{delegate}", "cast_ballot", vote_id=vote_id, ballot=plain)
        for plain, (delegate, _) in zip(made, hall.delegates, strict=True)
    ]
    return frames, choices


async def presence(hall: Hall, vote_id: str) -> None:
    """The presence check: every tablet confirms, then the vote opens on them."""
    await hall.presidium.command("start_presence_check", vote_id=vote_id)
    ids = [f"here-{vote_id}-{i}" for i in range(len(hall.delegates))]
    casts = [
        Cast(i, 0.0, command_frame(ids[i], "confirm_presence", vote_id=vote_id), ids[i])
        for i in range(len(hall.delegates))
    ]
    answers = await hall.voters.send(time.monotonic_ns(), casts)
    refused = [a.error for a in answers if a.error]
    if refused:
        raise RuntimeError(f"presence refused: {Counter(refused).most_common(3)}")
    await hall.presidium.command("open_vote", vote_id=vote_id)
    view = await hall.presidium.wait_for(
        lambda v: (v["turnout"] or {}).get(vote_id, {}).get("issued") is not None, timeout=TIMEOUT
    )
    issued = view["turnout"][vote_id]["issued"]
    if issued != len(hall.delegates):
        raise RuntimeError(f"{issued} ballots issued for {len(hall.delegates)} delegates")


async def warm_up(hall: Hall, vote_id: str, key: bytes) -> list[str]:
    """Ballots made for another delegate, sent before the timed phase: the hub checks them in
    its pool (starting its workers) and refuses them; the senders may still vote."""
    s = hall.settings
    kept = [i < s.seats for i in range(s.candidates)]
    count = min(2, len(hall.delegates))
    casts = []
    for i in range(count):
        other = hall.delegates[(i + 1) % len(hall.delegates)][0] + "-other"
        plain = await asyncio.to_thread(make_ballot, kept, key, s.seats, vote_id, other)
        command_id = f"warm-{vote_id}-{i}"
        frame = command_frame(command_id, "cast_ballot", vote_id=vote_id, ballot=plain)
        casts.append(Cast(i, 0.0, frame, command_id))
    answers = await hall.voters.send(time.monotonic_ns(), casts)
    return [a.error for a in answers]


async def cast(hall: Hall, figures: Election, frames: list[bytes], arrival: float) -> None:
    """The timed phase: every ballot at its instant (uniform over `arrival` seconds), page
    turns meanwhile, the hub's CPU read before and after."""
    offsets = [hall.rng.uniform(0.0, arrival) for _ in frames]
    casts = [
        Cast(i, offset, frame, f"ballot-{figures.vote_id}-{hall.delegates[i][0]}")
        for i, (offset, frame) in enumerate(zip(offsets, frames, strict=True))
    ]
    before = cpu_by_process(hall.hub.process.pid)
    clients = sum(process_cpu_ns(pid) for pid in hall.voters.pids)
    stop = asyncio.Event()
    turning = asyncio.create_task(hall.turns.run(f"during the {figures.label}", stop))
    start_ns = time.monotonic_ns() + 500_000_000
    try:
        answers: list[Answer] = await hall.voters.send(start_ns, casts)
    finally:
        stop.set()
        await turning
    figures.cpu_s = cpu_spent(before, cpu_by_process(hall.hub.process.pid))
    figures.cpu_s["clients"] = (
        sum(process_cpu_ns(pid) for pid in hall.voters.pids) - clients
    ) / 1e9
    figures.phase_s = (time.monotonic_ns() - start_ns) / 1e9
    acked = [a for a in answers if not a.error]
    figures.acked = len(acked)
    figures.errors = dict(Counter(a.error for a in answers if a.error))
    figures.ack_ms = [(a.answered_ns - a.sent_ns) / 1e6 for a in acked]
    first_due = min(a.due_ns for a in answers)
    figures.last_ack_s = (max(a.answered_ns for a in answers) - first_due) / 1e9
    figures.late_ms_max = max((a.sent_ns - a.due_ns) / 1e6 for a in answers)


async def count(hall: Hall, figures: Election, members: list[Member]) -> None:
    """Close; the members' devices make their shares; the last one needed is timed to the
    count, and the presidium's publish to the board."""
    s = hall.settings
    presidium, vote_id = hall.presidium, figures.vote_id
    await presidium.command("close_vote", vote_id=vote_id)
    opening = members[: s.threshold]
    await asyncio.gather(*(m.prepare_decryption() for m in opening))
    for member in opening[:-1]:
        await member.send_decryption()
    started = time.monotonic_ns()
    await opening[-1].send_decryption()
    figures.share_to_ack_ms = (time.monotonic_ns() - started) / 1e6
    view = await presidium.wait_for(
        lambda v: vote_of(v, vote_id)["status"] == "counted", timeout=TIMEOUT
    )
    counted = time.monotonic_ns()
    figures.share_to_counted_ms = (counted - started) / 1e6
    result = vote_of(view, vote_id)["result"]
    figures.counts = list(result["counts"])
    figures.elected = len(result["elected"])
    await presidium.command("publish_result", vote_id=vote_id)
    await hall.board.wait_for(
        lambda v: vote_of(v, vote_id).get("result") is not None, timeout=TIMEOUT
    )
    shown = time.monotonic_ns()
    figures.publish_to_board_ms = (shown - counted) / 1e6
    figures.share_to_board_ms = (shown - started) / 1e6


async def run(s: Settings, work: Path) -> tuple[list[Election], dict[str, list[float]]]:
    data = work / "data"
    # The client and maker processes start (and import) while the hub loads the demo.
    voters = Voters(s.clients)
    makers = ProcessPoolExecutor(s.makers, mp_context=multiprocessing.get_context("spawn"))
    try:
        warming = [makers.submit(proofs.context_of, "warm") for _ in range(s.makers)]
        progress("loading the demo congress")
        return await on_hub(s, data, work, voters, makers)
    finally:
        for future in warming:
            future.cancel()
        makers.shutdown(cancel_futures=True)
        await voters.close()


async def on_hub(
    s: Settings, data: Path, work: Path, voters: Voters, makers: ProcessPoolExecutor
) -> tuple[list[Election], dict[str, list[float]]]:
    hub = await start_hub(data, work / "hub.log", prerender=False)
    if s.delegates > len(demo_file(data)[1]):
        await hub.stop()
        progress(f"registering {s.delegates} delegates on the roll, a token each")
        delegates = await seat(data, s.delegates)
        hub = await start_hub(data, work / "hub.log", prerender=False)
    else:
        delegates = await seat(data, s.delegates)
    presidium_token, boards, _ = demo_tokens(data)
    watcher = Board()
    presidium = CongressClient(hub.url, presidium_token, ROOM, record_frames=False)
    board = CongressClient(hub.url, boards[0], ROOM, record_frames=False, on_frame=watcher.on_frame)
    try:
        await presidium.connect(resume=False, timeout=TIMEOUT)
        await board.connect(resume=False, timeout=TIMEOUT)
        if presidium.view["session"]["status"] != "in_session":
            await presidium.command("open_session")
        turns = PageTurns(presidium, watcher, s.interval)
        shown = presidium.view["document"]
        if isinstance(shown, dict) and shown.get("id") == DOCUMENT:
            turns.page = int(shown.get("page", 1))  # the next turn changes what is shown
        await turns.turn()
        progress(f"{len(delegates)} tablets connect ({s.clients} client processes)")
        failures = await voters.open(hub.url, [token for _, token in delegates])
        if failures:
            raise RuntimeError(f"{len(failures)} tablets did not connect: {failures[:3]}")
        hall = Hall(
            s, hub, presidium, board, turns, voters, delegates, makers, random.Random(s.seed)
        )
        spread = await election(hall, 1, f"spread over {s.spread:g} s", s.spread)
        burst = await election(hall, 2, f"burst of {s.burst:g} s", s.burst)
        return [spread, burst], turns.turns
    finally:
        progress("stopping")
        await voters.close()  # before the hub, which would wait for their sockets
        await presidium.close()
        await board.close()
        await hub.stop()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.voting", description=__doc__)
    parser.add_argument("--delegates", type=int, default=500, help="(%(default)s)")
    parser.add_argument("--candidates", type=int, default=60, help="(%(default)s)")
    parser.add_argument("--seats", type=int, default=53, help="(%(default)s)")
    parser.add_argument("--members", type=int, default=5, help="committee (%(default)s)")
    parser.add_argument("--threshold", type=int, default=3, help="members to open (%(default)s)")
    parser.add_argument("--spread", type=float, default=60.0, help="seconds (%(default)s)")
    parser.add_argument("--burst", type=float, default=10.0, help="seconds (%(default)s)")
    parser.add_argument(
        "--idle", type=float, default=30.0, help="seconds of page turns with no voting, half "
        "before the spread, half after (%(default)s)"
    )  # fmt: skip
    parser.add_argument("--interval", type=float, default=1.0, help="page turns (%(default)s s)")
    parser.add_argument("--clients", type=int, default=2, help="client processes (%(default)s)")
    parser.add_argument("--makers", type=int, default=2, help="ballot makers (%(default)s)")
    parser.add_argument("--seed", type=int, default=14, help="(%(default)s)")
    parser.add_argument(
        "--browser", action="store_true", help="also time a ballot made in Chromium, at full "
        "speed and with the CPU slowed 4x (bench.ballots --browser: the tablet-class figure)"
    )  # fmt: skip
    parser.add_argument("--results", type=Path, default=RESULTS, help="for the JSON (%(default)s)")
    args = parser.parse_args(argv)
    s = Settings(**{name: getattr(args, name) for name in Settings.__dataclass_fields__})
    if not 1 <= s.threshold <= s.members <= s.delegates:
        parser.error("1 <= threshold <= members <= delegates")
    surplus_for(s.seats, s.candidates)
    raise_open_files_limit()
    loads = [" ".join(f"{x:.1f}" for x in os.getloadavg())]
    try:
        with (
            tempfile.TemporaryDirectory(prefix="congress-voting-") as work,
            asyncio.Runner(loop_factory=loop_factory()) as runner,
        ):
            elections, turns = runner.run(run(s, Path(work)))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    browser: dict[str, float] = {}
    if s.browser:
        from bench.ballots import in_browser

        browser = in_browser(s.candidates, s.seats, 3)
    loads.append(" ".join(f"{x:.1f}" for x in os.getloadavg()))
    rows = report(s, elections, turns, browser, (loads[0], loads[1]))
    command = " ".join(["python -m bench.voting", *(argv if argv is not None else sys.argv[1:])])
    print(f"command: {command} (from {ROOT})")
    s.results.mkdir(parents=True, exist_ok=True)
    path = s.results / f"voting-{time.strftime('%Y%m%d-%H%M%S')}.json"
    document = {
        "settings": {**asdict(s), "results": str(s.results)},
        "elections": [asdict(e) | {"counts_match": e.counts_match} for e in elections],
        "page_turns_ms": turns,
        "browser_ms": browser,
        "targets": rows,
        "load_average": loads,
    }
    path.write_text(json.dumps(document, indent=1), encoding="utf-8")
    print(f"figures: {path}")
    ok = all(e.acked == e.ballots and e.counts_match for e in elections)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
