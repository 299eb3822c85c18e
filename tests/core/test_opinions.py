"""Opinions in the core: who may record what for whom, the limits, the views, the roll-up."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from session_server.core import commands as c
from session_server.core import opinion_commands as oc
from session_server.core import opinion_events as oe
from session_server.core import opinion_rules
from session_server.core.decide import Actor, Rejection
from session_server.core.evolve import apply
from session_server.core.group_state import Group
from session_server.core.opinion_state import OpinionKind
from session_server.core.projection import personal, project
from session_server.core.state import Access, PageSize, Role
from session_server.opinions.rollup import Filter, readable_version, rollup

from .rooms import ANH, BINH, CHI, DUNG, PRESIDIUM, SECRETARIAT, Room, delegate, seated

PARAGRAPHS_V1 = (("p1-aaaa", "p1-bbbb"), ("p2-cccc", "p2-cccc-2"))
PARAGRAPHS_V2 = (("p1-aaaa", "p1-dddd"), ("p2-cccc", "p2-cccc-2"))
"""Version 2 changes the second paragraph of page 1."""
TEXTS = {
    "p1-aaaa": "1. Đánh giá kết quả nhiệm kỳ",
    "p1-bbbb": "a) Tốc độ tăng trưởng bình quân 7,5%",
    "p1-dddd": "a) Tốc độ tăng trưởng bình quân 8%",
    "p2-cccc": "Tổ chức thực hiện",
    "p2-cccc-2": "Tổ chức thực hiện",
}
GROUPS = {
    "to-1": Group("to-1", "Tổ 1", members=(ANH, BINH), chair=ANH, secretary=BINH),
    "to-2": Group("to-2", "Tổ 2", members=(CHI,), secretary=CHI),
}
"""Dung is in no group."""


def register(room: Room, sha: str, paragraphs: tuple[tuple[str, ...], ...]) -> None:
    room.do(
        c.RegisterDocument(
            "nq",
            "Dự thảo Nghị quyết",
            Access.DELEGATES,
            len(paragraphs),
            sha256=sha * 64,
            page_sizes=(PageSize(595, 842),) * len(paragraphs),
            paragraphs=paragraphs,
        ),
        SECRETARIAT,
    )


def drafting() -> Room:
    """A seated room with the draft resolution's version 1, the groups and a secret paper."""
    room = seated()
    register(room, "a", PARAGRAPHS_V1)
    room.do(
        c.RegisterDocument(
            "mat",
            "Đề án nhân sự",
            Access.PRESIDIUM,
            1,
            sha256="f" * 64,
            page_sizes=(PageSize(595, 842),),
            paragraphs=(("p1-ffff",),),
        ),
        SECRETARIAT,
    )
    room.state = replace(room.state, groups=GROUPS)
    return room


def opinion(
    paragraph: str = "p1-aaaa",
    kind: OpinionKind = OpinionKind.OTHER,
    text: str = "Đề nghị làm rõ.",
    wording: str = "",
    on_behalf_of: str | None = None,
    version: int = 1,
    document: str = "nq",
) -> oc.RecordOpinion:
    return oc.RecordOpinion(document, version, paragraph, kind, text, wording, on_behalf_of)


# --- the rules ---------------------------------------------------------------------------


def test_a_delegate_records_their_own_opinion_with_their_group() -> None:
    room = drafting()
    (event,) = room.do(opinion(), delegate(ANH))
    assert isinstance(event, oe.OpinionRecorded)
    assert (event.opinion_id, event.author, event.recorded_by, event.group_id) == (
        "opinion-1",
        ANH,
        ANH,
        "to-1",
    )
    (event,) = room.do(opinion(), delegate(DUNG))
    assert isinstance(event, oe.OpinionRecorded)
    assert event.group_id is None


def test_a_delegate_may_not_record_for_another() -> None:
    room = drafting()
    refused = room.refuse(opinion(on_behalf_of=BINH), delegate(CHI))
    assert (refused.code, refused.reason) == ("forbidden", "not_group_secretary")
    # Anh chairs group 1 but is not its secretary.
    assert room.refuse(opinion(on_behalf_of=BINH), delegate(ANH)).reason == "not_group_secretary"


def test_a_secretary_records_for_the_members_of_their_group_only() -> None:
    room = drafting()
    (event,) = room.do(opinion(on_behalf_of=ANH), delegate(BINH))
    assert isinstance(event, oe.OpinionRecorded)
    assert (event.author, event.recorded_by, event.group_id) == (ANH, BINH, "to-1")
    # Chi is group 2's secretary: not group 1's, and Dung is in no group.
    assert room.refuse(opinion(on_behalf_of=ANH), delegate(CHI)).reason == "not_group_secretary"
    assert room.refuse(opinion(on_behalf_of=DUNG), delegate(BINH)).reason == "not_group_secretary"


