"""Discussion groups: membership stays a partition, officers are members, only the staff
define and fill groups, and each audience sees of them only what it may."""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from session_server.core import commands as c
from session_server.core import events as e
from session_server.core import group_commands as gc
from session_server.core import group_events as ge
from session_server.core.decide import Actor, Rejection, create_room, decide
from session_server.core.evolve import apply
from session_server.core.group_state import group_of, group_room
from session_server.core.projection import personal, project
from session_server.core.replay import state_bytes, state_from_bytes
from session_server.core.state import (
    Access,
    Delegate,
    DocumentInfo,
    Role,
    RoomState,
    SessionStatus,
)
from session_server.protocol.codes import REASONS

from .rooms import ANH, BINH, CHI, DUNG, PRESIDIUM, SECRETARIAT, Room, delegate, seated

DELEGATES = tuple(f"d{n:02d}" for n in range(8))
GROUPS = ("g1", "g2", "g3", "g4")
ACTORS = st.sampled_from(
    (
        PRESIDIUM,
        SECRETARIAT,
        Actor(Role.DELEGATE, DELEGATES[0]),
        Actor(Role.BOARD),
        Actor(Role.HALL),
    )
)
SOME = st.lists(st.sampled_from(DELEGATES), min_size=0, max_size=4).map(tuple)
ONE = st.none() | st.sampled_from(DELEGATES)


class Groups(RuleBasedStateMachine):
    """Random group commands by random roles on a plenary with eight delegates."""

    def __init__(self) -> None:
        super().__init__()
        created = create_room("plenary", "Đại hội")
        assert isinstance(created, tuple)
        self.state = apply(RoomState(room="plenary"), 1, created)
        self.now = 1_700_000_000_000

    def submit(self, actor: Actor, command: c.Command) -> None:
        self.now += 1_000
        before = state_bytes(self.state)
        outcome = decide(self.state, command, actor, self.now)
        assert state_bytes(self.state) == before
        if isinstance(outcome, Rejection):
            assert REASONS[outcome.reason].code == outcome.code
            if actor.role not in (Role.PRESIDIUM, Role.SECRETARIAT):
                assert outcome.code == "forbidden"
            return
        assert actor.role in (Role.PRESIDIUM, Role.SECRETARIAT), (actor, command)
        if outcome:
            self.state = apply(self.state, self.state.seq + 1, outcome)
            assert state_from_bytes(state_bytes(self.state)) == self.state

    @initialize()
    def roll(self) -> None:
        for n, delegate_id in enumerate(DELEGATES):
            self.submit(SECRETARIAT, c.RegisterDelegate(delegate_id, f"Đồng chí {n}", f"Đoàn {n}"))

    @rule(actor=ACTORS, name=st.sampled_from(("Tổ 1", "Tổ 2", "tổ 1", "Tổ 3", "", "x" * 101)))
    def define(self, actor: Actor, name: str) -> None:
        self.submit(actor, gc.DefineGroup(name, "Phòng họp"))

    @rule(actor=ACTORS, group=st.sampled_from(GROUPS), name=st.sampled_from(("Tổ 9", "Tổ 1")))
    def edit(self, actor: Actor, group: str, name: str) -> None:
        self.submit(actor, gc.EditGroup(group, group_name=name))

    @rule(actor=ACTORS, group=st.sampled_from(GROUPS))
    def remove(self, actor: Actor, group: str) -> None:
        self.submit(actor, gc.RemoveGroup(group))

    @rule(actor=ACTORS, group=st.sampled_from(GROUPS), who=SOME)
    def assign(self, actor: Actor, group: str, who: tuple[str, ...]) -> None:
        self.submit(actor, gc.AssignToGroup(group, who))

    @rule(actor=ACTORS, who=SOME)
    def unassign(self, actor: Actor, who: tuple[str, ...]) -> None:
        self.submit(actor, gc.UnassignFromGroup(who))

    @rule(actor=ACTORS, group=st.sampled_from(GROUPS), chair=ONE, secretary=ONE)
    def officers(self, actor: Actor, group: str, chair: str | None, secretary: str | None) -> None:
        self.submit(actor, gc.SetGroupOfficers(group, chair, secretary))

    @rule(status=st.sampled_from(SessionStatus), group=st.sampled_from(GROUPS))
    def report(self, status: SessionStatus, group: str) -> None:
        self.submit(SECRETARIAT, gc.ReportGroupStatus(group, status, "report", 1))

    @invariant()
    def membership_is_a_partition_of_some_of_the_roll(self) -> None:
        seen: list[str] = []
        for group in self.state.groups.values():
            seen.extend(group.members)
        assert len(seen) == len(set(seen)), self.state.groups
        assert set(seen) <= set(self.state.delegates)

    @invariant()
    def officers_are_members_and_two_people(self) -> None:
        for group in self.state.groups.values():
            for officer in (group.chair, group.secretary):
                assert officer is None or officer in group.members
            assert group.chair is None or group.chair != group.secretary

    @invariant()
    def names_are_unique_and_ids_never_reused(self) -> None:
        names = [g.name.casefold() for g in self.state.groups.values()]
        assert len(names) == len(set(names))
        assert all(int(k[1:]) <= self.state.groups_created for k in self.state.groups)
        assert set(self.state.group_meetings) <= set(self.state.groups)

    @invariant()
    def each_audience_sees_what_it_may(self) -> None:
        for role in Role:
            view = project(self.state, role)["groups"]
            assert [g["id"] for g in view] == list(self.state.groups)
            for entry in view:
                if role in (Role.BOARD, Role.HALL):
                    assert set(entry) == {"id", "name", "place", "status", "document"}
                elif role is Role.DELEGATE:
                    assert all("delegate_id" not in m for m in entry["members"])
        for delegate_id in DELEGATES:
            own = personal(self.state, delegate_id)
            assert own is not None
            group = group_of(self.state.groups, delegate_id)
            assert (own.get("group") or {}).get("id") == (group.id if group else None)


