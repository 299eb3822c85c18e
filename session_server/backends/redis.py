"""The Redis backend: a room's log in one Stream, appended by a Lua script that checks the seq.

Several hub nodes share one Redis. Each record is stream entry ``<seq>-1``; the script
appends only if the stream's last entry is ``expected_seq - 1`` and the origin is new,
atomically, so two nodes can never give one seq two records or fork a room. Tails read
with XREAD from the last id they yielded (never ``$``), so a reconnect skips nothing; an
append on this node wakes its tails at once, others' are found by polling every
``poll_interval`` (20 ms).

Durability (``?durability=`` in the URL, see docs/operations.md):

- ``aof`` (default): the server must run with ``appendonly yes`` and ``appendfsync
  always``, checked at open; Redis then syncs each write to disk before it answers, so an
  acknowledged command survives the loss of the Redis process.
- ``replicas:N``: after the append, ``WAIT N`` for N replicas to have it (and, with
  ``aof`` on them, ``WAITAOF``), so it survives the loss of the primary.
- ``none``: whatever Redis is set to do; an acknowledged command may be lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

import msgpack
import redis.asyncio as redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from ..core.state import Role
from .base import (
    Backend,
    BackendUnavailable,
    Bell,
    DuplicateOrigin,
    LogRecord,
    SeqConflict,
    TokenRecord,
    decode_record,
    encode_record,
)

_APPEND = """
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local head = 0
if #last > 0 then head = tonumber(string.match(last[1][1], '^(%d+)')) end
if ARGV[3] ~= '' then
  local seen = redis.call('HGET', KEYS[2], ARGV[3])
  if seen then return {'duplicate', seen} end
end
if head ~= tonumber(ARGV[1]) - 1 then return {'conflict', tostring(head)} end
redis.call('XADD', KEYS[1], ARGV[1] .. '-1', 'body', ARGV[2])
if ARGV[3] ~= '' then redis.call('HSET', KEYS[2], ARGV[3], ARGV[1]) end
redis.call('SADD', KEYS[3], ARGV[4])
return {'ok', ARGV[1]}
"""

_SNAPSHOT = """
local seq = tonumber(redis.call('HGET', KEYS[1], 'seq') or '0')
if tonumber(ARGV[1]) > seq then
  redis.call('HSET', KEYS[1], 'seq', ARGV[1], 'state', ARGV[2])
