"""A congress day through the hub (speeches, announcements, page turns, check-ins), and the size of
the event frames a screen gets for a page turn and a speaker change before and after it."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgpack
from websockets.asyncio.client import ClientConnection, connect

from bench.baseline import loop_factory, raise_open_files_limit
from bench.controllers import DOCUMENT, ROOM, hello
from bench.screens import CLOSE_WAIT
from bench.servers import start_hub
from presidium_console.client import CommandRefused, CongressClient

AUDIENCES = ("presidium", "delegate", "board")
CHANGES = ("page_turn", "speaker_change")
ITEM = "item-1"
"""Every speech of the day is on this item, so its list of speeches given grows all day."""


@dataclass(frozen=True)
class DaySize:
    speeches: int = 300
    announcements: int = 100
    turns: int = 500


QUICK_DAY = DaySize(speeches=6, announcements=3, turns=10)


@dataclass
class DayReport:
    size: DaySize
    commands: int = 0
    check_ins: int = 0
    refused: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    hub_cpu_seconds: float = 0.0
    """The hub's CPU over the day's commands (its process, all threads)."""
    seq_before: int = 0
    seq_after: int = 0
    before: dict[str, dict[str, int]] = field(default_factory=dict)
    """change -> audience -> bytes of the event frame that audience's screen received."""
    after: dict[str, dict[str, int]] = field(default_factory=dict)
    numbers: dict[str, dict[str, int]] = field(default_factory=dict)
    """change -> audience -> bytes the frame's `seq` and `prev` grew by over the day: msgpack
    writes 56 in one byte and 1,900 in three, whatever the hub does."""

    def grown(self) -> list[str]:
        """The frames larger after the day than before it, beyond their numbers' growth."""
        return [
            f"{change}/{audience}"
            for change in CHANGES
            for audience in AUDIENCES
            if self.after.get(change, {}).get(audience, 0)
            > self.before.get(change, {}).get(audience, 0)
            + self.numbers.get(change, {}).get(audience, 0)
        ]


@dataclass(frozen=True)
class DemoTokens:
    presidium: str
    boards: list[str]
    delegates: list[tuple[str, str]]
    """(secret, delegate id)"""


def read_tokens(data_dir: Path) -> DemoTokens:
    presidium = ""
    boards: list[str] = []
    delegates: list[tuple[str, str]] = []
    for line in (data_dir / "demo-tokens.txt").read_text(encoding="utf-8").splitlines():
        fields = line.split("\t")
        if fields[0] == "presidium":
            presidium = fields[1]
        elif fields[0] == "board":
            boards.append(fields[1])
        elif fields[0] == "delegate" and len(fields) > 2:
            delegates.append((fields[1], fields[2]))
    if not (presidium and boards and delegates):
        raise RuntimeError(f"no presidium, board or delegate token in {data_dir}")
    return DemoTokens(presidium, boards, delegates)