TestGroups = Groups.TestCase
TestGroups.settings = settings(
    max_examples=60,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


# --- The rules, one by one ------------------------------------------------------------


def grouped() -> Room:
    room = seated()
    room.do(gc.DefineGroup("Tổ 1", "Phòng họp A"), SECRETARIAT)
    room.do(gc.DefineGroup("Tổ 2", "Phòng họp B"), SECRETARIAT)
    room.do(gc.AssignToGroup("g1", (ANH, BINH)), SECRETARIAT)
    room.do(gc.AssignToGroup("g2", (CHI,)), SECRETARIAT)
    room.do(gc.SetGroupOfficers("g1", chair=ANH, secretary=BINH))
    return room


def test_assigning_moves_a_delegate_and_vacates_their_office() -> None:
    room = grouped()
    room.do(gc.AssignToGroup("g2", (ANH,)))
    assert room.state.groups["g1"].members == (BINH,)
    assert room.state.groups["g1"].chair is None
    assert room.state.groups["g1"].secretary == BINH
    assert room.state.groups["g2"].members == (CHI, ANH)


def test_a_group_with_members_is_not_removed() -> None:
    room = grouped()
    assert room.refuse(gc.RemoveGroup("g2")).reason == "group_not_empty"
    room.do(gc.UnassignFromGroup((CHI,)))
    assert room.do(gc.RemoveGroup("g2")) == (ge.GroupRemoved("g2"),)
    assert "g2" not in room.state.groups
    # An id is never given again: the next group is g3.
    room.do(gc.DefineGroup("Tổ 2 mới"))
    assert list(room.state.groups) == ["g1", "g3"]


def test_officers_must_be_two_members() -> None:
    room = grouped()
    assert room.refuse(gc.SetGroupOfficers("g1", chair=CHI)).reason == "officers_invalid"
    assert room.refuse(gc.SetGroupOfficers("g1", ANH, ANH)).reason == "officers_invalid"
    assert room.decide(gc.SetGroupOfficers("g1", chair=ANH, secretary=BINH)) == ()


def test_a_delegate_may_not_define_or_fill_groups() -> None:
    room = grouped()
    for command in (
        gc.DefineGroup("Tổ 3"),
        gc.AssignToGroup("g1", (DUNG,)),
        gc.SetGroupOfficers("g1", chair=BINH),
    ):
        assert room.code(command, delegate(ANH)) == "forbidden"


def test_the_delegate_s_own_group_and_office_reach_their_you_frame() -> None:
    room = grouped()
    own = personal(room.state, ANH)
    assert own is not None
    assert own["group"] == {
        "id": "g1",
        "name": "Tổ 1",
        "place": "Phòng họp A",
        "room": group_room("r", "g1"),
        "office": "chair",
    }
    nobody = personal(room.state, DUNG)
    assert nobody is not None
    assert "group" not in nobody


def test_a_group_session_item_is_marked_in_the_agenda() -> None:
    room = grouped()
    room.do(c.AddAgendaItem("Thảo luận tổ", group_session=True))
    items = project(room.state, Role.BOARD)["agenda"]["items"]
    assert items[-1]["group_session"] is True
    assert "group_session" not in items[0]
    room.do(c.EditAgendaItem(items[-1]["id"], group_session=False))
    assert "group_session" not in project(room.state, Role.BOARD)["agenda"]["items"][-1]


def test_a_board_sees_a_group_s_public_document_only() -> None:
    room = grouped()
    room.do(c.RegisterDocument("programme", "Chương trình", Access.PUBLIC, 2), SECRETARIAT)
    room.do(c.RegisterDocument("report", "Báo cáo", Access.DELEGATES, 4), SECRETARIAT)
    room.do(gc.ReportGroupStatus("g1", SessionStatus.IN_SESSION, "report", 2), SECRETARIAT)
    room.do(gc.ReportGroupStatus("g2", SessionStatus.IN_SESSION, "programme", 1), SECRETARIAT)
    board = {g["id"]: g for g in project(room.state, Role.BOARD)["groups"]}
    assert board["g1"] == {
        "id": "g1",
        "name": "Tổ 1",
        "place": "Phòng họp A",
        "status": "in_session",
        "document": None,
    }
    assert board["g2"]["document"] == {"id": "programme", "title": "Chương trình", "page": 1}
    delegates = {g["id"]: g for g in project(room.state, Role.DELEGATE)["groups"]}
    assert delegates["g1"]["document"] == {"id": "report", "title": "Báo cáo", "page": 2}
    assert delegates["g1"]["chair"] == {"name": "Delegate 0"}
    staff = {g["id"]: g for g in project(room.state, Role.PRESIDIUM)["groups"]}
    assert staff["g1"]["chair"] == {"name": "Delegate 0", "delegate_id": ANH}


# --- A group's own room ----------------------------------------------------------------


def group_room_state() -> Room:
    room = Room()
    created = create_room("r~g1", "Tổ 1")
    assert isinstance(created, tuple)
    room.state = apply(RoomState(room="r~g1"), 1, created)
    return room


MEMBERS = (Delegate(ANH, "Delegate 0", "Unit 0", "A0"), Delegate(BINH, "Delegate 1", "", ""))
PUBLIC = DocumentInfo("programme", "Chương trình", Access.PUBLIC, 2)
SECRET = DocumentInfo("personnel", "Đề án nhân sự", Access.PRESIDIUM, 3)


def sync(*documents: DocumentInfo, chair: str | None = ANH) -> gc.SyncGroup:
    return gc.SyncGroup("g1", "Tổ 1", "Phòng họp A", MEMBERS, chair, None, documents)


def test_a_sync_copies_the_group_and_never_a_presidium_document() -> None:
    room = group_room_state()
    room.do(sync(PUBLIC, SECRET), SECRETARIAT)
    assert [d.id for d in room.state.documents] == ["programme"]
    assert set(room.state.delegates) == {ANH, BINH}
    assert room.state.group is not None
    assert room.state.group.chair == ANH
    assert project(room.state, Role.DELEGATE)["session"]["group"] == {
        "id": "g1",
        "plenary": "r",
        "name": "Tổ 1",
        "place": "Phòng họp A",
        "chair": "Delegate 0",
        "secretary": None,
    }
    # The same copy again records nothing: the hub may send it as often as it likes.
    assert room.decide(sync(PUBLIC, SECRET), SECRETARIAT) == ()


def test_a_sync_without_the_page_s_document_hides_it() -> None:
    room = group_room_state()
    room.do(sync(PUBLIC), SECRETARIAT)
    room.do(c.ShowPage("programme", 2))
    events = room.do(sync(), SECRETARIAT)
    assert isinstance(events[0], e.DocumentHidden)
    assert room.state.showing is None


def test_plenary_commands_are_refused_in_a_group_room_and_syncs_in_the_plenary() -> None:
    room = group_room_state()
    assert room.refuse(gc.DefineGroup("Tổ 9"), SECRETARIAT).reason == "plenary_only"
    assert room.refuse(c.AddAgendaItem("x", group_session=True)).reason == "plenary_only"
    assert grouped().refuse(sync(), SECRETARIAT).reason == "group_room_only"
    # The sync names its own group: another group's copy is refused.
    other = gc.SyncGroup("g2", "Tổ 2", "", (), None, None, ())
    assert room.refuse(other, SECRETARIAT).reason == "group_room_only"