end
return 1
"""

_UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)


def _log(room: str) -> str:
    # The room in braces: a Redis Cluster keeps every key of one room on one node.
    return f"congress:{{{room}}}:log"


def _origins(room: str) -> str:
    return f"congress:{{{room}}}:origins"


def _snapshot(room: str) -> str:
    return f"congress:{{{room}}}:snapshot"


_ROOMS = "congress:rooms"
_TOKENS = "congress:tokens"
_TOKEN_BY_HASH = "congress:tokens:by-hash"


def _room_tokens(room: str) -> str:
    return f"congress:{{{room}}}:tokens"


def _blob(sha256: str) -> str:
    return f"congress:blob:{sha256}"


def _seq_of(entry_id: bytes | str) -> int:
    text = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
    return int(text.split("-", 1)[0])


class RedisBackend(Backend):
    """See the module docstring; every method maps Redis being away to BackendUnavailable."""

    def __init__(
        self, client: redis.Redis, durability: str, *, poll_interval: float = 0.02
    ) -> None:
        self.client = client
        self.durability = durability
        # How soon a tail sees another node's append; this node's own wake it at once.
        self.poll_interval = poll_interval
        self._bells: dict[str, Bell] = {}
        self._append_script = client.register_script(_APPEND)
        self._snapshot_script = client.register_script(_SNAPSHOT)

    @classmethod
    async def open(cls, url: str) -> RedisBackend:
        parts = urlsplit(url)
        query = parse_qs(parts.query)
        durability = query.get("durability", ["aof"])[0]
        if not (durability in ("aof", "none") or durability.startswith("replicas:")):
            raise ValueError("durability is aof, none or replicas:N")
        plain = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
        client = redis.Redis.from_url(
            plain, socket_timeout=5, socket_connect_timeout=3, health_check_interval=10
        )
        backend = cls(client, durability)
        try:
            if durability == "aof":
                await backend._check_aof()
        except BaseException:
            await client.aclose()
            raise
        return backend

    async def _check_aof(self) -> None:
        try:
            config: dict[Any, Any] = await self.client.config_get("append*")
        except _UNREACHABLE as error:
            raise BackendUnavailable(f"Redis cannot be reached: {error}") from error
        settings = {
            (k.decode() if isinstance(k, bytes) else k): (v.decode() if isinstance(v, bytes) else v)
            for k, v in config.items()
        }
        if settings.get("appendonly") != "yes" or settings.get("appendfsync") != "always":
            raise ValueError(
                "Redis does not sync every write to disk (needs appendonly yes and appendfsync "
                "always); fix its configuration or choose ?durability=none knowingly"
            )

    async def _call(self, awaitable: Any) -> Any:
        try:
            return await awaitable
        except _UNREACHABLE as error:
            raise BackendUnavailable(f"Redis cannot be reached: {error}") from error

    async def append(self, room: str, expected_seq: int, record: LogRecord) -> None:
        outcome = await self._call(
            self._append_script(
                keys=[_log(room), _origins(room), _ROOMS],
                args=[expected_seq, encode_record(record), record.origin or "", room],
            )
        )
        status = outcome[0].decode() if isinstance(outcome[0], bytes) else outcome[0]
        if status == "duplicate":
            raise DuplicateOrigin(record.origin or "", int(outcome[1]))
        if status == "conflict":
            raise SeqConflict(room, int(outcome[1]))
        self._bell(room).ring()
        if self.durability.startswith("replicas:"):
            wanted = int(self.durability.split(":", 1)[1])
            acknowledged = await self._call(self.client.wait(wanted, 5000))
            if int(acknowledged) < wanted:
                # Written on the primary but not yet where the promise says: say so, so the
                # command is not acknowledged as safe (a retry with its id is applied once).
                raise BackendUnavailable(f"only {acknowledged} of {wanted} replicas have it")

    async def read(self, room: str, after: int, limit: int = 1000) -> list[LogRecord]:
        entries = await self._call(
            self.client.xrange(_log(room), min=f"({after}-1" if after else "-", count=limit)
        )
        return [decode_record(_seq_of(entry_id), fields[b"body"]) for entry_id, fields in entries]

    def _bell(self, room: str) -> Bell:
        bell = self._bells.get(room)
        if bell is None:
            bell = self._bells[room] = Bell()
        return bell

    async def tail(self, room: str, after: int) -> AsyncIterator[LogRecord]:
        while True:
            # Listen before reading, so an append between the read and the wait still wakes.
            heard = self._bell(room).listen()
            # From the last id yielded, never "$": an entry appended while this node was
            # away (or between two reads) is still read, once.
            last_id = f"{after}-1" if after else "0-0"
            # Shielded and never blocking: a room closing cancels its tail, and redis-py
            # cancelled in the middle of a command was seen to hang its connection pool.
            reading = asyncio.ensure_future(
                self._call(self.client.xread({_log(room): last_id}, count=500))
            )
            answer = await asyncio.shield(reading)
            count = 0
            for _, entries in answer or []:
                for entry_id, fields in entries:
                    count += 1
                    seq = _seq_of(entry_id)
                    if seq <= after:
                        continue
                    yield decode_record(seq, fields[b"body"])
                    after = seq
            if count < 500:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.poll_interval):
                        await heard.wait()

    async def head(self, room: str) -> int:
        last = await self._call(self.client.xrevrange(_log(room), count=1))
        return _seq_of(last[0][0]) if last else 0

    async def rooms(self) -> list[str]:
        members = await self._call(self.client.smembers(_ROOMS))
        return sorted(m.decode() for m in members)

    async def find_origin(self, room: str, origin: str) -> int | None:
        seq = await self._call(self.client.hget(_origins(room), origin))
        return None if seq is None else int(seq)

    async def save_snapshot(self, room: str, seq: int, state: bytes) -> None:
        await self._call(self._snapshot_script(keys=[_snapshot(room)], args=[seq, state]))

    async def load_snapshot(self, room: str) -> tuple[int, bytes] | None:
        found = await self._call(self.client.hmget(_snapshot(room), ["seq", "state"]))
        if found[0] is None or found[1] is None:
            return None
        return int(found[0]), bytes(found[1])

    async def add_token(self, token: TokenRecord) -> None:
        body = msgpack.packb(
            {
                "token_id": token.token_id,
                "secret_hash": token.secret_hash,
                "room": token.room,
                "role": token.role.value,
                "delegate_id": token.delegate_id,
                "label": token.label,
                "created_at": token.created_at,
                "revoked_at": token.revoked_at,
            }
        )
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.hset(_TOKENS, token.token_id, body)
            pipe.hset(_TOKEN_BY_HASH, token.secret_hash, token.token_id)
            pipe.sadd(_room_tokens(token.room), token.token_id)
            await self._call(pipe.execute())

    @staticmethod
    def _token(body: bytes) -> TokenRecord:
        data = msgpack.unpackb(body)
        return TokenRecord(
            token_id=data["token_id"],
            secret_hash=data["secret_hash"],
            room=data["room"],
            role=Role(data["role"]),
            delegate_id=data["delegate_id"],
            label=data["label"],
            created_at=data["created_at"],
            revoked_at=data["revoked_at"],
        )

    async def find_token(self, secret_hash: str) -> TokenRecord | None:
        token_id = await self._call(self.client.hget(_TOKEN_BY_HASH, secret_hash))
        if token_id is None:
            return None
        body = await self._call(self.client.hget(_TOKENS, token_id))
        return None if body is None else self._token(body)

    async def list_tokens(self, room: str) -> list[TokenRecord]:
        ids = sorted(await self._call(self.client.smembers(_room_tokens(room))))
        if not ids:
            return []
        bodies = await self._call(self.client.hmget(_TOKENS, ids))
        tokens = [self._token(b) for b in bodies if b is not None]
        return sorted(tokens, key=lambda t: (t.created_at, t.token_id))

    async def revoke_token(self, room: str, token_id: str, at: int) -> bool:
        body = await self._call(self.client.hget(_TOKENS, token_id))
        if body is None:
            return False
        token = self._token(body)
        if token.room != room or token.revoked_at is not None:
            return False
        await self.add_token(dataclasses.replace(token, revoked_at=at))
        return True

    async def put_blob(self, sha256: str, data: bytes) -> None:
        if hashlib.sha256(data).hexdigest() != sha256:
            raise ValueError("a blob is stored under the SHA-256 of its bytes")
        await self._call(self.client.set(_blob(sha256), data, nx=True))

    async def get_blob(self, sha256: str) -> bytes | None:
        data = await self._call(self.client.get(_blob(sha256)))
        return None if data is None else bytes(data)

    async def close(self) -> None:
        with contextlib.suppress(RedisError, OSError):
            await self.client.aclose()
