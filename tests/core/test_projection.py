"""What each audience sees: the board only public data, delegates and the hall no presidium
papers, the hall of people no more than the board."""

from __future__ import annotations

from typing import Any

import msgpack
import pytest

from session_server.core import commands as c
from session_server.core import events as e
from session_server.core.decide import Actor
from session_server.core.projection import (
    PRIVILEGED,
    SECTIONS,
    changed_sections,
    personal,
    project,
)
from session_server.core.state import Access, RequestKind, Role, RoomState, audience_may_see

from . import rooms
from .rooms import ANH, BINH, CHI, PRESIDIUM, SECRETARIAT


class Room(rooms.Room):
    def do(self, command: c.Command, actor: Actor = PRESIDIUM) -> tuple[e.Event, ...]:
        events = super().do(command, actor)
        assert events, f"{command} changed nothing: the test would show no projection"
        return events

    def view(self, audience: Role) -> dict[str, Any]:
        return project(self.state, audience)


def congress() -> Room:
    """Three delegates (two present), two items with the first open, three documents."""
    room = Room()
    for delegate_id, name, seat in (
        (ANH, "Anh Nguyen", "seat-A1"),
        (BINH, "Binh Tran", "seat-B2"),
        (CHI, "Chi Le", "seat-C3"),
    ):
        room.do(c.RegisterDelegate(delegate_id, name, "Unit North", seat), SECRETARIAT)
    room.do(c.CheckIn(ANH))
    room.do(c.CheckIn(CHI))
    room.do(c.AddAgendaItem(title="Opening", presenter="Chair", planned_minutes=10))
    room.do(c.AddAgendaItem(title="Report"))
    room.do(c.RegisterDocument("programme", "Programme", Access.PUBLIC, 2))
    room.do(c.RegisterDocument("draft", "Draft resolution", Access.DELEGATES, 5))
    room.do(c.RegisterDocument("personnel", "Personnel list", Access.PRESIDIUM, 3))
    room.do(c.OpenSession())
    room.do(c.SetCurrentItem("item-1"))
    return room


def strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*strings(k), *strings(v))]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return []


def mentions(view: dict[str, Any], secret: str) -> bool:
    return any(secret in text for text in strings(view))


@pytest.mark.parametrize(
    ("audience", "access", "visible"),
    [
        (Role.BOARD, Access.PUBLIC, True),
        (Role.BOARD, Access.DELEGATES, False),
        (Role.BOARD, Access.PRESIDIUM, False),
        (Role.DELEGATE, Access.PUBLIC, True),
        (Role.DELEGATE, Access.DELEGATES, True),
        (Role.DELEGATE, Access.PRESIDIUM, False),
        (Role.HALL, Access.PUBLIC, True),
        (Role.HALL, Access.DELEGATES, True),
        (Role.HALL, Access.PRESIDIUM, False),
        (Role.SECRETARIAT, Access.PRESIDIUM, True),
        (Role.SECRETARIAT, Access.DELEGATES, True),
        (Role.PRESIDIUM, Access.PRESIDIUM, True),
        (Role.PRESIDIUM, Access.PUBLIC, True),
    ],
)
def test_audience_may_see(audience: Role, access: Access, visible: bool) -> None:
    assert audience_may_see(audience, access) is visible


def test_every_view_has_every_section_in_order() -> None:
    room = congress()
    for role in Role:
        assert tuple(room.view(role)) == SECTIONS
    assert tuple(project(RoomState(room="empty"), Role.BOARD)) == SECTIONS


