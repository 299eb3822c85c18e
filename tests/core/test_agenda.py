"""decide's rules for the session, the agenda and the document pointer."""

from __future__ import annotations

import pytest

from session_server.core import commands as c
from session_server.core import events as e
from session_server.core.state import (
    Access,
    DocumentVersion,
    ItemStatus,
    PageSize,
    SessionStatus,
    Speech,
)

from .rooms import (
    ANH,
    SECRETARIAT,
    SPEECH,
    Room,
    ask,
    seated,
)

# --- The session -----------------------------------------------------------------------


def test_the_session_opens_suspends_resumes_and_adjourns() -> None:
    room = Room()
    assert room.status() is SessionStatus.NOT_STARTED
    assert room.code(c.SuspendSession()) == "invalid_state"
    assert room.do(c.OpenSession()) == (e.SessionStatusChanged(SessionStatus.IN_SESSION, room.now),)
    assert room.state.status_since == room.now
    assert room.code(c.OpenSession()) == "invalid_state"
    room.do(c.SuspendSession())
    assert room.status() is SessionStatus.SUSPENDED
    # Suspending again during the break only changes when it resumes: here, not at all.
    assert room.do(c.SuspendSession()) == ()
    room.do(c.OpenSession())
    assert room.status() is SessionStatus.IN_SESSION
    assert room.do(c.AdjournSession()) == (
        e.SessionStatusChanged(SessionStatus.ADJOURNED, room.now),
    )
    assert room.code(c.AdjournSession()) == "invalid_state"
    assert room.code(c.SuspendSession()) == "invalid_state"
    room.do(c.OpenSession())
    assert room.status() is SessionStatus.IN_SESSION


def test_adjourning_a_session_not_started_is_allowed() -> None:
    room = Room()
    room.do(c.AdjournSession())
    assert room.state.status is SessionStatus.ADJOURNED


def test_adjourning_ends_the_current_speech_first() -> None:
    room = seated()
    room.do(c.GrantFloor(ANH))
    events = room.do(c.AdjournSession())
    assert events == (
        e.SpeechEnded(item_id="item-1", at=room.now),
        e.SessionStatusChanged(SessionStatus.ADJOURNED, room.now),
    )
    assert room.floor is None


# --- The agenda ------------------------------------------------------------------------


def test_agenda_items_get_ids_that_are_never_reused() -> None:
    room = Room()
    assert room.do(c.AddAgendaItem(title="  Opening ", presenter=" Chair ", planned_minutes=5)) == (
        e.AgendaItemAdded("item-1", "Opening", "Chair", 5, 0),
    )
    room.do(c.AddAgendaItem(title="Report"))
    room.do(c.RemoveAgendaItem("item-2"))
    (added,) = room.do(c.AddAgendaItem(title="Elections"))
    assert isinstance(added, e.AgendaItemAdded)
    assert added.item_id == "item-3"
    assert [i.id for i in room.state.agenda] == ["item-1", "item-3"]
    assert all(i.status is ItemStatus.PENDING for i in room.state.agenda)


def test_an_agenda_item_is_inserted_at_its_position() -> None:
    room = Room()
    room.do(c.AddAgendaItem(title="B"))
    room.do(c.AddAgendaItem(title="A", position=0))
    room.do(c.AddAgendaItem(title="C", position=2))
    room.do(c.AddAgendaItem(title="A2", position=1))
    assert [i.title for i in room.state.agenda] == ["A", "A2", "B", "C"]


@pytest.mark.parametrize(
    "command",
    [
        c.AddAgendaItem(title=""),
        c.AddAgendaItem(title="   "),
        c.AddAgendaItem(title="T" * 301),
        c.AddAgendaItem(title="T", presenter="P" * 301),
        c.AddAgendaItem(title="T", planned_minutes=-1),
        c.AddAgendaItem(title="T", planned_minutes=601),
        c.AddAgendaItem(title="T", position=-1),
        c.AddAgendaItem(title="T", position=4),
    ],
)
def test_add_agenda_item_refuses_out_of_range_arguments(command: c.Command) -> None:
    assert seated().code(command) == "invalid_args"


