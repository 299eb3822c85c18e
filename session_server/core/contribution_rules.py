"""decide for written contributions: who may submit, accept, return or publish, and when."""

from __future__ import annotations

import re

from . import commands as c
from . import contribution_commands as cc
from . import contribution_events as ce
from .contribution_state import Contribution, ContributionKind, ContributionStatus
from .decide import MAX_TITLE, Actor, Decision, Rejection, decide, rule
from .errors import RuleReason
from .state import RoomState

MAX_CONTRIBUTIONS = 20
"""Contributions one delegate may have on record (a returned one sent again is the same one)."""
MAX_RETURN_REASON = 500
"""Characters of the reason a contribution is returned with, trimmed; never empty."""
MAX_CONTRIBUTION_PAGES = 200
"""Pages of a contribution's PDF: a tham luận is a few pages, never a book."""

_SHA256 = re.compile(r"[0-9a-f]{64}")
DOCUMENT_PREFIX = "tham-luan-"
"""A published contribution's document id: this and the contribution's number."""


def _bad(reason: RuleReason, message: str) -> Rejection:
    return Rejection("invalid_args", message, reason)


def _find(state: RoomState, contribution_id: str) -> Contribution | Rejection:
    found = state.contributions.get(contribution_id)
    if found is None:
        return Rejection(
            "not_found", f"no contribution {contribution_id!r}", "contribution_not_found"
        )
    return found


def _wrong_status(contribution: Contribution, wanted: str) -> Rejection:
    return Rejection(
        "invalid_state",
        f"{contribution.id} is {contribution.status.value}; {wanted}",
        "contribution_status",
    )


@rule
def _(command: cc.SubmitContribution, state: RoomState, actor: Actor, now: int) -> Decision:
    author = actor.delegate_id
    if author is None or author not in state.delegates:
        return Rejection("not_found", "the author is not on the roll", "not_on_roll")
    title = command.title.strip()
    if not title or len(command.title) > MAX_TITLE:
        return _bad("title_length", f"a contribution's title has 1 to {MAX_TITLE} characters")
    if (
        not _SHA256.fullmatch(command.sha256)
        or not _SHA256.fullmatch(command.pdf_sha256)
        or command.size <= 0
        or not 1 <= len(command.page_sizes) <= MAX_CONTRIBUTION_PAGES
        or (command.kind is ContributionKind.PDF and command.pdf_sha256 != command.sha256)
    ):
        return _bad(
            "document_file_invalid",
            f"a contribution names its stored file, its size and 1 to "
            f"{MAX_CONTRIBUTION_PAGES} pages",
        )
    version = 1
    if command.replaces is not None:
        earlier = _find(state, command.replaces)
        if isinstance(earlier, Rejection) or earlier.delegate_id != author:
            # Another delegate's contribution is answered as one that does not exist.
            return Rejection(
                "not_found", f"no contribution {command.replaces!r}", "contribution_not_found"
            )
        if earlier.status is not ContributionStatus.RETURNED:
            return _wrong_status(earlier, "only a returned contribution is sent again")
        contribution_id, version = earlier.id, earlier.version + 1
    else:
        own = sum(1 for k in state.contributions.values() if k.delegate_id == author)
        if own >= MAX_CONTRIBUTIONS:
            return Rejection(
                "invalid_state",
                f"a delegate has at most {MAX_CONTRIBUTIONS} contributions",
                "contribution_limit",
            )
        contribution_id = f"tl-{state.contributions_created + 1}"
    return (
        ce.ContributionSubmitted(
            contribution_id=contribution_id,
            delegate_id=author,
            title=title,
            contribution_kind=command.kind,
            sha256=command.sha256,
            size=command.size,
            submitted_at=now,
            version=version,
            pdf_sha256=command.pdf_sha256,
            page_sizes=command.page_sizes,
        ),
    )


@rule
def _(command: cc.AcceptContribution, state: RoomState, actor: Actor, now: int) -> Decision:
    found = _find(state, command.contribution_id)
    if isinstance(found, Rejection):
        return found
    if found.status in (ContributionStatus.ACCEPTED, ContributionStatus.PUBLISHED):
        return ()
    if found.status is not ContributionStatus.SUBMITTED:
        return _wrong_status(found, "only a submitted contribution is accepted")
    return (ce.ContributionAccepted(contribution_id=found.id, delegate_id=found.delegate_id),)


@rule
def _(command: cc.ReturnContribution, state: RoomState, actor: Actor, now: int) -> Decision:
    found = _find(state, command.contribution_id)
    if isinstance(found, Rejection):
        return found
    reason = command.reason.strip()
    if not reason or len(reason) > MAX_RETURN_REASON:
        return _bad(
            "contribution_reason_length",
            f"a contribution is returned with a reason of 1 to {MAX_RETURN_REASON} characters",
        )
    if found.status not in (ContributionStatus.SUBMITTED, ContributionStatus.ACCEPTED):
        return _wrong_status(found, "only a submitted or accepted one is returned")
    return (
        ce.ContributionReturned(
            contribution_id=found.id, delegate_id=found.delegate_id, reason=reason
        ),
    )


@rule
def _(command: cc.MakeContributionDocument, state: RoomState, actor: Actor, now: int) -> Decision:
    found = _find(state, command.contribution_id)
    if isinstance(found, Rejection):
        return found
    if found.status not in (ContributionStatus.ACCEPTED, ContributionStatus.PUBLISHED):
        return _wrong_status(found, "accept it before making it a document")
    if found.status is ContributionStatus.PUBLISHED and found.access is command.access:
        return ()
    document_id = found.document_id or f"{DOCUMENT_PREFIX}{found.number}"
    author = state.delegates.get(found.delegate_id)
    title = found.title if author is None else f"{found.title} — {author.name}"
    # The document's own rule registers it (a new version when the access changes), so a
    # contribution's pages go through the same path as every other document's.
    registered = decide(
        state,
        c.RegisterDocument(
            document_id=document_id,
            title=title[:MAX_TITLE],
            access=command.access,
            pages=len(found.page_sizes),
            sha256=found.pdf_sha256,
            page_sizes=found.page_sizes,
        ),
        actor,
        now,
    )
    if isinstance(registered, Rejection):
        return registered
    published = ce.ContributionPublished(
        contribution_id=found.id,
        delegate_id=found.delegate_id,
        document_id=document_id,
        access=command.access,
    )
    return (*registered, published) if registered else (published,)
