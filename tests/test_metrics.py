"""/metrics: every metric present and moving through a session, and read only by who may."""

from __future__ import annotations

import asyncio
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import msgpack
import psutil
import pytest
from prometheus_client.parser import text_string_to_metric_families
from websockets.asyncio.client import connect

from presidium_console.client import CommandRefused, CongressClient
from session_server.backends.sqlite import SQLiteBackend
from session_server.core.state import Role
from session_server.demo import DEMO_ROOM
from session_server.hub.node import Hub
from session_server.metrics import Metrics, is_local
from tests.conftest import UNIT, Clients, HubProcess, stuck_screen

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]

LONG_TITLE = "Thảo luận và cho ý kiến " * 12


def outward_address() -> str | None:
    """An IPv4 address of this machine that is not loopback, if it has one."""
    for addresses in psutil.net_if_addrs().values():
        for address in addresses:
            if address.family == socket.AF_INET and not address.address.startswith("127."):
                return str(address.address)
    return None


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, str, str]:
    """Status, content type and body (page images decoded loosely: only their status counts)."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10 * UNIT) as answer:
            status, kind, body = (
                answer.status,
                answer.headers.get("content-type", ""),
                answer.read(),
            )
    except urllib.error.HTTPError as refused:
        with refused:
            status, kind, body = (
                refused.code,
                refused.headers.get("content-type", ""),
                refused.read(),
            )
    return status, kind, body.decode(errors="replace")


async def scrape(hub: HubProcess) -> Samples:
    status, content_type, body = await asyncio.to_thread(get, f"{hub.http}/metrics")
    assert status == 200, body
    assert content_type.startswith("text/plain; version=0.0.4")
    samples: Samples = {}
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    """The sum of the samples of `name` whose labels include `labels` (0 when none)."""
    wanted = set(labels.items())
    return sum(v for (n, got), v in samples.items() if n == name and wanted <= got)


def present(samples: Samples, name: str) -> bool:
    return any(n == name for n, _ in samples)


@pytest.fixture
def open_hub(demo_data: Path) -> Iterator[HubProcess]:
    """The demo hub on every address of this machine, so a request can come from off loopback."""
    process = HubProcess(demo_data)
    process.start("--host", "0.0.0.0", "--send-timeout", "4", "--max-queue", "64")
    try:
        yield process
    finally:
        process.stop()


async def test_every_metric_is_present_and_moves_through_a_session(open_hub: HubProcess) -> None:
    hub = open_hub
    clients = Clients(hub)
    try:
        await session(hub, clients)
    finally:
        await clients.close()


async def session(hub: HubProcess, clients: Clients) -> None:
    tokens = hub.tokens()
    before = await scrape(hub)
    for name in (
        "congress_node_info",
        "congress_screens",
        "congress_frames_sent_total",
        "congress_snapshots_total",
        "congress_slow_closes_total",
        "congress_command_seconds_count",
        "congress_log_append_seconds_count",
        "congress_tail_lag_seconds_count",
        "congress_tail_lag_records",
        "congress_room_seq",
        "congress_render_jobs",
        "congress_page_images_total",
    ):
        assert present(before, name), name

    presidium = await clients.connect(tokens.presidium)
    await clients.connect(tokens.secretariat)
    delegate = await clients.connect(tokens.delegates[0][0])
    await clients.connect(tokens.boards[0])
    node = presidium.welcome["node"]
    during = await scrape(hub)
    for audience in ("presidium", "secretariat", "delegate", "board"):
        assert value(during, "congress_screens", audience=audience, room=DEMO_ROOM, node=node) == 1

    # Page turns, a retried command, a command the rules refuse, one the role refuses.
    await presidium.command("show_page", document_id="bao-cao-chinh-tri", page=2)
    for _ in range(2):
        again = await presidium.command(
            "show_page", document_id="bao-cao-chinh-tri", page=3, command_id="turn-3"
        )
    assert again.duplicate
    with pytest.raises(CommandRefused):
        await presidium.command("show_page", document_id="chuong-trinh", page=999)
    with pytest.raises(CommandRefused):
        await delegate.command("show_page", document_id="chuong-trinh", page=1)

    # A screen resuming from a seq this node cannot serve events from gets a snapshot.
    async with connect(hub.url) as ws:
        hello = {"type": "hello", "v": 2, "token": tokens.boards[1], "room": DEMO_ROOM}
        await ws.send(msgpack.packb({**hello, "last_seq": presidium.view.seq + 1000}))
        kinds = [msgpack.unpackb(await ws.recv(decode=False))["type"] for _ in range(2)]
    assert kinds == ["welcome", "snapshot"]

    await page_images(hub, tokens.presidium)
    await stall_a_screen(hub, presidium, tokens.secretariat)

    after = await scrape(hub)
    moved = {
        "frames sent": ("congress_frames_sent_total", {}),
        "frames to delegates": ("congress_frames_sent_total", {"view": "delegate"}),
        "snapshots, resume": ("congress_snapshots_total", {"reason": "resume"}),
        "slow closes": ("congress_slow_closes_total", {"cause": "stalled"}),
        "accepted": ("congress_commands_total", {"command": "show_page", "outcome": "accepted"}),
        "duplicate": ("congress_commands_total", {"command": "show_page", "outcome": "duplicate"}),
        "refused": ("congress_commands_total", {"command": "show_page", "outcome": "not_found"}),
        "refused by role": ("congress_frames_refused_total", {"code": "forbidden"}),
        "acks": ("congress_command_seconds_count", {"answer": "ack"}),
        "errors": ("congress_command_seconds_count", {"answer": "error"}),
        "appends": ("congress_log_append_seconds_count", {}),
        "tail lag": ("congress_tail_lag_seconds_count", {}),
        "room seq": ("congress_room_seq", {"room": DEMO_ROOM}),
        "renders": ("congress_render_seconds_count", {"job": "render"}),
        "from cache": ("congress_page_images_total", {"source": "cache"}),
        "rendered": ("congress_page_images_total", {"source": "render"}),
    }
    for what, (name, labels) in moved.items():
        assert value(after, name, **labels) > value(before, name, **labels), what
    assert value(after, "congress_tail_lag_records", room=DEMO_ROOM) == 0
    lag_sum = value(after, "congress_tail_lag_seconds_sum")
    assert 0 <= lag_sum / value(after, "congress_tail_lag_seconds_count") < 5
    # Nothing confidential in a label: no token, no delegate, no document.
    text = (await asyncio.to_thread(get, f"{hub.http}/metrics"))[2]
    for secret in (*tokens.delegates[0], tokens.presidium, "chuong-trinh", "Chương trình"):
        assert secret not in text


async def page_images(hub: HubProcess, token: str) -> None:
    """Fetch pages twice (rendered, then from the cache), watching the render queue meanwhile."""
    auth = {"Authorization": f"Bearer {token}"}
    # Sixteen renders at once on a pool of a few workers: jobs wait in the queue for a second
    # or more, so the scrapes see them even when a loaded machine answers a scrape slowly.
    pages = [("chuong-trinh", n) for n in (1, 2)] + [("bao-cao-chinh-tri", n) for n in range(1, 7)]
    paths = [
        f"{hub.http}/api/rooms/{DEMO_ROOM}/documents/{document}/versions/1/pages/{n}.webp"
        f"?width={width}"
        for document, n in pages
        for width in (320, 1280)
    ]
    loop = asyncio.get_running_loop()
    with ThreadPoolExecutor(len(paths)) as pool:
        fetches = [loop.run_in_executor(pool, get, path, auth) for path in paths]
        busy = 0.0
        while not all(f.done() for f in fetches):
            samples = await scrape(hub)
            busy = max(busy, value(samples, "congress_render_jobs"))
            await asyncio.sleep(0.02)
    assert all(f.result()[0] == 200 for f in fetches)
    assert busy > 0, "the render queue was seen with jobs in it"
    for path in paths:
        assert (await asyncio.to_thread(get, path, auth))[0] == 200


async def stall_a_screen(hub: HubProcess, presidium: CongressClient, token: str) -> None:
    """A console that stops reading: its backlog becomes a snapshot, then it is closed slow."""
    # Large agenda frames, so that the stuck screen's queue passes its byte limit quickly.
    for n in range(60):
        await presidium.command("add_agenda_item", title=f"{LONG_TITLE}{n}"[:300])
    stuck = await stuck_screen(hub, token)
    stuck.transport.pause_reading()
    # Event frames carry only what changed, so they fill no buffer quickly (the kernel alone
    # may hold megabytes); snapshots of a long agenda do: a staff screen, which no rate
    # limit slows, asks for them and reads none.
    for _ in range(300):
        await stuck.send(msgpack.packb({"type": "sync"}))
    try:
        # Changes go on until the watchdog has had its send timeout (4 s) and a round after
        # the buffers filled: by time, not by count, as a loaded machine is slower.
        deadline = time.monotonic() + 30 * UNIT
        n = 0
        while True:
            await presidium.command(
                "edit_agenda_item", item_id=f"item-{7 + n % 60}", title=f"{n} {LONG_TITLE}"[:300]
            )
            n += 1
            if n % 25 == 0:
                samples = await scrape(hub)
                if value(samples, "congress_slow_closes_total", cause="stalled") > 0:
                    break
                if time.monotonic() > deadline:
                    pytest.fail("the stuck screen was never closed")
    finally:
        stuck.transport.abort()


async def test_only_the_local_host_or_a_staff_token_reads_metrics(open_hub: HubProcess) -> None:
    hub = open_hub
    tokens = hub.tokens()
    address = outward_address()
    # From elsewhere: this machine's own outward address if it has one, else as through a
    # proxy on this machine (loopback, forwarded for someone else), which is just as remote.
    base = f"http://{address or '127.0.0.1'}:{hub.port}"
    elsewhere = {} if address else {"X-Forwarded-For": "203.0.113.9"}
    remote = f"{base}/metrics"
    nowhere = await asyncio.to_thread(get, f"{base}/no-such-page", elsewhere)
    assert nowhere[0] == 404

    def bearer(token: str) -> dict[str, str]:
        return {**elsewhere, "Authorization": f"Bearer {token}"}

    refused = [
        await asyncio.to_thread(get, remote, elsewhere),
        await asyncio.to_thread(get, remote, bearer(tokens.boards[0])),
        await asyncio.to_thread(get, remote, bearer(tokens.delegates[0][0])),
        await asyncio.to_thread(get, remote, bearer("not-a-token")),
        await asyncio.to_thread(
            get, remote, {**elsewhere, "Cookie": f"congress_token={tokens.presidium}"}
        ),
        # Through a proxy on this machine: loopback, but forwarded for someone else.
        await asyncio.to_thread(get, f"{hub.http}/metrics", {"X-Forwarded-For": "203.0.113.9"}),
    ]
    for answer in refused:
        assert answer == nowhere, "refused exactly as an address that does not exist"

    # A staff token of its own, issued now: looked up like any sign-in.
    issued = await hub.issue(Role.SECRETARIAT)
    for token in (tokens.presidium, tokens.secretariat, issued):
        status, _, body = await asyncio.to_thread(get, remote, bearer(token))
        assert status == 200
        assert "congress_screens" in body
    assert (await asyncio.to_thread(get, f"{hub.http}/metrics"))[0] == 200


@pytest.mark.parametrize(
    ("client", "headers", "local"),
    [
        (("127.0.0.1", 5000), [], True),
        (("127.8.0.1", 5000), [], True),
        (("::1", 5000, 0, 0), [], True),
        (("192.0.2.7", 5000), [], False),
        (("::ffff:192.0.2.7", 5000, 0, 0), [], False),
        (None, [], False),
        (("unix-socket", 0), [], False),
        (("127.0.0.1", 5000), [(b"x-forwarded-for", b"192.0.2.7")], False),
        (("127.0.0.1", 5000), [(b"Forwarded", b"for=192.0.2.7")], False),
        (("127.0.0.1", 5000), [(b"x-real-ip", b"192.0.2.7")], False),
        (("127.0.0.1", 5000), [(b"x-forwarded-proto", b"https")], False),
    ],
)
def test_local_means_a_loopback_peer_with_no_proxy_between(
    client: tuple[object, ...] | None, headers: list[tuple[bytes, bytes]], local: bool
) -> None:
    scope = {"type": "http", "client": client, "headers": headers}
    assert is_local(scope) is local


async def test_two_hubs_in_one_process_count_apart(tmp_path: Path) -> None:
    backends = [await SQLiteBackend.open(tmp_path / f"{n}.db") for n in range(2)]
    try:
        first, second = (Hub(b) for b in backends)
        first.metrics.slow_close("stalled")
        assert first.metrics.registry is not second.metrics.registry
        one = first.metrics.exposition("")[0].decode()
        two = second.metrics.exposition("")[0].decode()
        assert 'congress_slow_closes_total{cause="stalled"} 1.0' in one
        assert 'congress_slow_closes_total{cause="stalled"} 0.0' in two
    finally:
        for backend in backends:
            await backend.close()


def test_every_metric_is_documented_and_no_other() -> None:
    operations = (Path(__file__).resolve().parent.parent / "docs" / "operations.md").read_text()
    table = operations.split("### Every metric", 1)[1].split("\n### ", 1)[0]
    documented = {
        line.split("|")[1].strip().strip("`")
        for line in table.splitlines()
        if line.startswith("| `congress_")
    }
    suffix = {"counter": "_total", "info": "_info"}
    exposed = {family.name + suffix.get(family.type, "") for family in Metrics().registry.collect()}
    assert documented == exposed