def test_the_session_and_agenda_are_public() -> None:
    room = congress()
    board = room.view(Role.BOARD)
    assert board["session"] == {
        "room": "r",
        "title": "Provincial congress",
        "status": "in_session",
        "since": room.now - 1000,
        "resumes_at": None,
        "checkpoint": None,
    }
    assert board["agenda"] == {
        "items": [
            {
                "id": "item-1",
                "title": "Opening",
                "presenter": "Chair",
                "planned_minutes": 10,
                "status": "open",
            },
            {
                "id": "item-2",
                "title": "Report",
                "presenter": "",
                "planned_minutes": 0,
                "status": "pending",
            },
        ],
        "current": "item-1",
    }
    for role in Role:
        assert room.view(role)["agenda"] == board["agenda"]
        session = dict(room.view(role)["session"])
        # The speaking-time presets are the presidium's and the secretariat's alone.
        presets = session.pop("speaking_times", None)
        assert (presets is not None) == (role in (Role.PRESIDIUM, Role.SECRETARIAT))
        assert session == board["session"]


def test_each_audience_lists_only_the_documents_it_may_see() -> None:
    room = congress()
    listed = {role: [d["id"] for d in room.view(role)["documents"]] for role in Role}
    assert listed[Role.BOARD] == ["programme"]
    assert listed[Role.DELEGATE] == listed[Role.HALL] == ["programme", "draft"]
    assert listed[Role.SECRETARIAT] == listed[Role.PRESIDIUM] == ["programme", "draft", "personnel"]
    assert room.view(Role.PRESIDIUM)["documents"][2] == {
        "id": "personnel",
        "title": "Personnel list",
        "access": "presidium",
        "pages": 3,
        "version": 0,
        "page_sizes": [],
    }


@pytest.mark.parametrize(
    ("document_id", "title", "hidden_from"),
    [
        ("programme", "Programme", set()),
        ("draft", "Draft resolution", {Role.BOARD}),
        ("personnel", "Personnel list", {Role.BOARD, Role.DELEGATE, Role.HALL}),
    ],
)
def test_a_shown_page_reaches_only_those_who_may_see_it(
    document_id: str, title: str, hidden_from: set[Role]
) -> None:
    room = congress()
    room.do(c.ShowPage(document_id, 2))
    for role in Role:
        view = room.view(role)
        if role in hidden_from:
            assert view["document"] == {"hidden": True}
            assert not mentions(view, document_id)
            assert not mentions(view, title)
        else:
            assert view["document"]["id"] == document_id
            assert view["document"]["title"] == title
            assert view["document"]["page"] == 2


def test_a_document_made_confidential_while_shown_disappears_from_the_board() -> None:
    room = congress()
    room.do(c.ShowPage("programme", 1))
    assert room.view(Role.BOARD)["document"] == {
        "id": "programme",
        "title": "Programme",
        "page": 1,
        "pages": 2,
        "version": 0,
    }
    room.do(c.RegisterDocument("programme", "Programme", Access.PRESIDIUM, 2))
    board = room.view(Role.BOARD)
    assert board["document"] == {"hidden": True}
    assert not mentions(board, "programme")
    assert not mentions(board, "Programme")


def test_nothing_shown_is_null_for_everyone() -> None:
    room = congress()
    for role in Role:
        assert room.view(role)["document"] is None


def test_the_board_sees_accepted_requests_only_and_no_personal_data() -> None:
    room = congress()
    room.do(c.RequestFloor(RequestKind.SPEECH), Actor(Role.DELEGATE, ANH))
    room.do(c.RequestFloor(RequestKind.REPLY), Actor(Role.DELEGATE, BINH))
    room.do(c.RequestFloor(RequestKind.SPEECH), Actor(Role.DELEGATE, CHI))
    board = room.view(Role.BOARD)
    assert board["speakers"]["queue"] == []
    assert not mentions(board, "Anh Nguyen")
    room.do(c.AcceptRequest(BINH))
    board = room.view(Role.BOARD)
    assert board["speakers"] == {
        "item": "item-1",
        "closed": False,
        "floor": None,
        "queue": [{"name": "Binh Tran", "unit": "Unit North", "kind": "reply"}],
        "done": [],
    }
    for secret in (ANH, BINH, CHI, "dlg-", "seat-", "Anh Nguyen", "Chi Le"):
        assert not mentions(board, secret), secret


