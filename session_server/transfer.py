"""A congress out of a backend into an archive and back: consistent reads, checked writes."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime

from .archive import Congress, RoomLog
from .backends.base import Backend, LogRecord, decode_record, encode_record
from .core import replay
from .core.state import RoomState

_READ_BATCH = 1000


def state_sha256(state: RoomState) -> str:
    """The digest two equal room states share (replay's canonical bytes)."""
    return hashlib.sha256(replay.state_bytes(state)).hexdigest()


def referenced_blobs(state: RoomState) -> set[str]:
    """Every stored file a room's documents (older versions included) and contributions name."""
    documents = {v.sha256 for doc in state.documents for v in doc.versions if v.sha256}
    # A written contribution's file (its text, or its PDF) and the PDF its pages come from.
    contributions = {
        sha256 for k in state.contributions.values() for sha256 in (k.sha256, k.pdf_sha256)
    }
    return documents | contributions


async def read_room(backend: Backend, room: str, last_seq: int) -> list[LogRecord]:
    """The room's records 1..`last_seq`: what was appended after that is left out."""
    records: list[LogRecord] = []
    while len(records) < last_seq:
        batch = await backend.read(room, len(records), _READ_BATCH)
        if not batch:
            break
        records += [r for r in batch if r.seq <= last_seq]
        if batch[-1].seq >= last_seq:
            break
    if [r.seq for r in records] != list(range(1, last_seq + 1)):
        raise ValueError(f"room {room!r}: the log has a gap before seq {last_seq}")
    return records


def rebuild(room: str, records: Iterable[LogRecord]) -> RoomState:
    return replay.replay(room, ((r.seq, r.events) for r in records))


async def read_congress(backend: Backend, *, source_backend: str, kind: str) -> Congress:
    """Every room as of the seq its log had when this began, the tokens, the documents' files.

    The heads are read first, all of them, so appends arriving meanwhile (the hub runs)
    are simply not included and each room is the state it had at one seq.
    """
    heads = {room: await backend.head(room) for room in await backend.rooms()}
    rooms: list[RoomLog] = []
    blobs: dict[str, bytes] = {}
    for room, head in heads.items():
        records = await read_room(backend, room, head)
        state = rebuild(room, records)
        rooms.append(
            RoomLog(
                name=room,
                # As stored: encode_record gives a read record's own bytes back.
                records=tuple((r.seq, encode_record(r)) for r in records),
                state_sha256=state_sha256(state),
                chain=tuple((r.prev_hash, r.hash) for r in records),
            )
        )
        for sha256 in sorted(referenced_blobs(state) - set(blobs)):
            data = await backend.get_blob(sha256)
            if data is None:
                raise ValueError(
                    f"room {room!r}: the file {sha256[:12]}… of a document is not in the log's "
                    "store; nothing was exported"
                )
            blobs[sha256] = data
    return Congress(
        kind=kind,
        source_backend=source_backend,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        state_format=replay.STATE_FORMAT,
        rooms=tuple(rooms),
        tokens=tuple(await backend.all_tokens()),
        blobs=blobs,
    )


def check_states(congress: Congress) -> None:
    """Replay each room of an unpacked archive: its state must be the one the manifest says.

    Skipped for an archive of another state format (an older release's), whose digests
    this release cannot reproduce; its records were still checked by their SHA-256.
    """
    if congress.state_format != replay.STATE_FORMAT:
        return
    for room in congress.rooms:
        records = [decode_record(seq, body) for seq, body in room.records]
        if [r.seq for r in records] != list(range(1, len(records) + 1)):
            raise ValueError(f"room {room.name!r}: its records are not seqs 1 to {len(records)}")
        if state_sha256(rebuild(room.name, records)) != room.state_sha256:
            raise ValueError(f"room {room.name!r}: its replayed state is not the one exported")


async def write_congress(congress: Congress, backend: Backend) -> None:
    """Write an archive's congress into an empty backend: files, tokens, then each log.

    The files come first and the logs last, so a hub started too early finds no room
    rather than a document whose file is missing.
    """
    for sha256, data in congress.blobs.items():
        await backend.put_blob(sha256, data)
    for token in congress.tokens:
        await backend.add_token(token)
    for room in congress.rooms:
        # With their hashes: the backend refuses a record its chain does not give.
        records = [
            decode_record(seq, body, *room.links(index))
            for index, (seq, body) in enumerate(room.records)
        ]
        await backend.append_many(room.name, records)
