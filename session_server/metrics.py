"""This node's metrics in Prometheus text format: a registry per hub, cheap hooks, /metrics."""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics
from prometheus_client.exposition import choose_encoder
from prometheus_client.metrics_core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    InfoMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Scope

from .auth import authenticate
from .backends.base import Backend, BackendUnavailable, LogRecord
from .core.state import Role

if TYPE_CHECKING:
    from .documents.render import RenderPool
    from .documents.store import DocumentStore
    from .hub.node import Hub

READERS = frozenset({Role.PRESIDIUM, Role.SECRETARIAT})
"""Roles whose token, as `Authorization: Bearer`, may read /metrics from another machine."""

_FORWARDED = ("forwarded", "x-forwarded-for", "x-forwarded-proto", "x-real-ip")
"""Headers a reverse proxy adds: a request carrying one came from elsewhere through it."""

HEAD_SECONDS = 2.0
"""Longest a scrape waits for the log's heads (the lag in records); past it they are left out."""

# `_created` series would double every counter's lines for a start time Prometheus knows.
disable_created_metrics()  # type: ignore[no-untyped-call]

_VIEWS = ("presidium", "delegate", "board", "hall")
_SECONDS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_RENDER_SECONDS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0)


class Metrics:
    """Everything one hub counts. A hook on the hot path is one method call, never per screen.

    A page turn to thousands of screens adds the number of screens offered the frame, once
    per view; what is a count of live things (screens, queue lengths) is read from the hub
    only when scraped.
    """

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self._frames = Counter(
            "congress_frames_sent",
            "Event frames offered to screens: one per screen per broadcast, by view "
            "(presidium and secretariat share the presidium view).",
            ["view"],
            registry=r,
        )
        self._broadcasts = Counter(
            "congress_broadcasts",
            "Records that changed a view, each encoded once and offered to its screens.",
            ["view"],
            registry=r,
        )
        self._frames_to = {view: self._frames.labels(view) for view in _VIEWS}
        self._broadcasts_to = {view: self._broadcasts.labels(view) for view in _VIEWS}
        self._snapshots = Counter(
            "congress_snapshots",
            "Snapshots queued for a screen instead of a backlog of events: queue_full (a "
            "screen fell max_queue behind), resume (a reconnecting screen's missed events are "
            "no longer kept or do not fit), connect (a screen with nothing yet).",
            ["reason"],
            registry=r,
        )
        self._slow_closes = Counter(
            "congress_slow_closes",
            "Screens closed 4008 slow: stalled (a frame waited past send_timeout), answers "
            "(its queue full of answers it does not read).",
            ["cause"],
            registry=r,
        )
        self._commands = Counter(
            "congress_commands",
            "Commands decided by a room's writer, by name and outcome: accepted, duplicate "
            "(a retry, applied once), or the refusal's error code.",
            ["command", "outcome"],
            registry=r,
        )
        self._refused_frames = Counter(
            "congress_frames_refused",
            "Client frames refused at the socket before reaching a room (rate_limited, "
            "forbidden by role, invalid_args, malformed...), by error code.",
            ["code"],
            registry=r,
        )
        self._command_seconds = Histogram(
            "congress_command_seconds",
            "Seconds from a command reaching its room's writer to its answer: decided, "
            "appended durably and applied by this node (ack), or refused (error).",
            ["answer"],
            buckets=_SECONDS,
            registry=r,
        )
        self._acked = self._command_seconds.labels("ack")
        self._errored = self._command_seconds.labels("error")
        self.append_seconds = Histogram(
            "congress_log_append_seconds",
            "Seconds one conditional append to the log took to be durable (or to fail).",
            buckets=_SECONDS,
            registry=r,
        )
        self._tail_lag = Histogram(
            "congress_tail_lag_seconds",
            "Seconds from a record's time (the appending node's clock) to this node having "
            "applied it and offered it to its screens.",
            buckets=_SECONDS,
            registry=r,
        )
        self._render_seconds = Histogram(
            "congress_render_seconds",
            "Seconds one render-pool job took in a worker, by job (render, mark, inspect, "
            "text, texts); failures and timeouts included.",
            ["job"],
            buckets=_RENDER_SECONDS,
            registry=r,
        )
        # Bound once (a label lookup costs several times the increment), and zero from the
        # start, so that a rate or an alert has a series before the first one.
        self._snapshots_for = {
            reason: self._snapshots.labels(reason) for reason in ("queue_full", "resume", "connect")
        }
        self._slow_closes_for = {
            cause: self._slow_closes.labels(cause) for cause in ("stalled", "answers")
        }
        self._commands_for: dict[tuple[str, str], Counter] = {}
        self.hub: Hub | None = None
        self.documents: DocumentStore | None = None
        self._heads: Mapping[str, int] = {}
        r.register(_Live(self))

    # ---- hooks: each one call, on the hot path or beside it

    def broadcast(self, view: Role, screens: int) -> None:
        """A record changed `view`; its one frame was offered to `screens` screens."""
        self._broadcasts_to[view.value].inc()
        self._frames_to[view.value].inc(screens)

    def snapshot_instead(self, reason: str) -> None:
        """A screen was queued a snapshot instead of events: queue_full, resume or connect."""
        self._snapshots_for[reason].inc()

    def slow_close(self, cause: str) -> None:
        self._slow_closes_for[cause].inc()

    def frame_refused(self, code: str) -> None:
        self._refused_frames.labels(code).inc()

    def command_answered(self, command: str, outcome: str, seconds: float) -> None:
        """`outcome`: accepted, duplicate, or the refusal's error code."""
        counter = self._commands_for.get((command, outcome))
        if counter is None:
            # Bounded: command names come from the registry, outcomes from the error codes.
            counter = self._commands_for[command, outcome] = self._commands.labels(command, outcome)
        counter.inc()
        acked = outcome in ("accepted", "duplicate")
        (self._acked if acked else self._errored).observe(seconds)

    def applied(self, record: LogRecord, now_ms: int) -> None:
        """This node applied `record` from its tail at `now_ms` (the hub's clock)."""
        self._tail_lag.observe(max(0, now_ms - record.at) / 1000)

    def rendered(self, job: str, seconds: float) -> None:
        self._render_seconds.labels(job).observe(seconds)

    # ---- scraping

    async def refresh(self, backend: Backend, rooms: Iterable[str]) -> None:
        """Read each room's head in the log, for the lag in records; skipped when slow or down."""
        heads: dict[str, int] = {}
        try:
            async with asyncio.timeout(HEAD_SECONDS):
                for name in rooms:
                    heads[name] = await backend.head(name)
        except (BackendUnavailable, TimeoutError):
            pass
        self._heads = heads

    def exposition(self, accept: str) -> tuple[bytes, str]:
        """The registry in the format the scraper asked for (Prometheus text by default)."""
        encoder, content_type = choose_encoder(accept)
        return encoder(self.registry), content_type


