"""Typed conversion between core dataclasses and plain msgpack-ready values, with validation."""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from collections.abc import Callable, Mapping
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


Convert = Callable[[Any, str], Any]
"""Converts plain data (and the path naming it, for errors) to one type."""


def from_plain(cls: type[T], data: Any, path: str = "") -> T:
    """Build `cls` from plain data, checking every type; unknown or missing fields fail."""
    tp: Any = cls  # any type, not only classes, keys the converters below
    return typing.cast(T, _converter(tp)(data, path))


@functools.cache
def _converter(tp: Any) -> Convert:
    """The function converting plain data to `tp`, worked out once per type.

    Working out what a type is (its origin, its arguments, a dataclass's fields and their
    hints) costs more than converting a value of it: every command, record and snapshot
    read would otherwise pay for it again, field by field.
    """
    origin = typing.get_origin(tp)
    if origin is types.UnionType or origin is typing.Union:
        return _union(typing.get_args(tp))
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        return _dataclass(tp)
    if origin is tuple:
        return _tuple(_converter(typing.get_args(tp)[0]))
    if origin is frozenset:
        (arg,) = typing.get_args(tp)
        return _frozenset(_converter(arg))
    if origin is Mapping or origin is dict:
        key_type, value_type = typing.get_args(tp)
        return _mapping(_converter(key_type), _converter(value_type))
    if isinstance(tp, type) and issubclass(tp, Enum):
        return _enum(tp)
    return _SCALARS.get(tp, _unreadable)


def _union(options: tuple[Any, ...]) -> Convert:
    nullable = type(None) in options
    # Made on first use, as a dataclass's fields are (below).
    tried: list[Convert] | None = None

    def convert(data: Any, path: str) -> Any:
        nonlocal tried
        if data is None and nullable:
            return None
        if tried is None:
            tried = [_converter(o) for o in options if o is not type(None)]
        last: PlainError | None = None
        for option in tried:
            try:
                return option(data, path)
            except PlainError as error:
                last = error
        raise last or PlainError(path, "must not be null")

    return convert


def _dataclass(cls: type) -> Convert:
    names = frozenset(f.name for f in dataclasses.fields(cls) if f.init)
    # (name, its converter, whether it is required): made on first use, as a dataclass may
    # name itself in a field; made whole before it is kept, as the log's thread converts
    # records while the event loop converts commands.
    fields: list[tuple[str, Convert, bool]] | None = None

    def convert(data: Any, path: str) -> Any:
        nonlocal fields
        if not isinstance(data, dict):
            raise PlainError(path, "must be a map")
        for key in data:
            if key not in names:
                raise PlainError(path, f"unknown field {str(key)!r}")
        if fields is None:
            hints = typing.get_type_hints(cls)
            fields = [
                (
                    f.name,
                    _converter(hints[f.name]),
                    f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING,
                )
                for f in dataclasses.fields(cls)
                if f.init
            ]
        kwargs: dict[str, Any] = {}
        for name, field_convert, required in fields:
            if name in data:
                kwargs[name] = field_convert(data[name], f"{path}.{name}" if path else name)
            elif required:
                raise PlainError(f"{path}.{name}" if path else name, "is required")
        return cls(**kwargs)

    return convert


def _tuple(item: Convert) -> Convert:
    def convert(data: Any, path: str) -> Any:
        if not isinstance(data, list | tuple):
            raise PlainError(path, "must be an array")
        return tuple(item(v, f"{path}[{i}]") for i, v in enumerate(data))

    return convert


def _frozenset(item: Convert) -> Convert:
    def convert(data: Any, path: str) -> Any:
        if not isinstance(data, list | tuple):
            raise PlainError(path, "must be an array")
        return frozenset(item(v, f"{path}[]") for v in data)

    return convert


def _mapping(key: Convert, value: Convert) -> Convert:
    def convert(data: Any, path: str) -> Any:
        if not isinstance(data, dict):
            raise PlainError(path, "must be a map")
        return {key(k, f"{path}.<key>"): value(v, f"{path}.{k}") for k, v in data.items()}

    return convert


def _enum(cls: type[Enum]) -> Convert:
    allowed = ", ".join(str(m.value) for m in cls)

    def convert(data: Any, path: str) -> Any:
        # Only scalars are tried: Enum() would format a nested list into its own
        # error message, and a deep one recurses past Python's limit.
        if isinstance(data, str | int) and not isinstance(data, bool):
            try:
                return cls(data)
            except ValueError:
                pass
        raise PlainError(path, f"must be one of: {allowed}")

    return convert


def _bool(data: Any, path: str) -> Any:
    if not isinstance(data, bool):
        raise PlainError(path, "must be a boolean")
    return data


def _int(data: Any, path: str) -> Any:
    # bool is an int in Python but never on our wire.
    if not isinstance(data, int) or isinstance(data, bool):
        raise PlainError(path, "must be an integer")
    return data


def _str(data: Any, path: str) -> Any:
    if not isinstance(data, str):
        raise PlainError(path, "must be a string")
    if len(data) > MAX_TEXT:
        raise PlainError(path, f"is longer than {MAX_TEXT} characters")
    return data


def _bytes(data: Any, path: str) -> Any:
    if not isinstance(data, bytes):
        raise PlainError(path, "must be binary data")
    if len(data) > MAX_BYTES:
        raise PlainError(path, f"is longer than {MAX_BYTES} bytes")
    return data


def _any(data: Any, path: str) -> Any:
    return data


def _unreadable(data: Any, path: str) -> Any:
    # A field type this module has no rule for is the code's mistake, not the client's.
    raise PlainError(path, "has a type this server cannot read")


_SCALARS: dict[Any, Convert] = {bool: _bool, int: _int, str: _str, bytes: _bytes, Any: _any}
