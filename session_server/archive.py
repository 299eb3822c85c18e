"""The export archive: a tar of logs, token hashes and documents' files, checked by its manifest."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from dataclasses import dataclass, field
from typing import Any

import msgpack

from .backends.base import TokenRecord

FORMAT = "paperless-congress-export"
VERSION = 2
"""Raised when the archive's layout changes; a restore refuses a version it does not know.
2: each record is [seq, body, prev, hash], its place in the hash chain (docs/record.md)."""
READS = (1, 2)
MANIFEST = "manifest.json"

FULL = "full"
REHEARSAL_TO_LIVE = "rehearsal-to-live"


class DamagedArchive(ValueError):
    """The file is not an export archive, or one of its parts is not what the manifest says."""


@dataclass(frozen=True, slots=True)
class RoomLog:
    """A room's records 1..last_seq, each `(seq, body)` with the body as the backend stores it."""

    name: str
    records: tuple[tuple[int, bytes], ...]
    state_sha256: str
    """SHA-256 of the canonical state after the last record (`replay.state_bytes`)."""
    chain: tuple[tuple[bytes | None, bytes | None], ...] = ()
    """Each record's (prev, hash) as stored, in the same order; empty from a version 1
    archive, whose records are then chained again by the restore."""

    def links(self, index: int) -> tuple[bytes | None, bytes | None]:
        return self.chain[index] if index < len(self.chain) else (None, None)

    @property
    def last_seq(self) -> int:
        return self.records[-1][0] if self.records else 0


@dataclass(frozen=True, slots=True)
class Congress:
    """Everything a hub needs to serve a congress again; blobs by their SHA-256."""

    kind: str
    source_backend: str
    created_at: str
    state_format: int
    rooms: tuple[RoomLog, ...]
    tokens: tuple[TokenRecord, ...]
    blobs: dict[str, bytes] = field(default_factory=dict)


def pack(congress: Congress) -> bytes:
    """The archive's bytes: the manifest first, then each part it names with its SHA-256.

    An uncompressed tar (the PDFs are compressed already), readable with `tar tf` by an
    operator; part names never carry a room's name, which may hold any character.
    """
    parts: dict[str, bytes] = {}
    rooms = []
    for number, room in enumerate(congress.rooms, start=1):
        name = f"rooms/{number:04d}.msgpack"
        entries = [[seq, body, *room.links(i)] for i, (seq, body) in enumerate(room.records)]
        parts[name] = msgpack.packb(entries, use_bin_type=True)
        rooms.append(
            {
                "name": room.name,
                "part": name,
                "last_seq": room.last_seq,
                "records": len(room.records),
                "state_sha256": room.state_sha256,
            }
        )
    parts["tokens.msgpack"] = msgpack.packb(
        [t.to_plain() for t in congress.tokens], use_bin_type=True
    )
    for sha256, data in sorted(congress.blobs.items()):
        parts[f"blobs/{sha256}.pdf"] = data
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "kind": congress.kind,
        "source_backend": congress.source_backend,
        "created_at": congress.created_at,
        "state_format": congress.state_format,
        "rooms": rooms,
        "tokens": len(congress.tokens),
        "parts": {
            name: {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
            for name, data in parts.items()
        },
    }
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        _add(tar, MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8"))
        for name, data in parts.items():
            _add(tar, name, data)
    return out.getvalue()


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))


def is_archive(head: bytes) -> bool:
    """Whether a file's first bytes look like a tar (an SQLite backup starts otherwise)."""
    return len(head) >= 262 and head[257:262] == b"ustar"


def unpack(data: bytes, *, check_digests: bool = True) -> Congress:
    """The congress in an archive, every part checked against the manifest; `DamagedArchive`.

    `congress verify` reads a damaged one too (`check_digests=False`), to name the record.
    """
    parts = _members(data)
    raw_manifest = parts.pop(MANIFEST, None)
    if raw_manifest is None:
        raise DamagedArchive("no manifest.json: not an export of `congress export`")
    try:
        manifest = json.loads(raw_manifest.decode("utf-8"))
    except ValueError as error:
        raise DamagedArchive(f"manifest.json is not readable JSON ({error})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise DamagedArchive("manifest.json is not the manifest of a congress export")
    if manifest.get("version") not in READS:
        raise DamagedArchive(
            f"export format version {manifest.get('version')!r}; this release reads {READS}"
        )
    listed = _field(manifest, "parts", dict)
    if set(listed) != set(parts):
        missing = sorted(set(listed) - set(parts))
        extra = sorted(set(parts) - set(listed))
        raise DamagedArchive(f"parts missing {missing} or not in the manifest {extra}")
    for name, expected in listed.items():
        actual = hashlib.sha256(parts[name]).hexdigest()
        if check_digests and (not isinstance(expected, dict) or expected.get("sha256") != actual):
            raise DamagedArchive(f"{name} does not match its SHA-256 in the manifest")
    try:
        rooms = tuple(
            _room_log(room, msgpack.unpackb(parts[room["part"]], raw=False))
            for room in _field(manifest, "rooms", list)
        )
        tokens = tuple(
            TokenRecord.from_plain(t) for t in msgpack.unpackb(parts["tokens.msgpack"], raw=False)
        )
    except (KeyError, TypeError, ValueError) as error:
        raise DamagedArchive(f"a part does not hold what the manifest says ({error})") from None
    blobs = {
        name.removeprefix("blobs/").removesuffix(".pdf"): body
        for name, body in parts.items()
        if name.startswith("blobs/")
    }
    for sha256, body in blobs.items():
        if hashlib.sha256(body).hexdigest() != sha256:
            raise DamagedArchive(f"blobs/{sha256}.pdf is not the file its name says")
    return Congress(
        kind=str(manifest.get("kind")),
        source_backend=str(manifest.get("source_backend")),
        created_at=str(manifest.get("created_at")),
        state_format=int(manifest.get("state_format", 0)),
        rooms=rooms,
        tokens=tokens,
        blobs=blobs,
    )


def _room_log(room: dict[str, Any], entries: list[list[Any]]) -> RoomLog:
    """A room's part: [seq, body] entries (version 1) or [seq, body, prev, hash]."""
    records = tuple((int(entry[0]), bytes(entry[1])) for entry in entries)
    chain = tuple(
        (_hash_or_none(entry[2]), _hash_or_none(entry[3])) if len(entry) == 4 else (None, None)
        for entry in entries
    )
    return RoomLog(
        name=str(room["name"]),
        records=records,
        state_sha256=str(room["state_sha256"]),
        chain=chain,
    )


def _hash_or_none(value: Any) -> bytes | None:
    return None if value is None else bytes(value)


def _members(data: bytes) -> dict[str, bytes]:
    """Every regular file in the tar, read into memory: nothing is extracted to disk."""
    found: dict[str, bytes] = {}
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tar:
            for member in tar:
                if not member.isfile() or member.name in found:
                    raise DamagedArchive(f"unexpected entry {member.name!r}")
                handle = tar.extractfile(member)
                assert handle is not None
                found[member.name] = handle.read()
    except (tarfile.TarError, EOFError, OSError) as error:
        raise DamagedArchive(f"the archive is cut short or damaged ({error})") from None
    return found


def _field(manifest: dict[str, Any], name: str, kind: type) -> Any:
    value = manifest.get(name)
    if not isinstance(value, kind):
        raise DamagedArchive(f"manifest.json has no {name}")
    return value
