"""Event frame sizes over a congress day, through the pure core: whole sections against deltas.

`python -m bench.frame_sizes` drives a day's worth of records (speeches, announcements, page
turns, check-ins; `--help` for the counts) through decide, apply and project, with no server,
and prints, per audience, the size of a page-turn, speaker-change, check-in and announcement
event frame at the start of the day and after it: as event frames are made now (whole
sections in `set`, edits inside the others) and as they were made before (every changed
section whole).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass, field
from statistics import mean

from session_server.core import commands as c
from session_server.core.decide import Actor, Rejection, create_room, decide
from session_server.core.delta import view_delta
from session_server.core.evolve import apply
from session_server.core.projection import View, changed_sections, project
from session_server.core.state import Access, PageSize, Role, RoomState
from session_server.protocol import messages

T0 = 1_795_334_400_000
STEP_MS = 1_000

PRESIDIUM = Actor(Role.PRESIDIUM)
SECRETARIAT = Actor(Role.SECRETARIAT)
VIEWS = (Role.PRESIDIUM, Role.DELEGATE, Role.BOARD)
SPEAKERS = 10
ACTIONS = ("page_turn", "speaker_change", "check_in", "announcement")

SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ", "Đặng", "Bùi")
GIVEN = ("Văn An", "Thị Bình", "Minh Châu", "Quốc Dũng", "Thanh Hà", "Ngọc Lan", "Hữu Phước")
UNITS = ("Đoàn Thành phố Cà Mau", "Đoàn huyện Năm Căn", "Đoàn huyện Ngọc Hiển", "Đoàn Khối")


@dataclass(frozen=True, slots=True)
class Sizes:
    """One record's event frame per view, in bytes: now (deltas) and before (whole)."""

    delta: dict[Role, int]
    whole: dict[Role, int]


@dataclass
class Day:
    """A room driven as the hub drives it; `record` measures the event frames one command
    makes for each view, exactly as `Room._apply` encodes them."""

    delegates: int = 520
    state: RoomState = field(init=False)
    now: int = T0
    views: dict[Role, View] = field(init=False)
    _checked_in: int = 0
    _speaker: int = 0
    _page: int = 1
    _posted: int = 0
    frames: dict[str, dict[Role, list[int]]] = field(
        default_factory=lambda: {"delta": {v: [] for v in VIEWS}, "whole": {v: [] for v in VIEWS}}
    )
    """Every measured frame's size, per way of making it and view."""

    def __post_init__(self) -> None:
        created = create_room("camau-2025", "Đại hội đại biểu Đảng bộ tỉnh Cà Mau lần thứ I")
        assert not isinstance(created, Rejection)
        self.state = apply(RoomState(room="camau-2025"), 1, created)
        for n in range(self.delegates):
            name = f"{SURNAMES[n % len(SURNAMES)]} {GIVEN[n % len(GIVEN)]}"
            self.do(
                c.RegisterDelegate(f"DB{n + 1:03d}", name, UNITS[n % len(UNITS)], f"S{n:03d}"),
                SECRETARIAT,
            )
        for title in ("Khai mạc Đại hội", "Thảo luận Báo cáo chính trị", "Bầu cử"):
            self.do(c.AddAgendaItem(title=title, presenter="Đoàn Chủ tịch", planned_minutes=60))
        sizes = tuple(PageSize(595, 842) for _ in range(40))
        for doc_id, title, access in (
            ("chuong-trinh", "Chương trình Đại hội", Access.PUBLIC),
            ("bao-cao-chinh-tri", "Dự thảo Báo cáo chính trị", Access.DELEGATES),
            ("de-an-nhan-su", "Đề án nhân sự Ban Chấp hành (MẬT)", Access.PRESIDIUM),
        ):
            self.do(c.RegisterDocument(doc_id, title, access, 40, "ab" * 32, sizes), SECRETARIAT)
        self.do(c.OpenSession())
        self.do(c.SetCurrentItem("item-2"))
        self.do(c.ShowPage("chuong-trinh", 1))
        # Someone has the floor and someone waits, so a speaker change ends a speech.
        self._request_next()
        self.do(c.GrantFloor())
        self._request_next()
        self.views = {view: project(self.state, view) for view in VIEWS}

    def do(self, command: c.Command, actor: Actor = PRESIDIUM) -> None:
        self.now += STEP_MS
        events = decide(self.state, command, actor, self.now)
        if isinstance(events, Rejection):
            raise RuntimeError(f"{command.name} refused: {events.message}")
        if events:
            self.state = apply(self.state, self.state.seq + 1, events)

    def record(self, command: c.Command, actor: Actor = PRESIDIUM) -> Sizes:
        """Apply one command and measure the event frame each view gets for it."""
        self.do(command, actor)
        delta: dict[Role, int] = {}
        whole: dict[Role, int] = {}
        seq = self.state.seq
        for view in VIEWS:
            before, after = self.views[view], project(self.state, view)
            changes, edits = view_delta(before, after)
            if changes or edits:
                delta[view] = len(messages.event(seq, seq - 1, self.now, changes, edits))
                self.frames["delta"][view].append(delta[view])
            old = changed_sections(before, after)
            if old:
                # The frame as it was before edits existed: every changed section whole.
                frame = {"type": "event", "seq": seq, "prev": seq - 1, "at": self.now, "set": old}
                whole[view] = len(messages.encode(frame))
                self.frames["whole"][view].append(whole[view])
            self.views[view] = after
        return Sizes(delta, whole)

    def _request_next(self) -> None:
        # Ten delegates from the end of the roll take turns (check-ins go from its start):
        # after a multiple of ten speeches the same two people change places as at the start.
        delegate_id = f"DB{self.delegates - (self._speaker % SPEAKERS):03d}"
        self._speaker += 1
        self.do(c.RequestFloor(), Actor(Role.DELEGATE, delegate_id))

    def page_turn(self) -> Sizes:
        self._page = self._page % 40 + 1
        return self.record(c.ShowPage("chuong-trinh", self._page))

    def speaker_change(self) -> Sizes:
        """The next speaker takes the floor (the speech before ends); a new request waits."""
        sizes = self.record(c.GrantFloor(interrupt=True))
        self._request_next()
        self.views = {view: project(self.state, view) for view in VIEWS}
        return sizes

    def check_in(self) -> Sizes:
        self._checked_in += 1
        return self.record(c.CheckIn(f"DB{self._checked_in:03d}"))

    def announcement(self) -> Sizes:
        self._posted += 1
        text = (
            f"Thông báo số {self._posted}: kính mời các đồng chí đại biểu về hội trường đúng giờ."
        )
        return self.record(c.PostAnnouncement(text, minutes=1440), SECRETARIAT)

    def action(self, name: str) -> Callable[[], Sizes]:
        actions: dict[str, Callable[[], Sizes]] = {
            "page_turn": self.page_turn,
            "speaker_change": self.speaker_change,
            "check_in": self.check_in,
            "announcement": self.announcement,
        }
        return actions[name]

    def run(self, speeches: int, announcements: int, page_turns: int, check_ins: int) -> None:
        """A day's records, interleaved as a day interleaves them."""
        left = {
            "speaker_change": speeches,
            "announcement": announcements,
            "page_turn": page_turns,
            "check_in": check_ins,
        }
        while any(left.values()):
            for name, count in left.items():
                if count:
                    self.action(name)()
                    left[name] = count - 1