class Probe:
    """One screen of an audience that keeps the size of every event frame it gets, by seq."""

    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection
        self.sizes: dict[int, int] = {}
        self.numbers: dict[int, int] = {}
        """seq -> bytes its `seq` and `prev` take in the frame."""
        self.arrived = asyncio.Event()
        self.reader = asyncio.create_task(self._read())

    @classmethod
    async def open(cls, url: str, token: str, timeout: float) -> Probe:
        connection = await connect(url, compression=None, max_size=None, open_timeout=timeout)
        await connection.send(hello(token))
        return cls(connection)

    async def _read(self) -> None:
        with contextlib.suppress(Exception):
            async for data in self.connection:
                if isinstance(data, bytes):
                    message = msgpack.unpackb(data)
                    if message.get("type") == "event":
                        seq = int(message["seq"])
                        self.sizes[seq] = len(data)
                        self.numbers[seq] = len(msgpack.packb(seq)) + len(
                            msgpack.packb(message.get("prev"))
                        )
                        self.arrived.set()

    async def size_of(self, seq: int, timeout: float) -> int:
        """The size of the event frame with this seq; 0 if none came in time."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                while seq not in self.sizes:
                    self.arrived.clear()
                    await self.arrived.wait()
        return self.sizes.get(seq, 0)

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            async with asyncio.timeout(CLOSE_WAIT):
                await self.connection.close()
        self.reader.cancel()


class Day:
    """The presidium and the delegates of one hub, sending a day's commands one at a time."""

    def __init__(self, presidium: CongressClient, timeout: float, report: DayReport) -> None:
        self.presidium = presidium
        self.timeout = timeout
        self.report = report
        self.page = 0

    async def send(self, client: CongressClient, name: str, **args: Any) -> int:
        """One command; a refusal is counted, not raised: the day goes on, and says so."""
        self.report.commands += 1
        try:
            return (await client.command(name, timeout=self.timeout, **args)).seq
        except CommandRefused as refused:
            key = f"{name}: {refused.code}"
            self.report.refused[key] = self.report.refused.get(key, 0) + 1
            return 0

    async def as_delegate(self, url: str, secret: str, name: str, **args: Any) -> int:
        """One command from a delegate's tablet, connected only for it.

        Forty tablets connected all day would each decode every event, and the day's events
        grow: the day would measure this process more than the hub.
        """
        client = CongressClient(url, secret, ROOM, record_frames=False)
        await client.connect(resume=False, timeout=self.timeout)
        try:
            return await self.send(client, name, **args)
        finally:
            await client.close()

    async def turn(self) -> int:
        self.page = 1 if self.page == 2 else 2
        return await self.send(self.presidium, "show_page", document_id=DOCUMENT, page=self.page)

    async def sizes(
        self, probes: dict[str, Probe], delegate_id: str
    ) -> tuple[dict[str, dict[str, int]], dict[str, dict[str, int]]]:
        """Turn a page, then give the floor (and end the speech): the size of what each
        audience got, and the bytes of `seq` and `prev` in it."""
        seqs = {"page_turn": await self.turn()}
        seqs["speaker_change"] = await self.send(
            self.presidium, "grant_floor", delegate_id=delegate_id
        )
        await self.send(self.presidium, "end_speech")
        sizes = {
            change: {
                audience: await probe.size_of(seq, self.timeout) if seq else 0
                for audience, probe in probes.items()
            }
            for change, seq in seqs.items()
        }
        numbers = {
            change: {audience: probe.numbers.get(seq, 0) for audience, probe in probes.items()}
            for change, seq in seqs.items()
        }
        return sizes, numbers


def _announcement(number: int) -> str:
    return (
        f"Thông báo số {number}: kính mời các đồng chí đại biểu tổ {number % 12 + 1} về phòng "
        f"họp tổ lúc {13 + number % 4} giờ {number % 6}0 để thảo luận dự thảo Báo cáo chính trị."
    )


def _spread(total: int, steps: int, step: int) -> int:
    """How many of `total` actions fall in step `step` of `steps`, spread evenly."""
    if steps <= 0:
        return total if step == 0 else 0
    return (step + 1) * total // steps - step * total // steps