class _Live(Collector):
    """What is counted by looking, at scrape time: screens, seqs, render jobs, page images."""

    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics

    def describe(self) -> Iterable[Metric]:
        return list(self._families())

    def collect(self) -> Iterable[Metric]:
        families = self._families()
        hub = self._metrics.hub
        if hub is not None:
            self._read_hub(hub, families)
        documents = self._metrics.documents
        if documents is not None:
            self._read_documents(documents, documents.pool, families)
        return list(families)

    def _families(self) -> _Families:
        return _Families(
            node=InfoMetricFamily("congress_node", "This hub node's id.", labels=["node"]),
            screens=GaugeMetricFamily(
                "congress_screens",
                "Screens connected to this node, by room and audience.",
                labels=["node", "room", "audience"],
            ),
            seq=GaugeMetricFamily(
                "congress_room_seq", "The last record this node applied, by room.", labels=["room"]
            ),
            lag=GaugeMetricFamily(
                "congress_tail_lag_records",
                "Records in the log this node has not applied yet, by room (absent when the "
                "log could not be read within the scrape).",
                labels=["room"],
            ),
            render_jobs=GaugeMetricFamily(
                "congress_render_jobs",
                "Render-pool jobs now: waiting for a worker (the queue) or running in one.",
                labels=["state"],
            ),
            replaced=CounterMetricFamily(
                "congress_render_workers_replaced",
                "Render workers killed and replaced (a job overran, crashed, or was abandoned).",
            ),
            marked=GaugeMetricFamily(
                "congress_marked_pages",
                "Readers' marked copies of confidential pages this node has prepared ahead, "
                "and how many there are to prepare, by room.",
                labels=["room", "state"],
            ),
            marking=GaugeMetricFamily(
                "congress_marking_jobs",
                "Marked copies in the marking scheduler now: queued (asked for by tablets, "
                "waiting for a worker; at most marking_queue a worker), ahead (the preparer's, "
                "waiting), running.",
                labels=["state"],
            ),
            preparing=CounterMetricFamily(
                "congress_marking_refused",
                "Requests for a marked copy answered 503 preparing, by reason: full (the "
                "queue at its cap), replaced (a newer request of the same reader or the live "
                "page took its place), busy (the reader already waits for the live page), "
                "slow (not made within marking_wait; it is still made).",
                labels=["reason"],
            ),
            images=CounterMetricFamily(
                "congress_page_images",
                "Page images served over HTTP: from this node's cache, or rendered for the "
                "request (or for one asked at the same moment).",
                labels=["source"],
            ),
        )

    def _read_hub(self, hub: Hub, families: _Families) -> None:
        families.node.add_metric([hub.node_id], {})
        heads = self._metrics._heads
        for name, room in list(hub.rooms.items()):
            staff = {Role.PRESIDIUM: 0, Role.SECRETARIAT: 0}
            # The presidium view's screens are the consoles (a few); the hall's many
            # delegates and boards are counted by the size of their sets.
            for screen in room.screens[Role.PRESIDIUM]:
                staff[screen.audience] += 1
            counts = {
                **staff,
                Role.DELEGATE: len(room.screens[Role.DELEGATE]),
                Role.BOARD: len(room.screens[Role.BOARD]),
                Role.HALL: len(room.screens[Role.HALL]),
            }
            for audience, count in counts.items():
                families.screens.add_metric([hub.node_id, name, audience.value], count)
            seq = room.state.seq
            families.seq.add_metric([name], seq)
            head = heads.get(name)
            if head is not None:
                families.lag.add_metric([name], max(0, head - seq))

    def _read_documents(self, store: DocumentStore, pool: RenderPool, families: _Families) -> None:
        families.render_jobs.add_metric(["waiting"], pool.waiting)
        families.render_jobs.add_metric(["running"], pool.running)
        families.replaced.add_metric([], pool.replaced)
        families.images.add_metric(["cache"], store.served_from_cache)
        families.images.add_metric(["render"], store.served_rendered)
        marking = store.marking
        families.marking.add_metric(["queued"], marking.queued)
        families.marking.add_metric(["ahead"], marking.queued_ahead)
        families.marking.add_metric(["running"], marking.running)
        for reason, count in marking.refused.items():
            families.preparing.add_metric([reason], count)
        for room, progress in store.preparation.items():
            families.marked.add_metric([room, "prepared"], progress.prepared)
            families.marked.add_metric([room, "total"], progress.total)


