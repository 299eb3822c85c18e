"""The checkpoint in the pure core: who may ask, what is decided, what every view shows."""

from __future__ import annotations

from session_server.core import commands as c
from session_server.core import events as e
from session_server.core.decide import Actor, Rejection, create_room, decide
from session_server.core.evolve import apply
from session_server.core.projection import project
from session_server.core.state import Role, RoomState, SessionStatus
from session_server.record.checkpoints import checkpoint_reason


def room() -> RoomState:
    created = create_room("r", "Đại hội")
    assert not isinstance(created, Rejection)
    return apply(RoomState(room="r"), 1, created)


def test_only_the_presidium_asks_for_a_checkpoint_and_it_is_decided_unsealed() -> None:
    state = room()
    for role in (Role.SECRETARIAT, Role.DELEGATE, Role.BOARD, Role.HALL):
        refused = decide(state, c.RecordCheckpoint(), Actor(role), 0)
        assert isinstance(refused, Rejection)
        assert refused.code == "forbidden"
    (event,) = decide(state, c.RecordCheckpoint(), Actor(Role.PRESIDIUM), 0)  # type: ignore[misc]
    assert event == e.CheckpointRecorded(reason="on_demand", head_seq=1)
    assert not event.sealed, "the writer signs it, never the core"


def test_a_checkpoint_is_shown_to_every_audience_and_not_asked_again_over_itself() -> None:
    state = room()
    key = e.SigningKeyRegistered(key_id="ab" * 16, public_key="cd" * 32)
    checkpoint = e.CheckpointRecorded(
        reason="on_demand",
        head_seq=1,
        head_hash="ef" * 32,
        fingerprint="EFEF EFEF EFEF EFEF",
        key_id="ab" * 16,
        signature="00" * 64,
    )
    state = apply(state, 2, (key, checkpoint))
    assert state.signing_keys == {"ab" * 16}
    for role in Role:
        assert project(state, role)["session"]["checkpoint"] == "EFEF EFEF EFEF EFEF"
    assert decide(state, c.RecordCheckpoint(), Actor(Role.PRESIDIUM), 0) == ()
    state = apply(state, 3, (e.AnnouncementWithdrawn(announcement_id="x"),))
    assert decide(state, c.RecordCheckpoint(), Actor(Role.PRESIDIUM), 0) != ()


def test_an_item_s_end_and_the_adjournment_call_for_a_checkpoint() -> None:
    assert checkpoint_reason((e.ItemClosed(item_id="i"), e.ItemOpened(item_id="j"))) == (
        "item_closed"
    )
    adjourned = e.SessionStatusChanged(status=SessionStatus.ADJOURNED, at=0)
    assert checkpoint_reason((adjourned,)) == "adjourned"
    suspended = e.SessionStatusChanged(status=SessionStatus.SUSPENDED, at=0)
    assert checkpoint_reason((suspended, e.ItemOpened(item_id="j"))) is None


def test_a_vote_s_close_and_an_election_s_count_call_for_a_checkpoint() -> None:
    from session_server.core import vote_events as ve
    from session_server.core.vote_state import Result

    assert checkpoint_reason((ve.VoteClosed(vote_id="vote-1", at=0),)) == "vote_closed"
    counted = ve.VoteCounted(vote_id="vote-1", result=Result(base=8, counts=(5, 1, 1)))
    assert checkpoint_reason((counted,)) == "vote_counted"
    assert checkpoint_reason((ve.VoteOpened("vote-1", frozenset({"a"}), 1, 0),)) is None