def test_the_hall_shows_people_as_the_board_does_and_the_delegates_papers() -> None:
    room = congress()
    room.do(c.ShowPage("draft", 3))
    room.do(c.RequestFloor(RequestKind.SPEECH), Actor(Role.DELEGATE, ANH))
    room.do(c.RequestFloor(RequestKind.POINT_OF_ORDER), Actor(Role.DELEGATE, CHI))
    hall = room.view(Role.HALL)
    assert hall["document"] == {
        "id": "draft",
        "title": "Draft resolution",
        "page": 3,
        "pages": 5,
        "version": 0,
    }
    # Who asked to speak stays private on the big screens until the presidium accepts it.
    assert hall["speakers"]["queue"] == []
    for secret in ("Anh Nguyen", "Chi Le"):
        assert not mentions(hall, secret), secret
    room.do(c.AcceptRequest(CHI))
    room.do(c.GrantFloor(ANH))
    hall = room.view(Role.HALL)
    assert hall["speakers"] == room.view(Role.BOARD)["speakers"]
    assert hall["speakers"]["floor"] == {
        "name": "Anh Nguyen",
        "unit": "Unit North",
        "kind": "speech",
        "granted_at": room.now,
        "allowed_seconds": 420,
    }
    assert hall["speakers"]["queue"] == [
        {"name": "Chi Le", "unit": "Unit North", "kind": "point_of_order"}
    ]
    for secret in (ANH, BINH, CHI, "dlg-", "seat-", "personnel", "Personnel"):
        assert not mentions(hall, secret), secret
    # Everything else is what the delegates see.
    delegate = room.view(Role.DELEGATE)
    for section in ("session", "agenda", "documents", "document", "announcements", "attendance"):
        assert hall[section] == delegate[section], section
    room.do(c.ShowPage("personnel", 1))
    hall = room.view(Role.HALL)
    assert hall["document"] == {"hidden": True}
    assert not mentions(hall, "personnel")
    assert not mentions(hall, "Personnel")


def test_delegates_and_staff_see_the_whole_queue_with_ids() -> None:
    room = congress()
    room.do(c.RequestFloor(RequestKind.SPEECH), Actor(Role.DELEGATE, ANH))
    asked_at = room.now
    room.do(c.RequestFloor(RequestKind.POINT_OF_ORDER), Actor(Role.DELEGATE, BINH))
    room.do(c.AcceptRequest(ANH))
    expected = [
        {
            "name": "Binh Tran",
            "unit": "Unit North",
            "delegate_id": BINH,
            "kind": "point_of_order",
            "requested_at": asked_at + 1000,
            "accepted": False,
        },
        {
            "name": "Anh Nguyen",
            "unit": "Unit North",
            "delegate_id": ANH,
            "kind": "speech",
            "requested_at": asked_at,
            "accepted": True,
        },
    ]
    for role in (Role.DELEGATE, Role.SECRETARIAT, Role.PRESIDIUM):
        assert room.view(role)["speakers"]["queue"] == expected
        assert not mentions(room.view(role)["speakers"], "seat-")


def test_the_floor_and_finished_speeches() -> None:
    room = congress()
    room.do(c.GrantFloor(ANH, seconds=300))
    first = room.now
    room.do(c.GrantFloor(BINH, interrupt=True))
    second = room.now
    board = room.view(Role.BOARD)["speakers"]
    assert board["floor"] == {
        "name": "Binh Tran",
        "unit": "Unit North",
        "kind": "speech",
        "granted_at": second,
        "allowed_seconds": 420,
    }
    assert board["done"] == [
        {
            "name": "Anh Nguyen",
            "unit": "Unit North",
            "kind": "speech",
            "started_at": first,
            "ended_at": second,
        }
    ]
    staff = room.view(Role.PRESIDIUM)["speakers"]
    assert staff["floor"]["delegate_id"] == BINH
    assert staff["done"][0]["delegate_id"] == ANH


def test_no_open_item_means_no_speakers_section() -> None:
    room = congress()
    room.do(c.SetCurrentItem(None))
    for role in Role:
        assert room.view(role)["speakers"] is None


