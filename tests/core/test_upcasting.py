"""Upcasting: stored events of older versions read at the current one, step by step."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar

import pytest

from session_server.core import events as e
from session_server.core.events import EVENT_TYPES, event_from_plain, event_to_plain
from session_server.core.upcasting import UPCASTERS, Fields, UpcastError, Upcasters


def chain() -> tuple[Upcasters, list[str]]:
    """floor_requested through versions 1 to 3, each step noting that it ran."""
    upcasters = Upcasters()
    ran: list[str] = []

    @upcasters.register("floor_requested", 1)
    def upcast_floor_requested_v1_v2(fields: Fields) -> Fields:
        ran.append("v1->v2")
        fields["requested_at"] = fields.pop("at")
        return fields

    @upcasters.register("floor_requested", 2)
    def upcast_floor_requested_v2_v3(fields: Fields) -> Fields:
        ran.append("v2->v3")
        # Reads the field the step before it made: the steps run in order.
        fields["requested_at_s"] = fields.pop("requested_at") // 1000
        return fields

    return upcasters, ran


V1 = {"item_id": "item-1", "delegate_id": "d1", "at": 5000, "position": 0}


def test_the_steps_run_in_order_from_the_stored_version_to_the_current() -> None:
    upcasters, ran = chain()
    current = upcasters.upcast("floor_requested", 1, 3, V1)
    assert current == {"item_id": "item-1", "delegate_id": "d1", "requested_at_s": 5, "position": 0}
    assert ran == ["v1->v2", "v2->v3"]
    assert V1["at"] == 5000, "the stored fields are left alone"


def test_a_stored_event_starts_at_its_own_version() -> None:
    upcasters, ran = chain()
    v2 = {"item_id": "item-1", "delegate_id": "d1", "requested_at": 7000, "position": 0}
    assert upcasters.upcast("floor_requested", 2, 3, v2)["requested_at_s"] == 7
    assert ran == ["v2->v3"]
    assert upcasters.upcast("floor_requested", 3, 3, {"x": 1}) == {"x": 1}
    assert ran == ["v2->v3"], "an event of the current version is read as it is"


def test_an_event_of_a_later_version_is_refused() -> None:
    upcasters, _ = chain()
    with pytest.raises(UpcastError, match="version 4 is newer than this code reads"):
        upcasters.upcast("floor_requested", 4, 3, V1)


def test_a_missing_step_is_refused_by_name() -> None:
    upcasters, _ = chain()
    with pytest.raises(UpcastError, match="from version 3 to 4"):
        upcasters.upcast("floor_requested", 1, 4, V1)
    with pytest.raises(UpcastError, match="no upcaster brings event 'speech_ended' from version 1"):
        upcasters.upcast("speech_ended", 1, 2, {})


@pytest.mark.parametrize("version", [0, -1, True, "1", None, 1.0])
def test_a_version_that_is_not_a_positive_integer_is_refused(version: object) -> None:
    with pytest.raises(UpcastError, match="no valid version"):
        Upcasters().upcast("speech_ended", version, 1, {})


def test_a_step_is_registered_once_from_version_1_up() -> None:
    upcasters, _ = chain()
    with pytest.raises(ValueError, match="already has an upcaster from version 1"):
        upcasters.register("floor_requested", 1)(dict)
    with pytest.raises(ValueError, match="start at 1"):
        upcasters.register("floor_requested", 0)(dict)


def test_every_event_kind_has_every_step_to_its_current_version() -> None:
    for kind, cls in EVENT_TYPES.items():
        for version in range(1, cls.class_version):
            assert (kind, version) in UPCASTERS.steps, f"{kind} has no upcaster from {version}"
    for kind, version in UPCASTERS.steps:
        assert kind in EVENT_TYPES, f"an upcaster for no event kind: {kind}"
        assert version < EVENT_TYPES[kind].class_version, f"{kind} is not past version {version}"


# --- The stored form of an event ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SpeechEndedV2(e.Event):
    """speech_ended as a later release might have it."""

    kind: ClassVar[str] = "speech_ended"
    class_version: ClassVar[int] = 2
    item_id: str
    ended_at: int


def test_an_event_of_version_1_is_stored_without_a_version() -> None:
    assert all(cls.class_version == 1 for cls in EVENT_TYPES.values())
    assert event_to_plain(e.SpeechEnded("item-1", 5)) == {
        "kind": "speech_ended",
        "item_id": "item-1",
        "at": 5,
    }
    assert event_from_plain({"kind": "speech_ended", "v": 1, "item_id": "i", "at": 5}) == (
        e.SpeechEnded("i", 5)
    )


def test_no_event_has_a_field_named_like_its_kind_or_version() -> None:
    for cls in EVENT_TYPES.values():
        assert not {"kind", "v"} & {f.name for f in dataclasses.fields(cls)}, cls


def test_an_event_of_a_later_version_is_stored_with_it_and_read_through_its_upcasters(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(EVENT_TYPES, "speech_ended", SpeechEndedV2)
    monkeypatch.setattr(UPCASTERS, "steps", dict(UPCASTERS.steps))
    plain = event_to_plain(SpeechEndedV2("item-1", 5))
    assert plain == {"kind": "speech_ended", "v": 2, "item_id": "item-1", "ended_at": 5}
    assert event_from_plain(plain) == SpeechEndedV2("item-1", 5)
    stored_today: dict[str, Any] = {"kind": "speech_ended", "item_id": "item-1", "at": 5}
    with pytest.raises(UpcastError, match="from version 1 to 2"):
        event_from_plain(stored_today)

    @UPCASTERS.register("speech_ended", 1)
    def upcast_speech_ended_v1_v2(fields: Fields) -> Fields:
        return {"item_id": fields["item_id"], "ended_at": fields["at"]}

    assert event_from_plain(stored_today) == SpeechEndedV2("item-1", 5)
    with pytest.raises(UpcastError, match="version 3 is newer"):
        event_from_plain({**plain, "v": 3})
