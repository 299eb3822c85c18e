"""Each section of a view is made from the state fields `SECTION_READS` names and no others,
so `reproject` may reuse a section while those fields are unchanged."""

from __future__ import annotations

import inspect
import itertools
import types
from dataclasses import fields, replace
from typing import Any

import pytest

from session_server.backends.base import decode_record
from session_server.core.evolve import apply
from session_server.core.projection import (
    _BUILDERS,
    SECTION_READS,
    SECTIONS,
    changed_fields,
    project,
    reproject,
)
from session_server.core.state import Role, RoomState
from tests.golden.test_golden import GOLDEN_STATES, golden

STATE_FIELDS = frozenset(f.name for f in fields(RoomState))


class Reading:
    """Stands in for a RoomState and notes every field read, through its methods too."""

    def __init__(self, state: RoomState) -> None:
        self._state = state
        self.read: set[str] = set()

    def __getattr__(self, name: str) -> Any:
        method = getattr(RoomState, name, None)
        if inspect.isfunction(method):
            # Run with this stand-in as `self`, so the fields the method reads are noted.
            return types.MethodType(method, self)
        self.read.add(name)
        return getattr(self._state, name)


def states_of(name: str) -> list[RoomState]:
    """The state after each record of a golden log."""
    room, bodies = golden(name)
    state = RoomState(room=room)
    states = []
    for seq, body in bodies:
        state = apply(state, seq, decode_record(seq, body).events)
        states.append(state)
    return states


def test_every_section_has_a_builder_and_its_reads_named() -> None:
    assert tuple(_BUILDERS) == SECTIONS
    assert set(SECTION_READS) == set(SECTIONS)
    for reads in SECTION_READS.values():
        assert set(reads) <= STATE_FIELDS


@pytest.mark.parametrize("name", sorted(GOLDEN_STATES))
def test_each_section_reads_only_the_fields_it_names(name: str) -> None:
    seen: dict[str, set[str]] = {section: set() for section in SECTIONS}
    for state in states_of(name):
        for audience in Role:
            for section, build in _BUILDERS.items():
                reading = Reading(state)
                build(reading, audience)  # type: ignore[arg-type]
                assert reading.read <= set(SECTION_READS[section]), (section, audience)
                seen[section] |= reading.read
    # The stand-in does see the reads (a section that read nothing would prove nothing).
    assert seen["speakers"] >= {"current_item", "speakers"}
    assert seen["document"] >= {"showing", "documents"}


@pytest.mark.parametrize("name", sorted(GOLDEN_STATES))
def test_reprojecting_along_a_log_gives_the_whole_projection(name: str) -> None:
    states = states_of(name)
    views = {audience: project(states[0], audience) for audience in Role}
    reused = 0
    for before, after in itertools.pairwise(states):
        for audience in Role:
            again = reproject(after, views[audience], audience, changed_fields(before, after))
            assert again == project(after, audience)
            reused += sum(again[s] is views[audience][s] for s in SECTIONS)
            views[audience] = again
    assert reused > 0


def test_a_page_turn_rebuilds_only_the_document() -> None:
    states = states_of("congress-2026-12-01.msgpack")
    state = next(s for s in reversed(states) if s.showing is not None)
    assert state.showing is not None
    turned = replace(state, showing=replace(state.showing, page=state.showing.page + 1))
    view = project(state, Role.DELEGATE)
    assert changed_fields(state, turned) == {"showing"}
    again = reproject(turned, view, Role.DELEGATE, changed_fields(state, turned))
    assert [s for s in SECTIONS if again[s] is not view[s]] == ["document"]
    assert again == project(turned, Role.DELEGATE)


def test_a_field_changed_in_place_would_go_unseen() -> None:
    # Why the state must never be changed in place: the sections made from it are reused.
    state = states_of("congress-2026-12-01.msgpack")[-1]
    assert state.announcements
    view = project(state, Role.BOARD)
    fewer = replace(state, announcements=state.announcements[1:])
    changed = changed_fields(state, fewer)
    assert reproject(fewer, view, Role.BOARD, changed)["announcements"] != view["announcements"]