def test_the_secretariat_records_for_a_named_delegate_on_the_roll() -> None:
    room = drafting()
    assert room.refuse(opinion(), SECRETARIAT).reason == "delegate_not_named"
    assert room.refuse(opinion(on_behalf_of="dlg-ghost"), SECRETARIAT).reason == (
        "delegate_not_found"
    )
    (event,) = room.do(opinion(on_behalf_of=DUNG), SECRETARIAT)
    assert isinstance(event, oe.OpinionRecorded)
    assert (event.author, event.recorded_by) == (DUNG, None)
    assert room.code(opinion(on_behalf_of=DUNG), PRESIDIUM) == "forbidden"


@pytest.mark.parametrize(
    ("command", "reason"),
    [
        (opinion(document="none"), "document_not_found"),
        (opinion(document="mat", paragraph="p1-ffff"), "document_not_found"),
        (opinion(version=2), "version_not_found"),
        (opinion(paragraph="p9-zzzz"), "paragraph_not_found"),
        (opinion(kind=OpinionKind.AMEND, text="Sửa"), "opinion_invalid"),
        (opinion(kind=OpinionKind.AGREE, wording="Câu mới"), "opinion_invalid"),
        (opinion(kind=OpinionKind.ADD, text="  "), "opinion_invalid"),
        (opinion(text="x" * (opinion_rules.MAX_OPINION_TEXT + 1)), "opinion_length"),
        (
            opinion(kind=OpinionKind.AMEND, wording="x" * (opinion_rules.MAX_OPINION_TEXT + 1)),
            "opinion_length",
        ),
    ],
)
def test_a_bad_opinion_is_refused_clearly(command: oc.RecordOpinion, reason: str) -> None:
    room = drafting()
    assert room.refuse(command, delegate(ANH)).reason == reason
    assert room.state.opinions == {}


def test_agree_and_remove_stand_alone_and_an_amendment_is_its_wording() -> None:
    room = drafting()
    room.do(opinion(kind=OpinionKind.AGREE, text=""), delegate(ANH))
    room.do(opinion(kind=OpinionKind.REMOVE, text=""), delegate(ANH))
    (event,) = room.do(
        opinion(kind=OpinionKind.AMEND, text="", wording="  Câu mới. "), delegate(ANH)
    )
    assert isinstance(event, oe.OpinionRecorded)
    assert event.wording == "Câu mới."


def test_opinions_go_on_the_current_version_and_the_old_ones_stay_attached() -> None:
    room = drafting()
    room.do(opinion(paragraph="p1-bbbb"), delegate(ANH))
    register(room, "b", PARAGRAPHS_V2)
    assert room.refuse(opinion(paragraph="p1-aaaa"), delegate(ANH)).reason == "version_superseded"
    room.do(opinion(paragraph="p1-dddd", version=2), delegate(ANH))
    assert [(o.version, o.paragraph_id) for o in room.state.opinions.values()] == [
        (1, "p1-bbbb"),
        (2, "p1-dddd"),
    ]


def test_a_delegate_has_at_most_so_many_opinions_standing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(opinion_rules, "MAX_OPINIONS_PER_DELEGATE", 3)
    room = drafting()
    for _ in range(3):
        room.do(opinion(), delegate(ANH))
    assert room.refuse(opinion(), delegate(ANH)).reason == "opinion_limit"
    # The secretary's own count is theirs: recording for Anh is refused by Anh's count.
    assert room.refuse(opinion(on_behalf_of=ANH), delegate(BINH)).reason == "opinion_limit"
    room.do(opinion(), delegate(BINH))
    room.do(oc.WithdrawOpinion("opinion-1"), delegate(ANH))
    room.do(opinion(), delegate(ANH))


def test_an_opinion_is_withdrawn_by_its_author_or_its_recorder_only() -> None:
    room = drafting()
    room.do(opinion(on_behalf_of=ANH), delegate(BINH))  # opinion-1
    room.do(opinion(on_behalf_of=DUNG), SECRETARIAT)  # opinion-2
    room.do(opinion(), delegate(CHI))  # opinion-3
    for command, actor in (
        (oc.WithdrawOpinion("opinion-3"), delegate(ANH)),
        (oc.WithdrawOpinion("opinion-3"), SECRETARIAT),
        (oc.WithdrawOpinion("opinion-2"), delegate(BINH)),
        (oc.WithdrawOpinion("opinion-9"), delegate(ANH)),
    ):
        refused = room.refuse(command, actor)
        assert (refused.code, refused.reason) == ("not_found", "opinion_not_found")
    room.do(oc.WithdrawOpinion("opinion-1"), delegate(ANH))
    room.do(oc.WithdrawOpinion("opinion-2"), SECRETARIAT)
    room.do(oc.WithdrawOpinion("opinion-3"), delegate(CHI))
    assert room.state.opinions == {}
    assert room.state.opinions_created == 3


