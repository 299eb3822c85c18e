"""What an event frame carries: the change between two views of one audience, small all day."""

from __future__ import annotations

from difflib import SequenceMatcher
from typing import Any

from .projection import View, changed_sections

Edit = dict[str, Any]
"""One edit inside a section: `{"op": "set" | "append" | "splice", "path": [...], ...}`."""

GROWING = frozenset(
    {
        "agenda",
        "documents",
        "speakers",
        "announcements",
        "roll",
        "votes",
        "voters",
        "contributions",
        "groups",
    }
)
"""Sections holding lists that grow through a day: edited inside. The others (`session`,
`document`, `attendance`) are small and always replaced whole, as a page turn's `document`."""

MAX_MATCH_WORK = 250_000
"""Above this many pairs of list entries to compare, a changed stretch is replaced whole:
the sequence matcher's cost is bounded in the room's tail loop, whatever the lists hold."""


def view_delta(before: View | None, after: View) -> tuple[View, list[Edit]]:
    """The sections of `after` to replace whole, and the edits that turn the rest of `before`
    into `after`, applied in order (docs/protocol.md, the `event` frame).

    Both views are one audience's projection, so a delta holds nothing that audience's view
    does not: it is made from the views alone, never from the state.
    """
    changed = changed_sections(before, after)
    if before is None:
        return changed, []
    whole: View = {}
    edits: list[Edit] = []
    for name, value in changed.items():
        old = before[name]
        if name in GROWING and _edited_inside(old, value):
            _diff([name], old, value, edits)
        else:
            whole[name] = value
    return whole, edits


def _edited_inside(old: Any, new: Any) -> bool:
    """Two lists, or two maps with the same keys: anything else is replaced whole."""
    if isinstance(old, list) and isinstance(new, list):
        return True
    return isinstance(old, dict) and isinstance(new, dict) and old.keys() == new.keys()


def _diff(path: list[str], old: Any, new: Any, edits: list[Edit]) -> None:
    if old == new:
        return
    if isinstance(old, list) and isinstance(new, list):
        edits.extend(_list_edits(path, old, new))
    elif len(path) == 1 and _edited_inside(old, new):
        # Only a section is edited field by field: below it, a map (a speaker, a list
        # entry) is small and set whole, fewer bytes than an edit for each of its fields.
        for key in new:
            _diff([*path, key], old[key], new[key], edits)
    else:
        edits.append({"op": "set", "path": path, "value": new})


def _list_edits(path: list[str], old: list[Any], new: list[Any]) -> list[Edit]:
    # Most changes touch one end or one entry: trim what both ends share before matching.
    start = 0
    shortest = min(len(old), len(new))
    while start < shortest and old[start] == new[start]:
        start += 1
    old_end, new_end = len(old), len(new)
    while old_end > start and new_end > start and old[old_end - 1] == new[new_end - 1]:
        old_end -= 1
        new_end -= 1
    middle_old, middle_new = old[start:old_end], new[start:new_end]
    if not middle_old or not middle_new or len(middle_old) * len(middle_new) > MAX_MATCH_WORK:
        return [_splice(path, start, old_end - start, middle_new, len(old))]
    matcher = SequenceMatcher(
        None, [_frozen(v) for v in middle_old], [_frozen(v) for v in middle_new], autojunk=False
    )
    edits = []
    # Each splice is applied to the list as the splices before it left it.
    shift = start
    length = len(old)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        edits.append(_splice(path, i1 + shift, i2 - i1, middle_new[j1:j2], length))
        shift += (j2 - j1) - (i2 - i1)
        length += (j2 - j1) - (i2 - i1)
    return edits


def _splice(path: list[str], at: int, remove: int, insert: list[Any], length: int) -> Edit:
    if remove == 0 and at == length:
        # No index: an append is the same size however long the list has grown.
        return {"op": "append", "path": path, "items": insert}
    return {"op": "splice", "path": path, "at": at, "remove": remove, "insert": insert}


def _frozen(value: Any) -> Any:
    """A hashable stand-in equal only for equal values (a bool never matches an int)."""
    if isinstance(value, dict):
        return ("map", tuple(sorted((k, _frozen(v)) for k, v in value.items())))
    if isinstance(value, list):
        return ("list", tuple(_frozen(v) for v in value))
    return (type(value).__name__, value)
