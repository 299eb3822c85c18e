"""Event deltas: a client rebuilds every view exactly, sees only its own, and frames stay small."""

from __future__ import annotations

from typing import Any

import msgpack
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.frame_sizes import VIEWS, measure
from presidium_console.client import rebuild
from session_server.core import commands as c
from session_server.core.decide import Actor
from session_server.core.delta import MAX_MATCH_WORK, view_delta
from session_server.core.projection import SECTIONS, View, project
from session_server.core.state import Access, Role
from session_server.protocol import messages

from .rooms import ANH, BINH, CHI, PRESIDIUM, SECRETARIAT, delegate, seated


def wire(before: View | None, after: View) -> dict[str, Any]:
    """The event frame for `before` → `after` as a client decodes it."""
    changes, edits = view_delta(before, after)
    frame: dict[str, Any] = msgpack.unpackb(messages.event(2, 1, 0, changes, edits), raw=False)
    return frame


def assert_rebuilds(before: View, after: View) -> dict[str, Any]:
    frame = wire(before, after)
    rebuilt = rebuild(before, frame)
    assert typed(rebuilt) == typed(after)
    return frame


def typed(value: Any) -> Any:
    """`value` compared with its types (a true is not a 1), map keys in any order."""
    if isinstance(value, dict):
        return {key: typed(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [typed(inner) for inner in value]
    return (type(value), value)


# Values built from few parts, so that consecutive views share entries and lists get
# spliced, not only replaced. Ints stay clear of 0 and 1: Python holds `True == 1`, and a
# projection never puts a bool where another view of it has an int.
scalars = st.none() | st.booleans() | st.integers(2, 4) | st.sampled_from(["", "a", "b"])
entries = scalars | st.fixed_dictionaries({"id": st.sampled_from("xyz"), "on": st.booleans()})
values = st.recursive(
    entries,
    lambda inner: (
        st.lists(inner, max_size=7)
        | st.dictionaries(st.sampled_from(["k", "m", "n"]), inner, max_size=3)
    ),
    max_leaves=12,
)
views = st.tuples(*(values for _ in SECTIONS)).map(
    lambda parts: dict(zip(SECTIONS, parts, strict=True))
)


@settings(max_examples=150, deadline=None)
@given(st.lists(views, min_size=2, max_size=6))
def test_deltas_rebuild_any_sequence_of_views(sequence: list[View]) -> None:
    held = sequence[0]
    for after in sequence[1:]:
        frame = assert_rebuilds(held, after)
        assert not set(frame["set"]) & {e["path"][0] for e in frame["edit"]}
        # The client keeps what it rebuilt; the next delta is applied to that.
        held = rebuild(held, frame)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(0, 9), max_size=40),
    st.lists(
        st.tuples(st.integers(0, 40), st.integers(0, 3), st.lists(st.integers(0, 9))), max_size=4
    ),
)
def test_list_edits_rebuild_any_splices(
    items: list[int], splices: list[tuple[int, int, list[int]]]
) -> None:
    after = list(items)
    for at, remove, insert in splices:
        after[at : at + remove] = insert
    before = {name: None for name in SECTIONS} | {"roll": items}
    assert_rebuilds(before, {**before, "roll": after})


def test_a_snapshot_less_client_gets_every_section_whole() -> None:
    view = project(seated().state, Role.BOARD)
    assert view_delta(None, view) == (view, [])
    assert view_delta(view, view) == ({}, [])


def test_growing_lists_are_appended_to_and_spliced_not_resent() -> None:
    room = seated()
    before = room.state
    room.do(c.PostAnnouncement("Giải lao 15 phút", minutes=60), SECRETARIAT)
    frame = assert_rebuilds(project(before, Role.BOARD), project(room.state, Role.BOARD))
    assert frame["set"] == {}
    [append] = frame["edit"]
    assert append["op"] == "append"
    assert append["path"] == ["announcements"]
    assert [a["text"] for a in append["items"]] == ["Giải lao 15 phút"]

    before = room.state
    room.do(c.CheckIn(BINH))
    frame = assert_rebuilds(project(before, Role.PRESIDIUM), project(room.state, Role.PRESIDIUM))
    # A small section is still replaced whole; the roll gets the one entry that changed.
    assert frame["set"] == {"attendance": {"present": 1, "total": 4}}
    [splice] = frame["edit"]
    assert (splice["op"], splice["path"], splice["remove"]) == ("splice", ["roll"], 1)
    assert splice["insert"] == [project(room.state, Role.PRESIDIUM)["roll"][splice["at"]]]
    assert splice["insert"][0]["id"] == BINH

    room.do(c.RequestFloor(), delegate(ANH))
    room.do(c.GrantFloor())
    room.do(c.RequestFloor(), delegate(CHI))
    middle = room.state
    room.do(c.GrantFloor(interrupt=True))
    frame = assert_rebuilds(project(middle, Role.DELEGATE), project(room.state, Role.DELEGATE))
    assert frame["set"] == {}
    edits = {tuple(e["path"]): e for e in frame["edit"]}
    assert edits[("speakers", "queue")]["op"] == "splice"
    assert set(edits) == {("speakers", "floor"), ("speakers", "queue"), ("speakers", "done")}
    assert edits[("speakers", "floor")]["value"]["name"] == "Delegate 2"
    assert edits[("speakers", "done")]["op"] == "append"
    assert [s["name"] for s in edits[("speakers", "done")]["items"]] == ["Delegate 0"]


