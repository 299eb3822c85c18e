"""The drafting committee's roll-up: per paragraph of a document version, the opinions on it.

A pure function of the room's state (and the paragraphs' text, read from the document
store): no I/O. Who sees the authors is decided here, once, for the JSON, the PDF and
the CSV alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..core.opinion_state import Opinion, OpinionKind
from ..core.state import DocumentInfo, DocumentVersion, Role, RoomState, audience_may_see
from ..documents.search_index import fold_phrase

STAFF = frozenset({Role.PRESIDIUM, Role.SECRETARIAT})
"""Who always sees the authors: the secretariat and the presidium (the drafting
committee works from the secretariat's copy)."""
READERS = STAFF | {Role.DELEGATE}
"""Who may read a roll-up at all; boards and the hall never."""
KINDS = tuple(kind.value for kind in OpinionKind)
NO_GROUP = ""
"""The key of the opinions of delegates in no group, in the counts by group."""


@dataclass(frozen=True, slots=True)
class Filter:
    kind: OpinionKind | None = None
    group_id: str | None = None
    """A group's id, or NO_GROUP for the opinions of delegates in none."""
    query: str = ""
    """Words searched for in an opinion's text, its wording and its paragraph's text, as
    documents are searched: case, accents and spacing ignored."""

    @property
    def active(self) -> bool:
        return self.kind is not None or self.group_id is not None or bool(self.query.strip())


def authors_shown(state: RoomState, role: Role) -> bool:
    return role in STAFF or (role is Role.DELEGATE and state.opinion_authors_shown)


def readable_version(
    state: RoomState, role: Role, document_id: str, number: int | None
) -> tuple[DocumentInfo, DocumentVersion] | None:
    """The document and version (the current one when `number` is None) if `role` may read
    its roll-up; None, as for a version that does not exist, otherwise."""
    if role not in READERS:
        return None
    doc = state.document(document_id)
    if doc is None or not audience_may_see(role, doc.access):
        return None
    version = doc.current if number is None else doc.version(number)
    if version is None or not audience_may_see(role, version.access):
        return None
    return doc, version


def _matches(opinion: Opinion, wanted: Filter, folded_query: str, paragraph_text: str) -> bool:
    if wanted.kind is not None and opinion.kind is not wanted.kind:
        return False
    if wanted.group_id is not None and (opinion.group_id or NO_GROUP) != wanted.group_id:
        return False
    if folded_query:
        haystack = fold_phrase(f"{opinion.text} \n {opinion.wording} \n {paragraph_text}")
        return folded_query in haystack
    return True


def rollup(
    state: RoomState,
    doc: DocumentInfo,
    version: DocumentVersion,
    role: Role,
    texts: Mapping[str, str],
    wanted: Filter = Filter(),
) -> dict[str, Any]:
    """The roll-up of one version for `role`: every paragraph in order (only those with a
    matching opinion when filtered), with counts by kind and by group and the quotes."""
    show_authors = authors_shown(state, role)
    newer = doc.current if doc.current is not None and doc.current is not version else None
    kept_ids = {p for page in newer.paragraphs for p in page} if newer is not None else set()
    folded_query = fold_phrase(wanted.query) if wanted.query.strip() else ""
    by_paragraph: dict[str, list[Opinion]] = {}
    for opinion in state.opinions.values():
        if opinion.document_id == doc.id and opinion.version == version.version:
            by_paragraph.setdefault(opinion.paragraph_id, []).append(opinion)
    totals = dict.fromkeys(KINDS, 0)
    group_totals: dict[str, int] = {}
    paragraphs = []
    for page_number, page in enumerate(version.paragraphs, start=1):
        for paragraph_id in page:
            text = texts.get(paragraph_id, "")
            found = [
                o
                for o in by_paragraph.get(paragraph_id, ())
                if _matches(o, wanted, folded_query, text)
            ]
            if wanted.active and not found:
                continue
            kinds = dict.fromkeys(KINDS, 0)
            groups: dict[str, int] = {}
            for opinion in found:
                kinds[opinion.kind.value] += 1
                key = opinion.group_id or NO_GROUP
                groups[key] = groups.get(key, 0) + 1
                totals[opinion.kind.value] += 1
                group_totals[key] = group_totals.get(key, 0) + 1
            paragraphs.append(
                {
                    "id": paragraph_id,
                    "page": page_number,
                    "text": text,
                    "changed": newer is not None
                    and bool(kept_ids)
                    and paragraph_id not in kept_ids,
                    "total": len(found),
                    "kinds": kinds,
                    "groups": groups,
                    "quotes": [_quote(state, o, show_authors) for o in found],
                }
            )
    return {
        "document_id": doc.id,
        "title": doc.title,
        "version": version.version,
        "current_version": doc.current.version if doc.current is not None else version.version,
        "versions": [v.version for v in doc.versions if audience_may_see(role, v.access)],
        "authors_shown": show_authors,
        "filter": {
            "kind": None if wanted.kind is None else wanted.kind.value,
            "group": wanted.group_id,
            "q": wanted.query,
        },
        "total": sum(totals.values()),
        "kinds": totals,
        "groups": [
            {"id": group_id, "name": _group_name(state, group_id), "count": count}
            for group_id, count in sorted(group_totals.items())
        ],
        "all_groups": [{"id": g.id, "name": g.name} for g in state.groups.values()],
        "paragraphs": paragraphs,
    }


def _group_name(state: RoomState, group_id: str) -> str:
    group = state.groups.get(group_id) if group_id else None
    return group.name if group is not None else group_id


def _quote(state: RoomState, opinion: Opinion, show_authors: bool) -> dict[str, Any]:
    quote: dict[str, Any] = {
        "id": opinion.id,
        "kind": opinion.kind.value,
        "text": opinion.text,
        "wording": opinion.wording,
        "group_id": opinion.group_id,
        "group": _group_name(state, opinion.group_id) if opinion.group_id else None,
        "at": opinion.at,
    }
    if show_authors:
        author = state.delegates.get(opinion.author)
        quote["author"] = {
            "delegate_id": opinion.author,
            "name": author.name if author is not None else opinion.author,
            "unit": author.unit if author is not None else "",
        }
    return quote


def own_opinions(state: RoomState, delegate_id: str) -> list[dict[str, Any]]:
    """A delegate's list: the opinions they wrote or recorded for a member, oldest first."""
    listed = []
    for opinion in state.opinions.values():
        if delegate_id not in (opinion.author, opinion.recorded_by):
            continue
        doc = state.document(opinion.document_id)
        author = state.delegates.get(opinion.author)
        listed.append(
            {
                "id": opinion.id,
                "document_id": opinion.document_id,
                "title": doc.title if doc is not None else opinion.document_id,
                "version": opinion.version,
                "paragraph_id": opinion.paragraph_id,
                "kind": opinion.kind.value,
                "text": opinion.text,
                "wording": opinion.wording,
                "author": {
                    "delegate_id": opinion.author,
                    "name": author.name if author is not None else opinion.author,
                },
                "recorded_by": opinion.recorded_by,
                "at": opinion.at,
            }
        )
    return listed