def measure(
    speeches: int = 300,
    announcements: int = 100,
    page_turns: int = 500,
    check_ins: int = 500,
    day: Day | None = None,
) -> dict[str, tuple[Sizes, Sizes]]:
    """Each action's frame sizes at the start of the day and after the day's records."""
    day = day or Day(delegates=check_ins + 20)
    start = {name: day.action(name)() for name in ACTIONS}
    # The start's own records count in the day's.
    day.run(speeches - 1, announcements - 1, page_turns - 1, check_ins - 1)
    end = {name: day.action(name)() for name in ACTIONS}
    return {name: (start[name], end[name]) for name in ACTIONS}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--speeches", type=int, default=300)
    parser.add_argument("--announcements", type=int, default=100)
    parser.add_argument("--page-turns", type=int, default=500)
    parser.add_argument("--check-ins", type=int, default=500)
    args = parser.parse_args()
    day = Day(delegates=args.check_ins + 20)
    figures = measure(args.speeches, args.announcements, args.page_turns, args.check_ins, day)
    print(
        f"Event frame bytes after {args.speeches} speeches, {args.announcements} announcements,"
        f" {args.page_turns} page turns, {args.check_ins} check-ins"
        " (whole sections = before this change; deltas = now)"
    )
    header = (
        f"{'action':<16}{'view':<11}{'whole: start':>13}{'end':>8}{'deltas: start':>15}{'end':>6}"
    )
    print(header)
    print("-" * len(header))
    for name, (start, end) in figures.items():
        for view in VIEWS:
            if view not in start.whole:
                continue
            print(
                f"{name:<16}{view.value:<11}{start.whole[view]:>13}{end.whole[view]:>8}"
                f"{start.delta[view]:>15}{end.delta[view]:>6}"
            )
    print()
    print("Over the whole day, per event frame (bytes):")
    for view in VIEWS:
        whole, delta = day.frames["whole"][view], day.frames["delta"][view]
        print(
            f"  {view.value:<10} {len(whole)} frames: whole sections mean {mean(whole):,.0f}"
            f" (total {sum(whole):,}); deltas mean {mean(delta):,.0f} (total {sum(delta):,})"
        )


if __name__ == "__main__":
    main()