def test_a_changed_stretch_too_long_to_match_is_replaced_in_one_splice() -> None:
    side = int(MAX_MATCH_WORK**0.5) + 1
    before = {name: None for name in SECTIONS} | {"roll": list(range(side))}
    after = {**before, "roll": list(range(side, 0, -1))}
    frame = assert_rebuilds(before, after)
    assert len(frame["edit"]) == 1


def test_a_board_is_sent_nothing_its_view_does_not_hold() -> None:
    """A confidential document on screen and a request not yet accepted: the board's deltas,
    made from its own views, carry neither, and still rebuild its view exactly."""
    room = seated()
    room.do(c.RegisterDocument("de-an-nhan-su", "Đề án nhân sự (MẬT)", Access.PRESIDIUM, 3))
    room.do(c.RegisterDocument("du-thao", "Dự thảo báo cáo", Access.DELEGATES, 5))
    room.do(c.RegisterDocument("chuong-trinh", "Chương trình", Access.PUBLIC, 2))
    held = {role: project(room.state, role) for role in (Role.BOARD, Role.DELEGATE)}
    steps: list[tuple[c.Command, Actor]] = [
        (c.ShowPage("de-an-nhan-su", 1), PRESIDIUM),
        (c.ShowPage("de-an-nhan-su", 2), PRESIDIUM),
        (c.RequestFloor(), delegate(ANH)),
        (c.RequestFloor(), delegate(CHI)),
        (c.ShowPage("du-thao", 4), PRESIDIUM),
        (c.AcceptRequest(CHI), PRESIDIUM),
        (c.ShowPage("chuong-trinh", 2), PRESIDIUM),
        (c.GrantFloor(CHI), PRESIDIUM),
    ]
    sent: dict[Role, list[str]] = {Role.BOARD: [], Role.DELEGATE: []}
    for command, actor in steps:
        room.do(command, actor)
        for role, before in held.items():
            after = project(room.state, role)
            frame = assert_rebuilds(before, after)
            held[role] = after
            sent[role].append(str(frame))
    board = "".join(sent[Role.BOARD])
    # Chi, once accepted, is on the board's list by name; Anh, never accepted, is not.
    assert "Delegate 2" in board
    for secret in ("de-an-nhan-su", "MẬT", "du-thao", "Dự thảo", "Delegate 0", "dlg-", "A0"):
        assert secret not in board, secret
    assert "requested_at" not in board
    delegates = "".join(sent[Role.DELEGATE])
    assert "Dự thảo" in delegates
    assert "de-an-nhan-su" not in delegates
    assert "MẬT" not in delegates


def test_page_turn_and_speaker_change_frames_do_not_grow_over_a_day() -> None:
    """300 speeches, 100 announcements, 500 page turns, 500 check-ins: a page turn and a
    speaker change cost what they did at the start of the day, for every audience."""
    figures = measure(speeches=300, announcements=100, page_turns=500, check_ins=500)
    for action in ("page_turn", "speaker_change"):
        start, end = figures[action]
        for view in VIEWS:
            assert end.delta[view] <= start.delta[view], (action, view)
            assert end.delta[view] < 600, (action, view)
    # A check-in and an announcement carry one entry however long the roll and the board:
    # only their numbers and texts may be a few bytes longer than at the start.
    for action in ("check_in", "announcement"):
        start, end = figures[action]
        for view in end.delta:
            assert end.delta[view] <= start.delta[view] + 16, (action, view)
            assert end.delta[view] < 400, (action, view)
    # The whole sections they replace have grown to tens of kilobytes.
    assert figures["speaker_change"][1].whole[Role.PRESIDIUM] > 30_000
    assert figures["check_in"][1].whole[Role.PRESIDIUM] > 40_000
