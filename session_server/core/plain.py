"""Typed conversion between core dataclasses and plain msgpack-ready values, with validation."""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from collections.abc import Mapping
from enum import Enum
from typing import Any, TypeVar

T = TypeVar("T")

MAX_TEXT = 2000
"""Longest string accepted from outside; titles and announcements are far shorter."""
MAX_BYTES = 65536
"""Longest binary value (a ballot's proof, a sealed key share): no frame is longer."""


ADDED_LATER: Mapping[str, bool] = {"added_later": True}
"""Metadata of a field added with a default to a shape already stored (an event, the
state): `to_plain` leaves it out while it holds its default, so what was stored before the
field existed is written, read and hashed exactly as before, and a record that never uses
the field is the same bytes an older node reads."""


class PlainError(ValueError):
    """A value does not fit its declared type; `path` names the field."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path


def shown(value: Any, limit: int = 64) -> str:
    """A value from outside as a message may quote it: a string, or what kind of value it is.

    Never str() a value we do not know (a deeply nested list recurses for ever), and never
    name a Python type: the client wrote msgpack, not Python.
    """
    if isinstance(value, str):
        return repr(value[:limit])
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, bytes | bytearray):
        return "binary data"
    if isinstance(value, list | tuple):
        return "an array"
    if isinstance(value, dict):
        return "a map"
    return "a value of another kind"


def to_plain(value: Any) -> Any:
    """Dataclasses become maps in field order, enums their values, sets sorted lists; a
    field `ADDED_LATER` is left out while it holds its default."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: to_plain(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if not (f.metadata.get("added_later") and getattr(value, f.name) == _default(f))
        }
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [to_plain(v) for v in value]
    if isinstance(value, frozenset | set):
        return sorted(to_plain(v) for v in value)
    if isinstance(value, Mapping):
        # Sorted keys keep the bytes of a replayed state identical to the original's.
        return {k: to_plain(value[k]) for k in sorted(value)}
    return value


def _default(f: dataclasses.Field[Any]) -> Any:
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return f.default


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def from_plain(cls: type[T], data: Any, path: str = "") -> T:
    """Build `cls` from plain data, checking every type; unknown or missing fields fail."""
    return typing.cast(T, _convert(cls, data, path))


def _convert(tp: Any, data: Any, path: str) -> Any:
    origin = typing.get_origin(tp)
    if origin is types.UnionType or origin is typing.Union:
        options = typing.get_args(tp)
        if data is None and type(None) in options:
            return None
        last: PlainError | None = None
        for option in options:
            if option is type(None):
                continue
            try:
                return _convert(option, data, path)
            except PlainError as error:
                last = error
        raise last or PlainError(path, "must not be null")
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        return _convert_dataclass(tp, data, path)
    if origin is tuple:
        args = typing.get_args(tp)
        if not isinstance(data, list | tuple):
            raise PlainError(path, "must be an array")
        return tuple(_convert(args[0], v, f"{path}[{i}]") for i, v in enumerate(data))
    if origin is frozenset:
        (arg,) = typing.get_args(tp)
        if not isinstance(data, list | tuple):
            raise PlainError(path, "must be an array")
        return frozenset(_convert(arg, v, f"{path}[]") for v in data)
    if origin is Mapping or origin is dict:
        key_type, value_type = typing.get_args(tp)
        if not isinstance(data, dict):
            raise PlainError(path, "must be a map")
        return {
            _convert(key_type, k, f"{path}.<key>"): _convert(value_type, v, f"{path}.{k}")
            for k, v in data.items()
        }
    if isinstance(tp, type) and issubclass(tp, Enum):
        # Only scalars are tried: Enum() would format a nested list into its own
        # error message, and a deep one recurses past Python's limit.
        if isinstance(data, str | int) and not isinstance(data, bool):
            try:
                return tp(data)
            except ValueError:
                pass
        allowed = ", ".join(str(m.value) for m in tp)
        raise PlainError(path, f"must be one of: {allowed}")
    if tp is bool:
        if not isinstance(data, bool):
            raise PlainError(path, "must be a boolean")
        return data
    if tp is int:
        # bool is an int in Python but never on our wire.
        if not isinstance(data, int) or isinstance(data, bool):
            raise PlainError(path, "must be an integer")
        return data
    if tp is str:
        if not isinstance(data, str):
            raise PlainError(path, "must be a string")
        if len(data) > MAX_TEXT:
            raise PlainError(path, f"is longer than {MAX_TEXT} characters")
        return data
    if tp is bytes:
        if not isinstance(data, bytes):
            raise PlainError(path, "must be binary data")
        if len(data) > MAX_BYTES:
            raise PlainError(path, f"is longer than {MAX_BYTES} bytes")
        return data
    if tp is Any:
        return data
    # A field type this module has no rule for is the code's mistake, not the client's.
    raise PlainError(path, "has a type this server cannot read")


def _convert_dataclass(cls: type, data: Any, path: str) -> Any:
    if not isinstance(data, dict):
        raise PlainError(path, "must be a map")
    hints = _hints(cls)
    names = {f.name for f in dataclasses.fields(cls) if f.init}
    unknown = [k for k in data if k not in names]
    if unknown:
        raise PlainError(path, f"unknown field {str(unknown[0])!r}")
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if not f.init:
            continue
        sub = f"{path}.{f.name}" if path else f.name
        if f.name in data:
            kwargs[f.name] = _convert(hints[f.name], data[f.name], sub)
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise PlainError(sub, "is required")
    return cls(**kwargs)
