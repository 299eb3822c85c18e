"""Written contributions in the core: who may submit, accept, return, publish; what each sees."""

from __future__ import annotations

import hashlib

import pytest

from session_server.core import commands as c
from session_server.core import contribution_commands as cc
from session_server.core import contribution_events as ce
from session_server.core.contribution_rules import MAX_CONTRIBUTIONS, MAX_RETURN_REASON
from session_server.core.contribution_state import ContributionKind, ContributionStatus
from session_server.core.projection import personal, project
from session_server.core.replay import state_bytes, state_from_bytes
from session_server.core.state import Access, PageSize, Role

from .rooms import ANH, BINH, DUNG, GHOST, PRESIDIUM, SECRETARIAT, Room, delegate, seated


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def pdf(
    title: str = "Tham luận về chuyển đổi số", pages: int = 2, **more: object
) -> cc.SubmitContribution:
    return cc.SubmitContribution(
        title=title,
        kind=ContributionKind.PDF,
        sha256=sha(title),
        size=12_345,
        pdf_sha256=sha(title),
        page_sizes=(PageSize(595, 842),) * pages,
        **more,  # type: ignore[arg-type]
    )


def text(title: str = "Ý kiến về công tác cán bộ") -> cc.SubmitContribution:
    return cc.SubmitContribution(
        title=title,
        kind=ContributionKind.TEXT,
        sha256=sha("words of " + title),
        size=2_000,
        pdf_sha256=sha("laid out " + title),
        page_sizes=(PageSize(595, 842),),
    )


CONTRIBUTION_SAMPLES = (
    pdf("Tham luận mẫu"),
    cc.AcceptContribution("tl-1"),
    cc.ReturnContribution("tl-1", "Đề nghị bổ sung số liệu"),
    cc.MakeContributionDocument("tl-2", Access.DELEGATES),
)
"""One of each contribution command that changes the busy room of test_decide."""


def with_contributions(room: Room) -> None:
    """DUNG's tl-1 submitted, tl-2 accepted: what the samples act on."""
    room.do(pdf("Một"), delegate(DUNG))
    room.do(text("Hai"), delegate(DUNG))
    room.do(cc.AcceptContribution("tl-2"), SECRETARIAT)


def test_a_delegate_submits_and_the_secretariat_accepts_then_publishes() -> None:
    room = seated()
    (submitted,) = room.do(pdf(), delegate(ANH))
    assert submitted == ce.ContributionSubmitted(
        contribution_id="tl-1",
        delegate_id=ANH,
        title="Tham luận về chuyển đổi số",
        contribution_kind=ContributionKind.PDF,
        sha256=sha("Tham luận về chuyển đổi số"),
        size=12_345,
        submitted_at=room.now,
        version=1,
        pdf_sha256=sha("Tham luận về chuyển đổi số"),
        page_sizes=(PageSize(595, 842),) * 2,
    )
    assert room.state.contributions["tl-1"].status is ContributionStatus.SUBMITTED
    assert room.do(cc.AcceptContribution("tl-1"), SECRETARIAT) == (
        ce.ContributionAccepted("tl-1", ANH),
    )
    assert room.do(cc.AcceptContribution("tl-1"), SECRETARIAT) == ()
    _registered, published = room.do(cc.MakeContributionDocument("tl-1", Access.DELEGATES))
    assert published == ce.ContributionPublished("tl-1", ANH, "tham-luan-1", Access.DELEGATES)
    doc = room.state.document("tham-luan-1")
    assert doc is not None
    assert (doc.access, doc.pages) == (Access.DELEGATES, 2)
    assert doc.current is not None
    assert doc.current.sha256 == sha("Tham luận về chuyển đổi số")
    assert doc.title == "Tham luận về chuyển đổi số — Delegate 0"
    contribution = room.state.contributions["tl-1"]
    assert (contribution.status, contribution.document_id) == (
        ContributionStatus.PUBLISHED,
        "tham-luan-1",
    )
    # The same access again changes nothing; another makes the next version of the document.
    assert room.do(cc.MakeContributionDocument("tl-1", Access.DELEGATES)) == ()
    room.do(cc.MakeContributionDocument("tl-1", Access.PUBLIC), SECRETARIAT)
    doc = room.state.document("tham-luan-1")
    assert doc is not None
    assert [v.access for v in doc.versions] == [Access.DELEGATES, Access.PUBLIC]