def test_the_roll_is_for_presidium_and_secretariat_only() -> None:
    room = congress()
    assert frozenset({Role.PRESIDIUM, Role.SECRETARIAT}) == PRIVILEGED
    for role in (Role.BOARD, Role.DELEGATE, Role.HALL):
        view = room.view(role)
        assert view["roll"] is None
        assert not mentions(view, "seat-")
        assert view["attendance"] == {"present": 2, "total": 3}
    for role in PRIVILEGED:
        assert room.view(role)["roll"] == [
            {
                "id": ANH,
                "name": "Anh Nguyen",
                "unit": "Unit North",
                "seat": "seat-A1",
                "present": True,
            },
            {
                "id": BINH,
                "name": "Binh Tran",
                "unit": "Unit North",
                "seat": "seat-B2",
                "present": False,
            },
            {"id": CHI, "name": "Chi Le", "unit": "Unit North", "seat": "seat-C3", "present": True},
        ]


def test_announcements_are_public() -> None:
    room = congress()
    room.do(c.PostAnnouncement("Lunch at noon", minutes=5))
    expected = [
        {
            "id": "a-1",
            "text": "Lunch at noon",
            "posted_at": room.now,
            "expires_at": room.now + 300_000,
        }
    ]
    for role in Role:
        assert room.view(role)["announcements"] == expected


def test_views_are_plain_msgpack_values() -> None:
    room = congress()
    room.do(c.RequestFloor(), Actor(Role.DELEGATE, ANH))
    room.do(c.GrantFloor())
    room.do(c.ShowPage("draft", 1))
    for role in Role:
        view = room.view(role)
        assert msgpack.unpackb(msgpack.packb(view), raw=False) == view


def test_personal_data_goes_to_the_delegate_alone() -> None:
    room = congress()
    assert personal(room.state, ANH) == {
        "delegate_id": ANH,
        "name": "Anh Nguyen",
        "unit": "Unit North",
        "seat": "seat-A1",
        "present": True,
        "votes": {},
        "contributions": [],
        "opinions": [],
    }
    absent = personal(room.state, BINH)
    assert absent is not None
    assert absent["present"] is False
    assert personal(room.state, "dlg-ghost") is None


def test_changed_sections_without_a_before_is_everything() -> None:
    view = project(congress().state, Role.BOARD)
    changes = changed_sections(None, view)
    assert changes == view
    changes["agenda"] = None
    assert view["agenda"] is not None


def test_changed_sections_names_only_what_changed() -> None:
    room = congress()
    before = {role: room.view(role) for role in Role}
    for role in Role:
        assert changed_sections(before[role], room.view(role)) == {}

    room.do(c.AddAgendaItem(title="Elections"))
    for role in Role:
        after = room.view(role)
        assert changed_sections(before[role], after) == {"agenda": after["agenda"]}

    before = {role: room.view(role) for role in Role}
    room.do(c.RequestFloor(), Actor(Role.DELEGATE, ANH))
    assert changed_sections(before[Role.BOARD], room.view(Role.BOARD)) == {}
    delegate_view = room.view(Role.DELEGATE)
    assert changed_sections(before[Role.DELEGATE], delegate_view) == {
        "speakers": delegate_view["speakers"]
    }

    before = {role: room.view(role) for role in Role}
    room.do(c.CheckIn(BINH))
    assert set(changed_sections(before[Role.BOARD], room.view(Role.BOARD))) == {"attendance"}
    assert set(changed_sections(before[Role.PRESIDIUM], room.view(Role.PRESIDIUM))) == {
        "attendance",
        "roll",
    }

    before = {role: room.view(role) for role in Role}
    room.do(c.ShowPage("personnel", 1))
    assert changed_sections(before[Role.BOARD], room.view(Role.BOARD)) == {
        "document": {"hidden": True}
    }
    assert set(changed_sections(before[Role.SECRETARIAT], room.view(Role.SECRETARIAT))) == {
        "document"
    }
