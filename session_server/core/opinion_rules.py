"""decide for the opinions: who may record one, on what paragraph, for whom, and how much."""

from __future__ import annotations

from . import opinion_commands as oc
from . import opinion_events as oe
from .decide import Actor, Decision, Rejection, rule
from .errors import RuleReason
from .group_state import group_of
from .opinion_state import OpinionKind
from .state import Role, RoomState, audience_may_see

MAX_OPINION_TEXT = 2000
"""Characters of an opinion's text, and of an amendment's proposed wording."""
MAX_OPINIONS_PER_DELEGATE = 200
"""Opinions one delegate may have standing (withdrawn ones do not count)."""
MAX_OPINIONS = 50_000
"""Opinions a room keeps standing: far above a congress's discussion, well within memory."""

_NEEDS_TEXT = frozenset({OpinionKind.ADD, OpinionKind.OTHER})
"""Kinds whose text says what the opinion is; agree and remove may stand alone, and an
amendment is its wording."""


def _bad(reason: RuleReason, message: str) -> Rejection:
    return Rejection("invalid_args", message, reason)


def _forbidden(reason: RuleReason, message: str) -> Rejection:
    return Rejection("forbidden", message, reason)


def _author(command: oc.RecordOpinion, state: RoomState, actor: Actor) -> str | Rejection:
    """Whose opinion this is, if the actor may record it for them."""
    if actor.role is Role.SECRETARIAT:
        if command.on_behalf_of is None:
            return _bad("delegate_not_named", "the secretariat names the delegate (on_behalf_of)")
        if command.on_behalf_of not in state.delegates:
            return Rejection(
                "not_found",
                f"no delegate {command.on_behalf_of!r} on the roll",
                "delegate_not_found",
            )
        return command.on_behalf_of
    me = actor.delegate_id
    if me is None or me not in state.delegates:
        return _forbidden("not_on_roll", "this token's delegate is not on the roll")
    if command.on_behalf_of is None or command.on_behalf_of == me:
        return me
    group = group_of(state.groups, command.on_behalf_of)
    if group is None or group.secretary != me:
        return _forbidden(
            "not_group_secretary",
            "only the secretary of the delegate's group records an opinion on their behalf",
        )
    return command.on_behalf_of


@rule
def _(command: oc.RecordOpinion, state: RoomState, actor: Actor, now: int) -> Decision:
    doc = state.document(command.document_id)
    if doc is None or not audience_may_see(actor.role, doc.access):
        return Rejection("not_found", f"no document {command.document_id!r}", "document_not_found")
    version = doc.version(command.version)
    if version is None or not audience_may_see(actor.role, version.access):
        return Rejection(
            "not_found", f"no version {command.version} of {doc.id}", "version_not_found"
        )
    if doc.current is not version:
        return Rejection(
            "invalid_state",
            f"version {command.version} of {doc.id} has been replaced by a newer one",
            "version_superseded",
        )
    if not any(command.paragraph_id in page for page in version.paragraphs):
        return Rejection(
            "not_found",
            f"no paragraph {command.paragraph_id[:64]!r} in this version",
            "paragraph_not_found",
        )
    text, wording = command.text.strip(), command.wording.strip()
    if len(text) > MAX_OPINION_TEXT or len(wording) > MAX_OPINION_TEXT:
        return _bad(
            "opinion_length", f"an opinion's text has at most {MAX_OPINION_TEXT} characters"
        )
    if command.kind is OpinionKind.AMEND and not wording:
        return _bad("opinion_invalid", "an amendment gives the proposed wording")
    if command.kind is not OpinionKind.AMEND and wording:
        return _bad("opinion_invalid", "only an amendment has a proposed wording")
    if command.kind in _NEEDS_TEXT and not text:
        return _bad("opinion_invalid", f"an opinion of the kind {command.kind.value} has a text")
    author = _author(command, state, actor)
    if isinstance(author, Rejection):
        return author
    if len(state.opinions) >= MAX_OPINIONS:
        return Rejection(
            "invalid_state", f"this room holds {MAX_OPINIONS} opinions already", "opinion_limit"
        )
    standing = sum(1 for o in state.opinions.values() if o.author == author)
    if standing >= MAX_OPINIONS_PER_DELEGATE:
        return Rejection(
            "invalid_state",
            f"a delegate has at most {MAX_OPINIONS_PER_DELEGATE} opinions standing",
            "opinion_limit",
        )
    group = group_of(state.groups, author)
    return (
        oe.OpinionRecorded(
            opinion_id=f"opinion-{state.opinions_created + 1}",
            document_id=doc.id,
            version=version.version,
            paragraph_id=command.paragraph_id,
            opinion_kind=command.kind,
            text=text,
            wording=wording,
            author=author,
            recorded_by=None if actor.role is Role.SECRETARIAT else actor.delegate_id,
            group_id=None if group is None else group.id,
            at=now,
        ),
    )


@rule
def _(command: oc.WithdrawOpinion, state: RoomState, actor: Actor, now: int) -> Decision:
    opinion = state.opinions.get(command.opinion_id)
    if opinion is None:
        return Rejection(
            "not_found", f"no opinion {command.opinion_id[:64]!r}", "opinion_not_found"
        )
    if actor.role is Role.SECRETARIAT:
        allowed = opinion.recorded_by is None
    else:
        allowed = actor.delegate_id in (opinion.author, opinion.recorded_by)
    if not allowed:
        # The same answer as a missing one: an opinion's id tells nobody else it exists.
        return Rejection(
            "not_found", f"no opinion {command.opinion_id[:64]!r}", "opinion_not_found"
        )
    return (
        oe.OpinionWithdrawn(
            opinion_id=opinion.id, author=opinion.author, recorded_by=opinion.recorded_by
        ),
    )


@rule
def _(command: oc.ShowOpinionAuthors, state: RoomState, actor: Actor, now: int) -> Decision:
    if state.opinion_authors_shown == command.shown:
        return ()
    return (oe.OpinionAuthorsShown(shown=command.shown),)