def test_add_agenda_item_accepts_the_boundaries() -> None:
    room = seated()
    room.do(c.AddAgendaItem(title="T" * 300, presenter="P" * 300, planned_minutes=600, position=3))
    room.do(c.AddAgendaItem(title="x", planned_minutes=0, position=0))
    assert room.state.agenda[0].title == "x"
    assert room.state.agenda[-1].title == "T" * 300


def test_edit_agenda_item_changes_only_what_it_names() -> None:
    room = seated()
    assert room.do(c.EditAgendaItem("item-2", presenter=" Secretary ")) == (
        e.AgendaItemEdited("item-2", "Report", "Secretary", 0),
    )
    room.do(c.EditAgendaItem("item-2", planned_minutes=45))
    item = room.state.item("item-2")
    assert item is not None
    assert (item.title, item.presenter, item.planned_minutes) == ("Report", "Secretary", 45)


def test_edit_agenda_item_to_the_same_values_is_a_no_op() -> None:
    room = seated()
    assert room.do(c.EditAgendaItem("item-2")) == ()
    assert room.do(c.EditAgendaItem("item-2", title="  Report  ", planned_minutes=0)) == ()


@pytest.mark.parametrize(
    ("command", "code"),
    [
        (c.EditAgendaItem("item-9", title="X"), "not_found"),
        (c.EditAgendaItem("item-2", title=" "), "invalid_args"),
        (c.EditAgendaItem("item-2", title="T" * 301), "invalid_args"),
        (c.EditAgendaItem("item-2", presenter="P" * 301), "invalid_args"),
        (c.EditAgendaItem("item-2", planned_minutes=601), "invalid_args"),
        (c.EditAgendaItem("item-2", planned_minutes=-5), "invalid_args"),
    ],
)
def test_edit_agenda_item_refusals(command: c.Command, code: str) -> None:
    assert seated().code(command) == code


def test_move_agenda_item() -> None:
    room = seated()
    assert room.do(c.MoveAgendaItem("item-3", 0)) == (e.AgendaItemMoved("item-3", 0),)
    assert [i.id for i in room.state.agenda] == ["item-3", "item-1", "item-2"]
    room.do(c.MoveAgendaItem("item-3", 2))
    assert [i.id for i in room.state.agenda] == ["item-1", "item-2", "item-3"]
    assert room.do(c.MoveAgendaItem("item-2", 1)) == ()


@pytest.mark.parametrize(
    ("command", "code"),
    [
        (c.MoveAgendaItem("item-9", 0), "not_found"),
        (c.MoveAgendaItem("item-1", -1), "invalid_args"),
        (c.MoveAgendaItem("item-1", 3), "invalid_args"),
    ],
)
def test_move_agenda_item_refusals(command: c.Command, code: str) -> None:
    assert seated().code(command) == code


def test_only_a_pending_item_can_be_removed() -> None:
    room = seated()
    assert room.code(c.RemoveAgendaItem("item-1")) == "invalid_state"
    room.do(c.SetCurrentItem("item-2"))
    assert room.code(c.RemoveAgendaItem("item-1")) == "invalid_state"
    assert room.code(c.RemoveAgendaItem("item-9")) == "not_found"
    assert room.do(c.RemoveAgendaItem("item-3")) == (e.AgendaItemRemoved("item-3"),)
    assert room.state.item("item-3") is None


def test_set_current_item_ends_the_speech_and_closes_the_previous_item() -> None:
    room = seated()
    ask(room, (ANH, SPEECH))
    room.do(c.GrantFloor())
    granted_at = room.now
    events = room.do(c.SetCurrentItem("item-2"))
    assert events == (
        e.SpeechEnded(item_id="item-1", at=room.now),
        e.ItemClosed("item-1"),
        e.ItemOpened("item-2"),
    )
    assert room.state.current_item == "item-2"
    statuses = {i.id: i.status for i in room.state.agenda}
    assert statuses == {
        "item-1": ItemStatus.DONE,
        "item-2": ItemStatus.OPEN,
        "item-3": ItemStatus.PENDING,
    }
    assert room.floor is None
    assert room.state.speakers["item-1"].speeches == (Speech(ANH, SPEECH, granted_at, room.now),)