def test_no_opinion_after_the_adjournment() -> None:
    room = drafting()
    room.do(c.AdjournSession())
    assert room.refuse(opinion(), delegate(ANH)).reason == "session_adjourned"


# --- views and the roll-up ---------------------------------------------------------------


def test_views_hold_counts_and_ids_never_the_opinions() -> None:
    room = drafting()
    room.do(opinion(text="Bí mật của tổ"), delegate(ANH))
    room.do(opinion(on_behalf_of=ANH, text="Ý của đồng chí Anh"), delegate(BINH))
    for role in Role:
        shown = json.dumps(project(room.state, role), ensure_ascii=False)
        assert "Bí mật" not in shown
        assert "Ý của" not in shown
    staff = project(room.state, Role.SECRETARIAT)["opinions"]
    assert staff["total"] == 2
    assert staff["documents"] == [{"document_id": "nq", "version": 1, "count": 2}]
    for role in (Role.DELEGATE, Role.BOARD, Role.HALL):
        assert project(room.state, role)["opinions"] is None
    assert personal(room.state, ANH)["opinions"] == ["opinion-1", "opinion-2"]  # type: ignore[index]
    assert personal(room.state, BINH)["opinions"] == ["opinion-2"]  # type: ignore[index]
    assert personal(room.state, CHI)["opinions"] == []  # type: ignore[index]


def rolled(room: Room, role: Role, version: int | None = None, **wanted: object) -> dict:  # type: ignore[type-arg]
    found = readable_version(room.state, role, "nq", version)
    assert found is not None
    return rollup(room.state, *found, role, TEXTS, Filter(**wanted))  # type: ignore[arg-type]


def test_the_roll_up_counts_by_kind_and_group_and_hides_authors_from_delegates() -> None:
    room = drafting()
    room.do(opinion(kind=OpinionKind.AGREE, text=""), delegate(ANH))
    room.do(opinion(kind=OpinionKind.AMEND, text="", wording="Câu mới"), delegate(CHI))
    room.do(opinion(paragraph="p2-cccc-2", text="Tăng trưởng xanh"), delegate(DUNG))
    staff = rolled(room, Role.SECRETARIAT)
    assert [p["id"] for p in staff["paragraphs"]] == ["p1-aaaa", "p1-bbbb", "p2-cccc", "p2-cccc-2"]
    first = staff["paragraphs"][0]
    assert first["kinds"] == {"agree": 1, "amend": 1, "add": 0, "remove": 0, "other": 0}
    assert first["groups"] == {"to-1": 1, "to-2": 1}
    assert staff["paragraphs"][3]["groups"] == {"": 1}
    assert first["quotes"][0]["author"] == {
        "delegate_id": ANH,
        "name": "Delegate 0",
        "unit": "Unit 0",
    }
    assert staff["total"] == 3
    seen = rolled(room, Role.DELEGATE)
    assert all("author" not in q for p in seen["paragraphs"] for q in p["quotes"])
    assert readable_version(room.state, Role.BOARD, "nq", None) is None
    assert readable_version(room.state, Role.HALL, "nq", None) is None
    room.do(oc.ShowOpinionAuthors(shown=True))
    seen = rolled(room, Role.DELEGATE)
    assert seen["paragraphs"][0]["quotes"][0]["author"]["name"] == "Delegate 0"


def test_the_roll_up_filters_and_searches_accent_blind() -> None:
    room = drafting()
    room.do(opinion(kind=OpinionKind.AGREE, text=""), delegate(ANH))
    room.do(opinion(paragraph="p1-bbbb", text="Tăng trưởng xanh"), delegate(CHI))
    room.do(opinion(paragraph="p2-cccc", text="Khác"), delegate(DUNG))
    assert [p["id"] for p in rolled(room, Role.PRESIDIUM, query="tang truong")["paragraphs"]] == [
        "p1-bbbb"
    ]
    assert [p["id"] for p in rolled(room, Role.PRESIDIUM, group_id="")["paragraphs"]] == ["p2-cccc"]
    by_kind = rolled(room, Role.PRESIDIUM, kind=OpinionKind.AGREE)
    assert [p["id"] for p in by_kind["paragraphs"]] == ["p1-aaaa"]
    assert by_kind["total"] == 1
    # The paragraph's own text is searched too.
    assert rolled(room, Role.PRESIDIUM, query="DANH GIA")["total"] == 1