def test_a_returned_contribution_is_sent_again_as_its_next_version() -> None:
    room = seated()
    room.do(text(), delegate(ANH))
    room.do(cc.ReturnContribution("tl-1", "  Đề nghị rút gọn  "), SECRETARIAT)
    returned = room.state.contributions["tl-1"]
    assert (returned.status, returned.reason) == (ContributionStatus.RETURNED, "Đề nghị rút gọn")
    assert room.refuse(cc.AcceptContribution("tl-1"), SECRETARIAT).reason == "contribution_status"
    assert room.refuse(cc.MakeContributionDocument("tl-1", Access.PUBLIC)).reason == (
        "contribution_status"
    )
    (again,) = room.do(pdf("Bản sửa", replaces="tl-1"), delegate(ANH))
    assert isinstance(again, ce.ContributionSubmitted)
    assert (again.contribution_id, again.version) == ("tl-1", 2)
    renewed = room.state.contributions["tl-1"]
    assert (renewed.status, renewed.reason, renewed.title) == (
        ContributionStatus.SUBMITTED,
        "",
        "Bản sửa",
    )
    assert room.state.contributions_created == 1


def test_only_the_author_sends_a_new_version_and_only_of_a_returned_one() -> None:
    room = seated()
    room.do(text(), delegate(ANH))
    # Not returned yet.
    assert room.refuse(pdf(replaces="tl-1"), delegate(ANH)).reason == "contribution_status"
    room.do(cc.ReturnContribution("tl-1", "Thiếu chữ ký"), SECRETARIAT)
    # Another delegate's contribution is answered as one that does not exist.
    others = room.refuse(pdf(replaces="tl-1"), delegate(BINH))
    missing = room.refuse(pdf(replaces="tl-9"), delegate(BINH))
    assert (others.code, others.reason) == (missing.code, missing.reason)
    assert (others.code, others.reason) == ("not_found", "contribution_not_found")


