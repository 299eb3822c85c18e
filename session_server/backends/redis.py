"""The Redis backend: a room's log in one Stream, appended by a Lua script that checks the seq.

Several hub nodes share one Redis. Each record is stream entry ``<seq>-1``; the script
appends only if the stream's last entry is ``expected_seq - 1`` and the origin is new,
atomically, so two nodes can never give one seq two records or fork a room. A tail reads
with ``XREAD BLOCK`` from the last id it yielded (never ``$``), so an append by any node
wakes it at once and a reconnect skips nothing.

Durability (``?durability=`` in the URL, see docs/operations.md):

- ``aof`` (default): the server must run with ``appendonly yes`` and ``appendfsync
  always``, checked at open; Redis then syncs each write to disk before it answers, so an
  acknowledged command survives the loss of the Redis process or its machine.
- ``replicas:N``: after the append, ``WAIT N`` on the same connection; the append counts
  only once N replicas have it, so it survives the loss of the primary.
- ``none``: whatever Redis is set to do; an acknowledged command may be lost.

Redis being unreachable, or refusing writes for now (a replica after a failover, too few
replicas, out of memory, loading its data), is `BackendUnavailable`. After a timeout the
append may still have happened: a retry with the same origin tells (`DuplicateOrigin`).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import time
from collections.abc import AsyncIterator, Awaitable
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit, urlunsplit

import msgpack
import redis.asyncio as redis
from redis.asyncio.retry import Retry
from redis.asyncio.sentinel import Sentinel
from redis.backoff import ExponentialWithJitterBackoff
from redis.exceptions import (
    BusyLoadingError,
    OutOfMemoryError,
    ReadOnlyError,
    RedisError,
    ResponseError,
    TryAgainError,
)
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from ..record import chain
from .base import (
    Backend,
    BackendUnavailable,
    DuplicateOrigin,
    LogRecord,
    SeqConflict,
    StoredRecord,
    TokenRecord,
    chained,
    decode_record,
    decode_snapshot,
    encode_snapshot,
)
from .redis_scripts import APPEND as _APPEND
from .redis_scripts import SNAPSHOT as _SNAPSHOT

_UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)
# Replies that mean "not now" with nothing written: a replica after a failover (READONLY),
# min-replicas-to-write not met, a failed background save, a primary link down, no memory.
_REFUSED_NOW = (ReadOnlyError, OutOfMemoryError, BusyLoadingError, TryAgainError)
_REFUSED_NOW_CODES = ("NOREPLICAS", "MISCONF", "MASTERDOWN", "BUSY ")

SOCKET_TIMEOUT = 5.0
"""Seconds an answer may take before Redis counts as unreachable (``?socket_timeout=``)."""
BLOCK_MS = 1000
"""How long one XREAD waits for news (at most half the socket timeout, so a quiet room is
not taken for an outage). An append wakes it at once, whichever node made it."""
WAIT_MS = 2000
"""How long an append waits for its replicas (``replicas:N``) before it is not durable
(at most half the socket timeout too)."""


def _log(room: str) -> str:
    # The room in braces: a Redis Cluster would keep every key of one room on one node.
    return f"congress:{{{room}}}:log"


def _origins(room: str) -> str:
    return f"congress:{{{room}}}:origins"


def _snapshot(room: str) -> str:
    return f"congress:{{{room}}}:snapshot"


def _room_tokens(room: str) -> str:
    return f"congress:{{{room}}}:tokens"


def _blob(sha256: str) -> str:
    return f"congress:blob:{sha256}"


_ROOMS = "congress:rooms"
_TOKENS = "congress:tokens"
# Kept apart from the token itself so that a revocation is one HSETNX: of two at once,
# exactly one is told it revoked the token.
_REVOKED = "congress:tokens:revoked"
_TOKEN_BY_HASH = "congress:tokens:by-hash"


def _seq_of(entry_id: bytes | str) -> int:
    text = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
    return int(text.split("-", 1)[0])


def _decoded(entry_id: bytes | str, fields: dict[bytes, bytes]) -> LogRecord:
    return decode_record(
        _seq_of(entry_id), fields[b"body"], fields.get(b"prev"), fields.get(b"hash")
    )


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def parse_durability(text: str) -> int | None:
    """Replicas an append must reach: None for ``aof`` and ``none``, N for ``replicas:N``."""
    if text in ("aof", "none"):
        return None
    name, _, count = text.partition(":")
    if name == "replicas" and count.isdigit() and int(count) >= 1:
        return int(count)
    raise ValueError(f"durability is aof, none or replicas:N (N >= 1), not {text!r}")


def _connect(url: str) -> tuple[redis.Redis, str, list[redis.Redis]]:
    """A client for `url`, its durability, and the Sentinel clients behind it (if any).

    ``redis://[[user]:password@]host:port/db`` (also ``rediss://``, ``unix://``), with
    redis-py's own options allowed in the query; or, to follow the primary that Sentinel
    names through failovers, ``redis+sentinel://[[user]:password@]host:port[,host:port...]
    /service[/db]`` with ``socket_timeout`` the only other option. Both take
    ``?durability=``.
    """
    parts = urlsplit(url)
    options = parse_qs(parts.query)
    durability = options.pop("durability", ["aof"])[0]
    parse_durability(durability)
    common: dict[str, Any] = {
        "socket_timeout": SOCKET_TIMEOUT,
        "socket_connect_timeout": 3,
        "health_check_interval": 10,
        # A dropped connection (Redis restarted, an idle one closed, a failover) is tried
        # again a few times within about half a second; a longer outage is reported at
        # once, so a command is refused promptly rather than left waiting. A timeout is
        # not retried: Redis is there but slow, and waiting again would double the wait.
        "retry": Retry(
            ExponentialWithJitterBackoff(base=0.02, cap=0.25),
            3,
            supported_errors=(RedisConnectionError,),
        ),
    }
    if parts.scheme != "redis+sentinel":
        query = urlencode(options, doseq=True)
        plain = urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))
        return redis.Redis.from_url(plain, **common), durability, []
    if set(options) - {"socket_timeout"}:
        raise ValueError("a redis+sentinel:// URL takes only durability and socket_timeout")
    if "socket_timeout" in options:
        common["socket_timeout"] = float(options["socket_timeout"][0])
    auth, _, hosts = parts.netloc.rpartition("@")
    user, _, password = auth.partition(":")
    service, _, db = parts.path.strip("/").partition("/")
    if not hosts or not service:
        raise ValueError("redis+sentinel://HOST:PORT[,HOST:PORT...]/SERVICE[/DB]")
    addresses = []
    for host in hosts.split(","):
        name, _, port = host.rpartition(":")
        addresses.append((name.strip("[]"), int(port or 26379)))
    # redis-py's Sentinel has no annotations.
    sentinel = Sentinel(  # type: ignore[no-untyped-call]
        addresses,
        sentinel_kwargs={k: common[k] for k in ("socket_timeout", "socket_connect_timeout")},
    )
    client = sentinel.master_for(
        service,
        db=int(db or 0),
        username=unquote(user) or None,
        password=unquote(password) or None,
        **common,
    )
    return client, durability, list(sentinel.sentinels)


class _Stale(SeqConflict):
    """The head is the expected seq but carries another hash than this node knew."""


class RedisBackend(Backend):
    """See the module docstring; every method maps Redis being away to BackendUnavailable."""

    def __init__(
        self,
        client: redis.Redis,
        durability: str = "aof",
        *,
        block_ms: int = BLOCK_MS,
        wait_ms: int = WAIT_MS,
    ) -> None:
        self.client = client
        self.durability = durability
        self.replicas = parse_durability(durability)
        self.block_ms = block_ms
        self.wait_ms = wait_ms
        self._append_script = client.register_script(_APPEND)
        self._snapshot_script = client.register_script(_SNAPSHOT)
        self._reads: set[asyncio.Future[Any]] = set()
        self._sentinels: list[redis.Redis] = []
        self._chain_heads: dict[str, tuple[int, bytes, bytes]] = {}
        """Per room, the last record this node appended or looked up: (seq, the hash it
        stores, '' for a record older than the chain, and its chain hash)."""

    @classmethod
    async def open(cls, url: str) -> RedisBackend:
        """Connect as `url` says (see `_connect`); Sentinel's own clients close with it."""
        client, durability, sentinels = _connect(url)
        timeout = client.connection_pool.connection_kwargs.get("socket_timeout") or SOCKET_TIMEOUT
        # Both waits end well before the socket gives up on the answer.
        within = int(float(timeout) * 500)
        backend = cls(
            client, durability, block_ms=min(BLOCK_MS, within), wait_ms=min(WAIT_MS, within)
        )
        backend._sentinels = sentinels
        try:
            if durability == "aof":
                await backend._check_aof()
        except BaseException:
            await backend.close()
            raise
        return backend

    async def _check_aof(self) -> None:
        try:
            config: dict[Any, Any] = await self._call(self.client.config_get("append*"))
        except ResponseError as error:
            raise ValueError(
                f"cannot read Redis's configuration ({error}); check appendonly yes and "
                "appendfsync always yourself, then choose ?durability=none"
            ) from error
        settings = {_text(k): _text(v) for k, v in config.items()}
        if settings.get("appendonly") != "yes" or settings.get("appendfsync") != "always":
            raise ValueError(
                "Redis does not sync every write to disk (needs appendonly yes and appendfsync "
                "always); fix its configuration or choose ?durability=none knowingly"
            )

    async def _call(self, awaitable: Awaitable[Any]) -> Any:
        # Any: redis-py's return types say too little (bytes | str | None for every reply).
        try:
            return await awaitable
        except _UNREACHABLE as error:
            raise BackendUnavailable(f"Redis cannot be reached: {error}") from error
        except _REFUSED_NOW as error:
            raise BackendUnavailable(f"Redis refuses writes now: {error}") from error
        except ResponseError as error:
            if str(error).startswith(_REFUSED_NOW_CODES):
                raise BackendUnavailable(f"Redis refuses writes now: {error}") from error
            raise

    # ---- the log

    async def _chain_head(self, room: str, seq: int) -> tuple[bytes, bytes]:
        """Record `seq`'s stored hash (b'' if it has none) and chain hash; cached."""
        cached = self._chain_heads.get(room)
        if cached is not None and cached[0] == seq:
            return cached[1], cached[2]
        if seq == 0:
            return b"", chain.genesis(room)
        found = await self._call(self.client.xrange(_log(room), min=f"{seq}-1", max=f"{seq}-1"))
        if not found:
            # Past the head: the script answers with the conflict.
            return b"", chain.genesis(room)
        stored = found[0][1].get(b"hash")
        own = stored if stored is not None else await self.record_hash(room, seq)
        self._chain_heads[room] = (seq, stored or b"", own)
        return stored or b"", own

    async def append(self, room: str, expected_seq: int, record: LogRecord) -> None:
        head = expected_seq - 1
        for _ in range(2):
            head_stored, prev = await self._chain_head(room, expected_seq - 1)
            [(body, own)] = chained(room, prev, [record])
            try:
                await self._append_once(room, expected_seq, record, body, [head_stored, prev, own])
            except _Stale as stale:
                # The head's hash was not the one this node knew: look it up again, once.
                self._chain_heads.pop(room, None)
                head = stale.head
                continue
            except SeqConflict:
                self._chain_heads.pop(room, None)
                raise
            self._chain_heads[room] = (expected_seq, own, own)
            return
        raise SeqConflict(room, head)

    async def _append_once(
        self, room: str, expected_seq: int, record: LogRecord, body: bytes, links: list[bytes]
    ) -> None:
        keys = [_log(room), _origins(room), _ROOMS]
        args: list[bytes | str | int] = [
            expected_seq,
            body,
            record.origin or "",
            room,
            "1" if self.replicas else "",
            *links,
        ]
        reached: int | None = None
        if self.replicas is None:
            outcome = await self._call(self._append_script(keys=keys, args=args))
        else:
            # WAIT counts the writes of the connection it is sent on: one pipeline keeps the
            # append and its WAIT on one connection.
            async with self.client.pipeline(transaction=False) as pipe:
                await self._append_script(keys=keys, args=args, client=pipe)
                pipe.wait(self.replicas, self.wait_ms)
                outcome, reached = await self._call(pipe.execute())
        status = _text(outcome[0])
        if reached is not None and status != "conflict" and reached < (self.replicas or 0):
            # Written on the primary, not yet where the promise says: not acknowledged. A
            # retry with the same origin waits again, and only then is DuplicateOrigin.
            raise BackendUnavailable(f"only {reached} of {self.replicas} replicas have it")
        if status == "duplicate":
            raise DuplicateOrigin(record.origin or "", int(outcome[1]))
        if status == "conflict":
            raise SeqConflict(room, int(outcome[1]))
        if status == "stale":
            raise _Stale(room, int(outcome[1]))

    async def read(self, room: str, after: int, limit: int = 1000) -> list[LogRecord]:
        entries = await self._call(
            self.client.xrange(_log(room), min=f"({after}-1" if after else "-", count=limit)
        )
        return [_decoded(entry_id, fields) for entry_id, fields in entries]

    async def read_raw(self, room: str, after: int, limit: int = 1000) -> list[StoredRecord]:
        entries = await self._call(
            self.client.xrange(_log(room), min=f"({after}-1" if after else "-", count=limit)
        )
        return [
            StoredRecord(
                seq=_seq_of(entry_id),
                body=fields.get(b"body", b""),
                prev=fields.get(b"prev"),
                hash=fields.get(b"hash"),
            )
            for entry_id, fields in entries
        ]

    async def tail(self, room: str, after: int) -> AsyncIterator[LogRecord]:
        while True:
            # From the last id yielded, never "$": an entry appended while this node was
            # away (or between two reads) is still read, once.
            last_id = f"{after}-1" if after else "0-0"
            # Shielded: a room closing cancels its tail, and a blocking read cut off
            # mid-command costs redis-py its connection (an earlier tail saw the pool hang).
            # Left alone, the read ends within block_ms and gives its connection back; its
            # answer is dropped, and the next tail starts again from the last seq applied.
            reading = asyncio.ensure_future(
                self._call(self.client.xread({_log(room): last_id}, count=500, block=self.block_ms))
            )
            self._reads.add(reading)
            reading.add_done_callback(self._read_done)
            answer = await asyncio.shield(reading)
            for _, entries in answer or []:
                for entry_id, fields in entries:
                    seq = _seq_of(entry_id)
                    if seq <= after:
                        continue
                    yield _decoded(entry_id, fields)
                    after = seq

    def _read_done(self, reading: asyncio.Future[Any]) -> None:
        self._reads.discard(reading)
        # A read whose tail was cancelled has no one to hand its error to.
        if not reading.cancelled():
            reading.exception()

    async def check_writable(self, node: str) -> None:
        key = f"congress:health:{node}"
        if self.replicas is None:
            await self._call(self.client.set(key, time.time_ns() // 1_000_000, ex=3600))
            return
        async with self.client.pipeline(transaction=False) as pipe:
            pipe.set(key, time.time_ns() // 1_000_000, ex=3600)
            pipe.wait(self.replicas, self.wait_ms)
            _, reached = await self._call(pipe.execute())
        if reached < self.replicas:
            raise BackendUnavailable(f"only {reached} of {self.replicas} replicas have it")

    async def head(self, room: str) -> int:
        last = await self._call(self.client.xrevrange(_log(room), count=1))
        return _seq_of(last[0][0]) if last else 0

    async def rooms(self) -> list[str]:
        members = await self._call(self.client.smembers(_ROOMS))
        return sorted(_text(m) for m in members)

    async def find_origin(self, room: str, origin: str) -> int | None:
        seq = await self._call(self.client.hget(_origins(room), origin))
        return None if seq is None else int(seq)

    async def save_snapshot(self, room: str, seq: int, state: bytes) -> None:
        await self._call(
            self._snapshot_script(keys=[_snapshot(room)], args=[seq, encode_snapshot(state)])
        )

    async def load_snapshot(self, room: str) -> tuple[int, bytes] | None:
        found = await self._call(self.client.hmget(_snapshot(room), ["seq", "state"]))
        state = None if found[0] is None or found[1] is None else decode_snapshot(bytes(found[1]))
        return None if state is None else (int(found[0]), state)

    # ---- tokens

    async def add_token(self, token: TokenRecord) -> None:
        body = msgpack.packb(token.to_plain())
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.hset(_TOKENS, token.token_id, body)
            pipe.hset(_TOKEN_BY_HASH, token.secret_hash, token.token_id)
            pipe.sadd(_room_tokens(token.room), token.token_id)
            if token.revoked_at is not None:
                pipe.hset(_REVOKED, token.token_id, token.revoked_at)
            await self._call(pipe.execute())

    @staticmethod
    def _token(body: bytes, revoked_at: bytes | None) -> TokenRecord:
        data = msgpack.unpackb(body)
        # Revocation is kept apart, so that revoking writes one field.
        data["revoked_at"] = None if revoked_at is None else int(revoked_at)
        return TokenRecord.from_plain(data)

    async def find_token(self, secret_hash: str) -> TokenRecord | None:
        token_id = await self._call(self.client.hget(_TOKEN_BY_HASH, secret_hash))
        if token_id is None:
            return None
        async with self.client.pipeline(transaction=False) as pipe:
            pipe.hget(_TOKENS, token_id)
            pipe.hget(_REVOKED, token_id)
            body, revoked_at = await self._call(pipe.execute())
        return None if body is None else self._token(body, revoked_at)

    async def list_tokens(self, room: str) -> list[TokenRecord]:
        ids = sorted(await self._call(self.client.smembers(_room_tokens(room))))
        if not ids:
            return []
        async with self.client.pipeline(transaction=False) as pipe:
            pipe.hmget(_TOKENS, ids)
            pipe.hmget(_REVOKED, ids)
            bodies, revocations = await self._call(pipe.execute())
        tokens = [
            self._token(body, revoked_at)
            for body, revoked_at in zip(bodies, revocations, strict=True)
            if body is not None
        ]
        return sorted(tokens, key=lambda t: (t.created_at, t.token_id))

    async def revoke_token(self, room: str, token_id: str, at: int) -> bool:
        body = await self._call(self.client.hget(_TOKENS, token_id))
        if body is None or msgpack.unpackb(body)["room"] != room:
            return False
        return bool(await self._call(self.client.hsetnx(_REVOKED, token_id, at)))

    # ---- blobs

    async def put_blob(self, sha256: str, data: bytes) -> None:
        if hashlib.sha256(data).hexdigest() != sha256:
            raise ValueError("a blob is stored under the SHA-256 of its bytes")
        await self._call(self.client.set(_blob(sha256), data, nx=True))

    async def get_blob(self, sha256: str) -> bytes | None:
        data = await self._call(self.client.get(_blob(sha256)))
        return None if data is None else bytes(data)

    # ---- export and restore

    async def all_tokens(self) -> list[TokenRecord]:
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.hgetall(_TOKENS)
            pipe.hgetall(_REVOKED)
            bodies, revocations = await self._call(pipe.execute())
        tokens = [self._token(body, revocations.get(token_id)) for token_id, body in bodies.items()]
        return sorted(tokens, key=lambda t: (t.created_at, t.token_id))

    async def is_empty(self) -> bool:
        # Any key of the congress but a node's health probe: a restore must not mix logs.
        cursor = 0
        while True:
            cursor, keys = await self._call(self.client.scan(cursor, match="congress:*", count=500))
            if any(not _text(k).startswith("congress:health:") for k in keys):
                return False
            if cursor == 0:
                return True

    async def erase(self) -> int:
        """Delete every key of the congress (`congress restore --force`, the nodes stopped)."""
        erased = 0
        cursor = 0
        while True:
            cursor, keys = await self._call(self.client.scan(cursor, match="congress:*", count=500))
            if keys:
                erased += int(await self._call(self.client.unlink(*keys)))
            if cursor == 0:
                return erased

    async def append_many(self, room: str, records: list[LogRecord]) -> None:
        # Pipelined, 500 at a time: Redis syncs its AOF once per batch it answers, not once
        # per record, and each append still runs the script that checks its seq and origin.
        keys = [_log(room), _origins(room), _ROOMS]
        if not records:
            return
        head_stored, prev = await self._chain_head(room, records[0].seq - 1)
        links = chained(room, prev, records)
        for start in range(0, len(records), 500):
            async with self.client.pipeline(transaction=False) as pipe:
                for record, (body, own) in zip(
                    records[start : start + 500], links[start : start + 500], strict=True
                ):
                    args: list[bytes | str | int] = [
                        record.seq,
                        body,
                        record.origin or "",
                        room,
                        "",
                        head_stored,
                        prev,
                        own,
                    ]
                    await self._append_script(keys=keys, args=args, client=pipe)
                    head_stored = prev = own
                if self.replicas:
                    pipe.wait(self.replicas, self.wait_ms)
                answers = await self._call(pipe.execute())
            if self.replicas and answers.pop() < self.replicas:
                raise BackendUnavailable(f"the replicas did not confirm room {room!r}")
            for outcome in answers:
                status = _text(outcome[0])
                if status == "duplicate":
                    raise DuplicateOrigin("", int(outcome[1]))
                if status in ("conflict", "stale"):
                    self._chain_heads.pop(room, None)
                    raise SeqConflict(room, int(outcome[1]))

    async def close(self) -> None:
        # Reads of cancelled tails end within block_ms; closing the pool under one that is
        # still connecting would leave its socket open for the collector to find.
        if self._reads:
            await asyncio.wait(list(self._reads), timeout=self.block_ms / 1000 + 1)
        for client in (self.client, *self._sentinels):
            with contextlib.suppress(RedisError, OSError):
                await client.aclose()