async def run_day(
    url: str,
    data_dir: Path,
    size: DaySize,
    timeout: float = 10.0,
    hub_cpu_ns: Callable[[], int] | None = None,
) -> DayReport:
    """The day on the hub at `url` (its demo room), frame sizes measured before and after.

    Run before the benchmark's screens connect: each command's event goes to the day's own
    connections only, so a day costs seconds, whatever N follows.
    """
    tokens = read_tokens(data_dir)
    report = DayReport(size)
    async with contextlib.AsyncExitStack() as stack:
        presidium = CongressClient(url, tokens.presidium, ROOM, record_frames=False)
        await presidium.connect(resume=False, timeout=timeout)
        stack.push_async_callback(presidium.close)
        day = Day(presidium, timeout, report)
        # The demo starts before the session opens, with no item open.
        view = await presidium.wait_for(lambda v: v.seq > 0, timeout)
        document = view["document"]
        if isinstance(document, dict) and document.get("id") == DOCUMENT:
            day.page = int(document.get("page", 0))
        if (view["session"] or {}).get("status") != "in_session":
            await day.send(presidium, "open_session")
        await day.send(presidium, "set_current_item", item_id=ITEM)
        probes = {
            "presidium": await Probe.open(url, tokens.presidium, timeout),
            "delegate": await Probe.open(url, tokens.delegates[0][0], timeout),
            "board": await Probe.open(url, tokens.boards[0], timeout),
        }
        for probe in probes.values():
            stack.push_async_callback(probe.close)
        speaker = tokens.delegates[-1][1]
        report.before, numbers_before = await day.sizes(probes, speaker)
        report.seq_before = presidium.view.seq
        delegates = tokens.delegates
        started = time.monotonic()
        cpu_before = hub_cpu_ns() if hub_cpu_ns else 0
        # Each delegate checks in from its own tablet as the hall fills.
        for secret, _ in delegates:
            report.check_ins += 1
            await day.as_delegate(url, secret, "check_in")
        steps = max(size.speeches, 1)
        for step in range(steps):
            if step < size.speeches:
                secret, delegate_id = delegates[step % len(delegates)]
                await day.as_delegate(url, secret, "request_floor", kind="speech")
                await day.send(presidium, "accept_request", delegate_id=delegate_id)
                await day.send(presidium, "grant_floor", delegate_id=delegate_id)
            for _ in range(_spread(size.turns, steps, step)):
                await day.turn()
            for _ in range(_spread(size.announcements, steps, step)):
                text = _announcement(report.commands)
                await day.send(presidium, "post_announcement", text=text, minutes=1440)
            if step < size.speeches:
                await day.send(presidium, "end_speech")
        report.seconds = time.monotonic() - started
        if hub_cpu_ns is not None:
            report.hub_cpu_seconds = (hub_cpu_ns() - cpu_before) / 1e9
        report.seq_after = presidium.view.seq
        report.after, numbers_after = await day.sizes(probes, speaker)
        report.numbers = {
            change: {
                audience: max(0, numbers_after[change][audience] - numbers_before[change][audience])
                for audience in numbers_after[change]
            }
            for change in numbers_after
        }
    return report


def size_table(report: DayReport) -> str:
    size = report.size
    lines = [
        f"Event frame sizes in bytes, before and after a day of {size.speeches} speeches, "
        f"{size.announcements} announcements, {size.turns} page turns and "
        f"{report.check_ins} check-ins ({report.commands} commands in {report.seconds:.1f} s, "
        f"hub CPU {report.hub_cpu_seconds:.1f} s, "
        f"seq {report.seq_before} -> {report.seq_after}"
        + (f"; refused: {report.refused}" if report.refused else "")
        + "):",
        f"{'change':<16}{'audience':<11}{'before':>8}{'after':>8}{'after/before':>14}"
        f"{'of which seq/prev':>19}",
    ]
    for change in CHANGES:
        for audience in AUDIENCES:
            before = report.before.get(change, {}).get(audience, 0)
            after = report.after.get(change, {}).get(audience, 0)
            factor = f"{after / before:.2f}x" if before else "-"
            numbers = report.numbers.get(change, {}).get(audience, 0)
            lines.append(
                f"{change:<16}{audience:<11}{before:>8}{after:>8}{factor:>14}{numbers:>+19}"
            )
    return "\n".join(lines)


async def _standalone(size: DaySize, timeout: float) -> DayReport:
    with tempfile.TemporaryDirectory(prefix="congress-day-") as work_dir:
        data_dir = Path(work_dir) / "hub"
        hub = await start_hub(data_dir, Path(work_dir) / "hub.log", None)
        try:
            return await run_day(hub.url, data_dir, size, timeout, hub.cpu_ns)
        finally:
            await hub.stop()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.day",
        description="Run a congress day on a fresh hub and print the event frame sizes a "
        "screen gets for a page turn and a speaker change before and after it.",
    )
    defaults = DaySize()
    parser.add_argument("--speeches", type=int, default=defaults.speeches)
    parser.add_argument("--announcements", type=int, default=defaults.announcements)
    parser.add_argument("--turns", type=int, default=defaults.turns)
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per command")
    args = parser.parse_args(argv)
    if min(args.speeches, args.announcements, args.turns) < 0:
        parser.error("counts are at least 0")
    raise_open_files_limit()
    size = DaySize(args.speeches, args.announcements, args.turns)
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        report = runner.run(_standalone(size, args.timeout))
    print(size_table(report))
    grown = report.grown()
    print("frames grown over the day: " + (", ".join(grown) if grown else "none"))
    return 0 if not report.refused else 1


if __name__ == "__main__":
    sys.exit(main())