class _Families:
    __slots__ = (
        "images",
        "lag",
        "marked",
        "marking",
        "node",
        "preparing",
        "render_jobs",
        "replaced",
        "screens",
        "seq",
    )

    def __init__(
        self,
        *,
        node: InfoMetricFamily,
        screens: GaugeMetricFamily,
        seq: GaugeMetricFamily,
        lag: GaugeMetricFamily,
        render_jobs: GaugeMetricFamily,
        replaced: CounterMetricFamily,
        marked: GaugeMetricFamily,
        marking: GaugeMetricFamily,
        preparing: CounterMetricFamily,
        images: CounterMetricFamily,
    ) -> None:
        self.node = node
        self.screens = screens
        self.seq = seq
        self.lag = lag
        self.render_jobs = render_jobs
        self.replaced = replaced
        self.marked = marked
        self.marking = marking
        self.preparing = preparing
        self.images = images

    def __iter__(self) -> Iterator[Metric]:
        yield from (
            self.node,
            self.screens,
            self.seq,
            self.lag,
            self.render_jobs,
            self.replaced,
            self.marked,
            self.marking,
            self.preparing,
            self.images,
        )


UNCOUNTED = Metrics()
"""Where a room, screen, writer or pool made without a hub counts (tests, the CLI): no one
scrapes it."""


# ---- access


def is_local(scope: Scope) -> bool:
    """Whether the request came straight from this machine: a loopback peer, no proxy between.

    A reverse proxy on the same machine connects from loopback for everyone; it says so by
    adding a forwarding header (uvicorn also replaces the peer with the forwarded address
    when it trusts the proxy), so such a request needs a token like any other.
    """
    client = scope.get("client")
    if not client:
        return False
    try:
        loopback = ipaddress.ip_address(client[0]).is_loopback
    except ValueError:
        return False
    headers = {name.decode("latin-1").lower() for name, _ in scope.get("headers", [])}
    return loopback and not any(header in headers for header in _FORWARDED)


async def may_read(request: Request, backend: Backend) -> bool:
    """The local host, or a presidium or secretariat token of any room as a Bearer token."""
    if is_local(request.scope):
        return True
    header = request.headers.get("authorization", "")
    if header[:7].lower() != "bearer ":
        return False
    token = await authenticate(backend, header[7:].strip(), None)
    return token is not None and token.role in READERS


async def endpoint(request: Request) -> Response:
    """GET /metrics: anyone else gets exactly the answer of an address that does not exist."""
    hub: Hub = request.app.state.hub
    try:
        allowed = await may_read(request, hub.backend)
    except BackendUnavailable:
        allowed = False
    if not allowed:
        raise HTTPException(status_code=404)
    metrics = hub.metrics
    await metrics.refresh(hub.backend, list(hub.rooms))
    body, content_type = metrics.exposition(request.headers.get("accept", ""))
    return Response(body, media_type=content_type, headers={"Cache-Control": "no-store"})
