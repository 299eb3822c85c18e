"""Upcasting: a stored event of an older version brought, one version at a time, to the current.

An event kind's fields have a version (`Event.class_version`). When a release changes them
(a field renamed, split, retyped), it raises that version and registers here one upcaster
per step, a pure function from the fields at version N to the fields at N + 1, in the
manner of pyeventsourcing's ``upcast_v1_v2``::

    @UPCASTERS.register("floor_requested", 1)
    def upcast_floor_requested_v1_v2(fields: Fields) -> Fields:
        return {**fields, "reason": ""}

Reading a stored event applies the steps from its version up to the current one, in
order. The log itself is never rewritten: a record stays as it was written, for good.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Fields = dict[str, Any]
"""An event's plain fields, without its kind and version."""

Upcaster = Callable[[Fields], Fields]


class UpcastError(ValueError):
    """A stored event cannot be brought to the version this code reads."""


class Upcasters:
    """The upcasters of every event kind, by (kind, the version each one reads)."""

    def __init__(self) -> None:
        self.steps: dict[tuple[str, int], Upcaster] = {}

    def register(self, kind: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
        """Decorator: `function` turns `kind`'s fields at `from_version` into the next."""

        def add(function: Upcaster) -> Upcaster:
            if from_version < 1:
                raise ValueError("event versions start at 1")
            if (kind, from_version) in self.steps:
                raise ValueError(f"{kind} already has an upcaster from version {from_version}")
            self.steps[kind, from_version] = function
            return function

        return add

    def upcast(self, kind: str, version: object, current: int, fields: Fields) -> Fields:
        """`fields` of a `kind` event stored at `version`, as the `current` version has them.

        `fields` itself is left alone: each step is given a copy.
        """
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise UpcastError(f"event {kind!r} has no valid version ({version!r})")
        if version > current:
            raise UpcastError(
                f"event {kind!r} of version {version} is newer than this code reads "
                f"(version {current}): a later release wrote it; upgrade this node"
            )
        upcast = fields
        for step in range(version, current):
            upcaster = self.steps.get((kind, step))
            if upcaster is None:
                raise UpcastError(
                    f"no upcaster brings event {kind!r} from version {step} to {step + 1}"
                )
            upcast = upcaster(dict(upcast))
        return upcast


UPCASTERS = Upcasters()
"""The upcasters the log is read with. None yet: every event kind is at its version 1."""