@pytest.mark.parametrize(
    ("command", "actor", "reason"),
    [
        (pdf(), delegate(GHOST), "not_on_roll"),
        (pdf(title="   "), delegate(ANH), "title_length"),
        (pdf(title="x" * 301), delegate(ANH), "title_length"),
        (pdf(pages=0), delegate(ANH), "document_file_invalid"),
        (pdf(pages=201), delegate(ANH), "document_file_invalid"),
        (
            cc.SubmitContribution(
                "T", ContributionKind.PDF, "nothex", 1, "nothex", (PageSize(1, 1),)
            ),
            delegate(ANH),
            "document_file_invalid",
        ),
        (
            cc.SubmitContribution(
                "T", ContributionKind.PDF, sha("a"), 1, sha("b"), (PageSize(1, 1),)
            ),
            delegate(ANH),
            "document_file_invalid",
        ),
        (
            cc.SubmitContribution(
                "T", ContributionKind.TEXT, sha("a"), 0, sha("b"), (PageSize(1, 1),)
            ),
            delegate(ANH),
            "document_file_invalid",
        ),
        (cc.AcceptContribution("tl-9"), SECRETARIAT, "contribution_not_found"),
        (cc.ReturnContribution("tl-1", "  "), SECRETARIAT, "contribution_reason_length"),
        (
            cc.ReturnContribution("tl-1", "x" * (MAX_RETURN_REASON + 1)),
            SECRETARIAT,
            "contribution_reason_length",
        ),
        (cc.MakeContributionDocument("tl-1", Access.PUBLIC), SECRETARIAT, "contribution_status"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(
    command: c.Command, actor: object, reason: str
) -> None:
    room = seated()
    room.do(text(), delegate(DUNG))
    before = state_bytes(room.state)
    refused = room.refuse(command, actor)  # type: ignore[arg-type]
    assert refused.reason == reason
    assert state_bytes(room.state) == before


@pytest.mark.parametrize(
    ("command", "role"),
    [
        (pdf(), Role.PRESIDIUM),
        (pdf(), Role.SECRETARIAT),
        (pdf(), Role.BOARD),
        (cc.AcceptContribution("tl-1"), Role.DELEGATE),
        (cc.ReturnContribution("tl-1", "Không"), Role.DELEGATE),
        (cc.MakeContributionDocument("tl-1", Access.PUBLIC), Role.DELEGATE),
        (cc.AcceptContribution("tl-1"), Role.HALL),
    ],
)
def test_who_may_do_what(command: c.Command, role: Role) -> None:
    from session_server.core.decide import Actor

    room = seated()
    room.do(text(), delegate(DUNG))
    actor = delegate(ANH) if role is Role.DELEGATE else Actor(role)
    assert room.code(command, actor) == "forbidden"


def test_a_delegate_has_at_most_so_many_contributions() -> None:
    room = seated()
    for n in range(MAX_CONTRIBUTIONS):
        room.do(pdf(f"Tham luận {n}"), delegate(ANH))
    assert room.refuse(pdf("Một nữa"), delegate(ANH)).reason == "contribution_limit"
    room.do(pdf("Của người khác"), delegate(BINH))


def test_a_contribution_cannot_be_returned_once_published() -> None:
    room = seated()
    room.do(pdf(), delegate(ANH))
    room.do(cc.AcceptContribution("tl-1"), SECRETARIAT)
    room.do(cc.MakeContributionDocument("tl-1", Access.PRESIDIUM), SECRETARIAT)
    assert room.refuse(cc.ReturnContribution("tl-1", "Muộn"), SECRETARIAT).reason == (
        "contribution_status"
    )


def test_staff_see_the_list_an_author_their_own_and_no_one_else_anything() -> None:
    room = seated()
    room.do(pdf("Của đồng chí An"), delegate(ANH))
    room.do(text("Của đồng chí Bình"), delegate(BINH))
    room.do(cc.ReturnContribution("tl-2", "Đề nghị viết gọn"), SECRETARIAT)
    staff = project(room.state, Role.PRESIDIUM)["contributions"]
    assert [(k["id"], k["title"], k["name"], k["unit"], k["status"]) for k in staff] == [
        ("tl-1", "Của đồng chí An", "Delegate 0", "Unit 0", "submitted"),
        ("tl-2", "Của đồng chí Bình", "Delegate 1", "Unit 1", "returned"),
    ]
    assert project(room.state, Role.SECRETARIAT)["contributions"] == staff
    for audience in (Role.DELEGATE, Role.BOARD, Role.HALL):
        view = project(room.state, audience)
        assert view["contributions"] is None
        assert "Của đồng chí" not in repr(view)
    own = personal(room.state, BINH)
    assert own is not None
    assert [(k["id"], k["status"], k["reason"]) for k in own["contributions"]] == [
        ("tl-2", "returned", "Đề nghị viết gọn")
    ]
    other = personal(room.state, DUNG)
    assert other is not None
    assert other["contributions"] == []
    # No frame carries a file's hash: the body is read over HTTP by those allowed.
    assert sha("Của đồng chí An") not in repr(staff)


def test_a_published_contribution_reaches_the_audiences_of_its_access_as_a_document() -> None:
    room = seated()
    room.do(pdf(), delegate(ANH))
    room.do(cc.AcceptContribution("tl-1"), SECRETARIAT)
    room.do(cc.MakeContributionDocument("tl-1", Access.DELEGATES), SECRETARIAT)
    ids = {
        role: [d["id"] for d in project(room.state, role)["documents"]]
        for role in (Role.DELEGATE, Role.BOARD, Role.HALL)
    }
    assert ids == {
        Role.DELEGATE: ["tham-luan-1"],
        Role.BOARD: [],
        Role.HALL: ["tham-luan-1"],
    }


def test_contributions_survive_a_snapshot() -> None:
    room = seated()
    room.do(pdf(), delegate(ANH))
    room.do(cc.ReturnContribution("tl-1", "Lý do"), PRESIDIUM)
    assert state_from_bytes(state_bytes(room.state)) == room.state