def test_set_current_item_to_none_closes_the_open_item() -> None:
    room = seated()
    assert room.do(c.SetCurrentItem(None)) == (e.ItemClosed("item-1"),)
    assert room.state.current_item is None
    assert room.do(c.SetCurrentItem(None)) == ()


def test_set_current_item_to_the_current_one_is_a_no_op() -> None:
    room = seated()
    room.do(c.GrantFloor(ANH))
    assert room.do(c.SetCurrentItem("item-1")) == ()
    assert room.floor is not None


def test_set_current_item_reopens_a_done_item_and_refuses_an_unknown_one() -> None:
    room = seated()
    assert room.code(c.SetCurrentItem("item-9")) == "not_found"
    room.do(c.SetCurrentItem("item-2"))
    assert room.do(c.SetCurrentItem("item-1")) == (e.ItemClosed("item-2"), e.ItemOpened("item-1"))
    item = room.state.item("item-1")
    assert item is not None
    assert item.status is ItemStatus.OPEN


def test_opening_an_item_from_none_opens_it_alone() -> None:
    room = Room()
    room.do(c.AddAgendaItem(title="Opening"))
    assert room.do(c.SetCurrentItem("item-1")) == (e.ItemOpened("item-1"),)


# --- Documents -------------------------------------------------------------------------


def test_register_document_trims_the_title_and_ignores_an_identical_repeat() -> None:
    room = seated()
    assert room.do(c.RegisterDocument("budget", " Budget ", Access.DELEGATES, 4), SECRETARIAT) == (
        e.DocumentRegistered("budget", "Budget", Access.DELEGATES, 4),
    )
    assert room.do(c.RegisterDocument("budget", "Budget", Access.DELEGATES, 4)) == ()
    room.do(c.RegisterDocument("budget", "Budget", Access.PUBLIC, 4))
    doc = room.state.document("budget")
    assert doc is not None
    assert doc.access is Access.PUBLIC
    assert len(room.state.documents) == 1


@pytest.mark.parametrize(
    "command",
    [
        c.RegisterDocument("", "Budget", Access.PUBLIC, 1),
        c.RegisterDocument("d" * 129, "Budget", Access.PUBLIC, 1),
        c.RegisterDocument("budget", "  ", Access.PUBLIC, 1),
        c.RegisterDocument("budget", "T" * 301, Access.PUBLIC, 1),
        c.RegisterDocument("budget", "Budget", Access.PUBLIC, 0),
        c.RegisterDocument("budget", "Budget", Access.PUBLIC, 10_001),
    ],
)
def test_register_document_refuses_out_of_range_arguments(command: c.Command) -> None:
    assert seated().code(command) == "invalid_args"


def test_register_document_accepts_the_boundaries() -> None:
    room = seated()
    room.do(c.RegisterDocument("d" * 128, "T" * 300, Access.PRESIDIUM, 10_000))
    room.do(c.RegisterDocument("d", "T", Access.PRESIDIUM, 1))
    assert len(room.state.documents) == 2


def test_show_page_and_hide_document() -> None:
    room = seated()
    room.do(c.RegisterDocument("budget", "Budget", Access.PUBLIC, 3))
    assert room.do(c.HideDocument()) == ()
    assert room.code(c.ShowPage("nothing", 1)) == "not_found"
    assert room.code(c.ShowPage("budget", 0)) == "not_found"
    assert room.code(c.ShowPage("budget", 4)) == "not_found"
    assert room.do(c.ShowPage("budget", 3)) == (e.PageShown("budget", 3),)
    assert room.do(c.ShowPage("budget", 3)) == ()
    assert room.do(c.ShowPage("budget", 1)) == (e.PageShown("budget", 1),)
    assert room.do(c.HideDocument()) == (e.DocumentHidden(),)
    assert room.state.showing is None