def test_a_new_version_marks_the_changed_paragraphs_of_the_old_one() -> None:
    room = drafting()
    room.do(opinion(paragraph="p1-bbbb"), delegate(ANH))
    room.do(opinion(paragraph="p1-aaaa"), delegate(ANH))
    register(room, "b", PARAGRAPHS_V2)
    old = rolled(room, Role.SECRETARIAT, version=1)
    assert (old["version"], old["current_version"]) == (1, 2)
    assert {p["id"]: p["changed"] for p in old["paragraphs"]} == {
        "p1-aaaa": False,
        "p1-bbbb": True,
        "p2-cccc": False,
        "p2-cccc-2": False,
    }
    assert old["total"] == 2
    new = rolled(room, Role.SECRETARIAT)
    assert new["version"] == 2
    assert new["total"] == 0
    assert not any(p["changed"] for p in new["paragraphs"])


# --- properties ----------------------------------------------------------------------------

ACTORS = [delegate(ANH), delegate(BINH), delegate(CHI), delegate(DUNG), SECRETARIAT]
STEPS = st.lists(
    st.one_of(
        st.tuples(
            st.just("record"),
            st.sampled_from(ACTORS),
            st.sampled_from(["p1-aaaa", "p1-bbbb", "p2-cccc", "p9-none"]),
            st.sampled_from(list(OpinionKind)),
            st.sampled_from(["", "Ý kiến", "x" * 2001]),
            st.sampled_from(["", "Câu mới"]),
            st.sampled_from([None, ANH, BINH, CHI, DUNG]),
        ),
        st.tuples(st.just("withdraw"), st.sampled_from(ACTORS), st.integers(1, 12)),
        st.tuples(st.just("version"), st.sampled_from(ACTORS)),
    ),
    max_size=25,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(STEPS)
def test_any_sequence_keeps_opinions_on_real_paragraphs_and_counts_exact(steps: list) -> None:  # type: ignore[type-arg]
    room = drafting()
    versions = 1
    for step in steps:
        if step[0] == "version":
            versions += 1
            register(room, "bcdef"[versions - 2] if versions <= 6 else "e", PARAGRAPHS_V2)
            continue
        actor: Actor = step[1]
        if step[0] == "record":
            _, _, paragraph, kind, text, wording, behalf = step
            command: c.Command = opinion(
                paragraph, kind, text, wording, behalf, version=min(versions, 6)
            )
        else:
            command = oc.WithdrawOpinion(f"opinion-{step[2]}")
        before = room.state
        outcome = room.decide(command, actor)
        if isinstance(outcome, Rejection):
            assert room.state is before
            continue
        if outcome:
            room.state = apply(room.state, room.state.seq + 1, outcome)
        for event in outcome:
            if isinstance(event, oe.OpinionRecorded):
                # Whoever recorded it: the author, their group's secretary, or the secretariat.
                if event.recorded_by is None:
                    assert actor.role is Role.SECRETARIAT
                elif event.recorded_by != event.author:
                    group = GROUPS.get(event.group_id or "")
                    assert group is not None
                    assert group.secretary == event.recorded_by
                    assert event.author in group.members
    for o in room.state.opinions.values():
        doc = room.state.document(o.document_id)
        assert doc is not None
        version = doc.version(o.version)
        assert version is not None
        assert any(o.paragraph_id in page for page in version.paragraphs)
        assert len(o.text) <= opinion_rules.MAX_OPINION_TEXT
        assert (o.kind is OpinionKind.AMEND) == bool(o.wording)
    for number in range(1, min(versions, 6) + 1):
        found = readable_version(room.state, Role.SECRETARIAT, "nq", number)
        if found is None:
            continue
        summed = rollup(room.state, *found, Role.SECRETARIAT, TEXTS)
        standing = [o for o in room.state.opinions.values() if o.version == number]
        assert summed["total"] == len(standing)
        assert sum(p["total"] for p in summed["paragraphs"]) == len(standing)
        for p in summed["paragraphs"]:
            assert sum(p["kinds"].values()) == sum(p["groups"].values()) == len(p["quotes"])
    for name in (ANH, BINH, CHI, DUNG):
        mine = personal(room.state, name)
        assert mine is not None
        assert mine["opinions"] == [
            o.id for o in room.state.opinions.values() if name in (o.author, o.recorded_by)
        ]
