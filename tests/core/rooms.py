"""A room driven as the hub drives it, for the tests of decide's rules."""

from __future__ import annotations

from session_server.core import commands as c
from session_server.core import events as e
from session_server.core.decide import Actor, Rejection, create_room, decide
from session_server.core.evolve import apply
from session_server.core.replay import state_bytes
from session_server.core.state import Floor, RequestKind, Role, RoomState, SessionStatus

T0 = 1_700_000_000_000
STEP = 1_000

PRESIDIUM = Actor(Role.PRESIDIUM)
SECRETARIAT = Actor(Role.SECRETARIAT)
BOARD = Actor(Role.BOARD)
ANH, BINH, CHI, DUNG = "dlg-anh", "dlg-binh", "dlg-chi", "dlg-dung"
GHOST = "dlg-ghost"
"""A delegate token whose delegate is not on the roll."""


def delegate(delegate_id: str | None) -> Actor:
    return Actor(Role.DELEGATE, delegate_id)


class Room:
    """One room driven as the hub drives it: decide, then apply with the next seq."""

    def __init__(self) -> None:
        created = create_room("r", "Provincial congress")
        assert isinstance(created, tuple)
        self.state = apply(RoomState(room="r"), 1, created)
        self.now = T0

    def decide(
        self, command: c.Command, actor: Actor = PRESIDIUM
    ) -> tuple[e.Event, ...] | Rejection:
        self.now += STEP
        before = state_bytes(self.state)
        outcome = decide(self.state, command, actor, self.now)
        assert state_bytes(self.state) == before, "decide changed the state it was given"
        return outcome

    def do(self, command: c.Command, actor: Actor = PRESIDIUM) -> tuple[e.Event, ...]:
        outcome = self.decide(command, actor)
        assert isinstance(outcome, tuple), outcome
        if outcome:
            self.state = apply(self.state, self.state.seq + 1, outcome)
        return outcome

    def refuse(self, command: c.Command, actor: Actor = PRESIDIUM) -> Rejection:
        outcome = self.decide(command, actor)
        assert isinstance(outcome, Rejection), outcome
        return outcome

    def code(self, command: c.Command, actor: Actor = PRESIDIUM) -> str:
        return self.refuse(command, actor).code

    @property
    def queue(self) -> list[tuple[str, RequestKind]]:
        speakers = self.state.current_speakers()
        assert speakers is not None
        return [(r.delegate_id, r.kind) for r in speakers.requests]

    def status(self) -> SessionStatus:
        return self.state.status

    @property
    def floor(self) -> Floor | None:
        return self.state.speaking()


def seated() -> Room:
    """A session in progress: four delegates on the roll, three items, the first one open."""
    room = Room()
    for n, delegate_id in enumerate((ANH, BINH, CHI, DUNG)):
        room.do(c.RegisterDelegate(delegate_id, f"Delegate {n}", f"Unit {n}", f"A{n}"), SECRETARIAT)
    for title in ("Opening", "Report", "Elections"):
        room.do(c.AddAgendaItem(title=title))
    room.do(c.OpenSession())
    room.do(c.SetCurrentItem("item-1"))
    return room


def ask(room: Room, *requests: tuple[str, RequestKind]) -> None:
    for delegate_id, kind in requests:
        room.do(c.RequestFloor(kind), delegate(delegate_id))


SPEECH, ORDER, REPLY = RequestKind.SPEECH, RequestKind.POINT_OF_ORDER, RequestKind.REPLY