def test_a_shorter_new_version_moves_the_pointer_to_its_last_page() -> None:
    room = seated()
    room.do(c.RegisterDocument("budget", "Budget", Access.PUBLIC, 9))
    room.do(c.ShowPage("budget", 7))
    room.do(c.RegisterDocument("budget", "Budget v2", Access.PUBLIC, 5))
    assert room.state.showing is not None
    assert room.state.showing.page == 5
    room.do(c.RegisterDocument("budget", "Budget v3", Access.PUBLIC, 8))
    assert room.state.showing.page == 5


# --- Document files and their versions -------------------------------------------------

SHA_1, SHA_2 = "1" * 64, "2" * 64
A4 = PageSize(595, 842)


def upload(
    sha: str, pages: int, title: str = "Report", access: Access = Access.DELEGATES
) -> c.Command:
    return c.RegisterDocument("report", title, access, pages, sha, (A4,) * pages)


def test_a_file_registers_version_one_with_its_hash_and_page_sizes() -> None:
    room = seated()
    (event,) = room.do(upload(SHA_1, 2), SECRETARIAT)
    assert event == e.DocumentRegistered(
        "report", "Report", Access.DELEGATES, 2, 1, SHA_1, (A4, A4), at=room.now
    )
    doc = room.state.document("report")
    assert doc is not None
    assert doc.current == DocumentVersion(1, SHA_1, (A4, A4), room.now, doc.access)


def test_the_same_file_again_changes_nothing_and_a_new_file_is_the_next_version() -> None:
    room = seated()
    room.do(upload(SHA_1, 2))
    first_at = room.now
    assert room.do(upload(SHA_1, 2)) == ()
    (event,) = room.do(upload(SHA_2, 3))
    assert isinstance(event, e.DocumentRegistered)
    assert event.version == 2
    doc = room.state.document("report")
    assert doc is not None
    assert [(v.version, v.sha256, v.pages) for v in doc.versions] == [(1, SHA_1, 2), (2, SHA_2, 3)]
    assert doc.versions[0].registered_at == first_at, "the old version is kept as it was"
    assert doc.pages == 3
    assert doc.version(1) is not None
    assert doc.version(3) is None


def test_a_new_title_for_the_same_file_keeps_its_version() -> None:
    room = seated()
    room.do(upload(SHA_1, 2))
    (event,) = room.do(upload(SHA_1, 2, title="Report (final)"))
    assert isinstance(event, e.DocumentRegistered)
    assert event.version == 1
    doc = room.state.document("report")
    assert doc is not None
    assert (doc.title, len(doc.versions)) == ("Report (final)", 1)


def test_the_same_file_under_another_access_is_a_new_version_and_the_old_keeps_its_own() -> None:
    room = seated()
    room.do(upload(SHA_1, 2, access=Access.PRESIDIUM))
    (event,) = room.do(upload(SHA_1, 2, access=Access.PUBLIC))
    assert isinstance(event, e.DocumentRegistered)
    assert event.version == 2
    doc = room.state.document("report")
    assert doc is not None
    assert doc.access is Access.PUBLIC
    assert [(v.version, v.sha256, v.access) for v in doc.versions] == [
        (1, SHA_1, Access.PRESIDIUM),
        (2, SHA_1, Access.PUBLIC),
    ]
    assert room.do(upload(SHA_1, 2, access=Access.PUBLIC)) == ()


@pytest.mark.parametrize(
    "command",
    [
        c.RegisterDocument("report", "Report", Access.PUBLIC, 2, "abc", (A4, A4)),
        c.RegisterDocument("report", "Report", Access.PUBLIC, 2, "F" * 64, (A4, A4)),
        c.RegisterDocument("report", "Report", Access.PUBLIC, 2, SHA_1, (A4,)),
    ],
)
def test_a_file_needs_a_hash_and_a_size_for_every_page(command: c.Command) -> None:
    room = seated()
    assert room.code(command) == "invalid_args"


def test_documents_are_not_registered_from_the_wire() -> None:
    assert not c.RegisterDocument.from_wire
    hub_only = {
        "register_document",
        "revoke_token",
        "record_ballot",
        "submit_contribution",
        "sync_group",
        "report_group_status",
    }
    assert all(t.from_wire for name, t in c.COMMAND_TYPES.items() if name not in hub_only)
    assert not c.RevokeToken.from_wire
