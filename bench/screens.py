"""The screens: client processes, each following the room on many sockets from one event loop."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import multiprocessing
import os
import signal
import socket
import struct
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, cast

import msgpack
import psutil
from websockets.asyncio.client import ClientConnection, connect
from websockets.client import ClientProtocol
from websockets.exceptions import ConnectionClosed
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.uri import WebSocketURI, parse_uri

from bench.baseline import loop_factory, raise_open_files_limit

CONNECT_TIMEOUT = 30.0
"""Seconds one socket may take from TCP connect to its first snapshot."""
REPORT_TIMEOUT = 60.0
CLOSE_WAIT = 3.0
"""Seconds the screens wait for the server to answer their close before cutting the sockets."""

SO_TIMESTAMPING = getattr(socket, "SO_TIMESTAMPING", 37)
"""socket(7): with the flags below, each read's ancillary data holds the kernel's software
receive timestamp (CLOCK_REALTIME) of the last segment it read (Documentation/networking/
timestamping.rst). Python names the option only from 3.14 on; 37 on every Linux arch."""
SOF_TIMESTAMPING_RX_SOFTWARE = 1 << 3
SOF_TIMESTAMPING_SOFTWARE = 1 << 4
READ_BYTES = 65536
STAMP_SPACE = socket.CMSG_SPACE(48)
"""struct scm_timestamping: three timespecs; the software stamp is the first."""


@dataclass(frozen=True)
class Target:
    """A server the screens follow, and the hello each of its screens says."""

    url: str
    hellos: list[bytes]
    more_urls: tuple[str, ...] = ()
    """Other nodes of the same server: screen i connects to ``[url, *more_urls][i % k]``."""


@dataclass(frozen=True)
class WorkerPlan:
    targets: list[Target]
    batch: int
    client: str
    lifetime: float
    """A worker stops by itself after this many seconds, even if its parent never says so."""
    scheduling: str
    """batch: the process runs under SCHED_BATCH (see `stand_aside`); normal: as started."""


@dataclass
class WorkerReport:
    turns: dict[int, tuple[int, int, int, int, int]]
    """seq -> (screens that got it, first and last read, first and last arrival), in ns, for
    the measured turns."""
    missed_screens: int
    missed_frames: int
    resyncs: int
    lost: int
    sizes: dict[int, int]
    """Event frame size in bytes -> how many were received."""
    missed: dict[str, tuple[int, int]]
    """Per group of measured turns (a phase of the run): screens that missed one, frames missed."""


class Tally:
    """One worker's receptions per turn of one target; says when all its screens have one."""

    def __init__(self, conn: Connection, target: int) -> None:
        self.conn = conn
        self.target = target
        self.expected = 0
        self.turns: dict[int, list[int]] = {}
        self.sizes: collections.Counter[int] = collections.Counter()

    def record(self, seq: int, at_ns: int, arrived_ns: int, size: int) -> None:
        entry = self.turns.get(seq)
        if entry is None:
            entry = self.turns[seq] = [0, at_ns, at_ns, arrived_ns, arrived_ns]
        entry[0] += 1
        entry[1] = min(entry[1], at_ns)
        entry[2] = max(entry[2], at_ns)
        entry[3] = min(entry[3], arrived_ns)
        entry[4] = max(entry[4], arrived_ns)
        self.sizes[size] += 1
        if entry[0] == self.expected:
            # The parent paces the turns on this; the figures themselves come in the report.
            self.conn.send(("turn", self.target, seq, size))


class Follower:
    """What a screen keeps of the frames it receives; the socket is the subclass's business."""

    def __init__(self, hello: bytes, tally: Tally) -> None:
        self.hello = hello
        self.tally = tally
        self.ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.seqs: list[int] = []
        self.snapshots = 0
        self.lost = False
        self.closed = asyncio.Event()

    def frame(self, data: bytes, at_ns: int, arrived_ns: int = 0) -> None:
        """A binary frame read at `at_ns`, its bytes in this host's socket at `arrived_ns`
        (both monotonic; 0: the client does not know, and the read counts as the arrival)."""
        message = msgpack.unpackb(data)
        kind = message.get("type")
        if kind == "event":
            seq = int(message["seq"])
            self.seqs.append(seq)
            self.tally.record(seq, at_ns, arrived_ns or at_ns, len(data))
        elif kind == "snapshot":
            self.snapshots += 1
            if not self.ready.done():
                self.ready.set_result(None)

    def gone(self) -> None:
        self.lost = True
        self.closed.set()
        if not self.ready.done():
            self.ready.set_exception(ConnectionError("closed before the snapshot"))

    def begin_close(self) -> None:
        raise NotImplementedError

    def abort(self) -> None:
        raise NotImplementedError


class SansIOFollower(Follower):
    """A websockets sans-I/O client: the handshake, then the hello, then frames as they come.
    How its bytes move is the subclass's business (`_flush` sends what the protocol has)."""

    def __init__(self, uri: WebSocketURI, hello: bytes, tally: Tally) -> None:
        super().__init__(hello, tally)
        # No extensions offered: no compression, as the hub and the relay both disable it.
        self.protocol = ClientProtocol(uri, max_size=None)

    def _received(self, data: bytes, at_ns: int, arrived_ns: int = 0) -> None:
        self.protocol.receive_data(data)
        for event in self.protocol.events_received():
            if isinstance(event, Response):
                if self.protocol.handshake_exc is None:
                    self.protocol.send_binary(self.hello)
                elif not self.ready.done():
                    self.ready.set_exception(self.protocol.handshake_exc)
            elif isinstance(event, Frame) and event.opcode is Opcode.BINARY:
                self.frame(bytes(event.data), at_ns, arrived_ns)
        self._flush()

    def _flush(self) -> None:
        raise NotImplementedError


class SansIOScreen(SansIOFollower, asyncio.Protocol):
    """A websockets sans-I/O client on a bare transport: no task per socket, so it costs little.

    On two cores the clients share the machine with the server; the less they spend per
    frame, the more the last screen's latency measures the server rather than the clients.
    """

    def __init__(self, uri: WebSocketURI, hello: bytes, tally: Tally) -> None:
        super().__init__(uri, hello, tally)
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement asyncio.Transport without deriving from it.
        self.transport = cast(asyncio.Transport, transport)
        self.protocol.send_request(self.protocol.connect())
        self._flush()

    def data_received(self, data: bytes) -> None:
        # Stamped before parsing: the frame is here, whatever this client does with it.
        self._received(data, time.monotonic_ns())

    def eof_received(self) -> bool | None:
        self.protocol.receive_eof()
        self._flush()
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        self.gone()

    def _flush(self) -> None:
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        for chunk in self.protocol.data_to_send():
            if chunk:
                transport.write(chunk)
            elif transport.can_write_eof():
                transport.write_eof()

    def begin_close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.protocol.send_close(1000)
            self._flush()

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()
        if not self.ready.done():
            self.ready.cancel()


class ArrivalScreen(SansIOFollower):
    """The sans-I/O client on a plain socket, read with recvmsg for the kernel's receive stamp.

    Thousands of screens share two cores with the server here, so a frame can wait in its
    socket while the client process reads the others: the read time then tells how busy the
    clients were as much as how fast the server was. A tablet reads its one socket at once,
    so the instant the bytes were in the screen's socket is its receipt (`--client arrival`).
    """

    def __init__(self, uri: WebSocketURI, hello: bytes, tally: Tally) -> None:
        super().__init__(uri, hello, tally)
        self.sock: socket.socket | None = None
        self._unsent = bytearray()

    async def open(self, host: str, port: int) -> None:
        loop = asyncio.get_running_loop()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        self.sock = sock
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.setsockopt(
            socket.SOL_SOCKET,
            SO_TIMESTAMPING,
            SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE,
        )
        await loop.sock_connect(sock, (host, port))
        loop.add_reader(sock.fileno(), self._readable)
        self.protocol.send_request(self.protocol.connect())
        self._flush()

    def _readable(self) -> None:
        sock = self.sock
        assert sock is not None
        try:
            data, ancillary, _, _ = sock.recvmsg(READ_BYTES, STAMP_SPACE)
        except BlockingIOError:
            return
        except OSError:
            self._close()
            return
        # After the read, so that no byte it returned can have arrived after these instants.
        read_ns = time.monotonic_ns()
        wall_ns = time.time_ns()
        arrived_ns = 0
        for level, kind, payload in ancillary:
            if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPING and len(payload) >= 16:
                seconds, nanoseconds = struct.unpack_from("qq", payload)
                # The kernel's clock is the wall clock: moved onto the monotonic one here,
                # from two readings taken together, as the sent instants are monotonic.
                arrived_ns = seconds * 1_000_000_000 + nanoseconds - wall_ns + read_ns
        if not data:
            self.protocol.receive_eof()
            self._flush()
            self._close()
            return
        self._received(data, read_ns, arrived_ns)

    def _flush(self) -> None:
        sock = self.sock
        if sock is None:
            return
        for chunk in self.protocol.data_to_send():
            self._unsent += chunk
        if not self._unsent:
            return
        try:
            sent = sock.send(self._unsent)
        except BlockingIOError:
            sent = 0
        except OSError:
            self._close()
            return
        del self._unsent[:sent]
        loop = asyncio.get_running_loop()
        if self._unsent:
            # A hello or a pong larger than the socket's free buffer: rare, but not lost.
            loop.add_writer(sock.fileno(), self._flush)
        else:
            loop.remove_writer(sock.fileno())

    def _close(self) -> None:
        sock, self.sock = self.sock, None
        if sock is None:
            return
        loop = asyncio.get_running_loop()
        loop.remove_reader(sock.fileno())
        loop.remove_writer(sock.fileno())
        sock.close()
        self.gone()

    def begin_close(self) -> None:
        if self.sock is not None:
            self.protocol.send_close(1000)
            self._flush()

    def abort(self) -> None:
        # Cancelled first: `gone` would otherwise leave an exception nobody retrieves on a
        # screen given up while connecting.
        if not self.ready.done():
            self.ready.cancel()
        self._close()


class WebsocketsScreen(Follower):
    """A websockets asyncio client: one reader task per socket, as most applications write it."""

    def __init__(self, hello: bytes, tally: Tally) -> None:
        super().__init__(hello, tally)
        self.connection: ClientConnection | None = None
        self.reader: asyncio.Task[None] | None = None

    async def open(self, url: str) -> None:
        # No client pings: the servers ping every screen already, and the sans-I/O client
        # does not ping either.
        self.connection = await connect(
            url, compression=None, max_size=None, ping_interval=None, open_timeout=None
        )
        await self.connection.send(self.hello)
        self.reader = asyncio.create_task(self._read(self.connection))

    async def _read(self, connection: ClientConnection) -> None:
        try:
            async for data in connection:
                at_ns = time.monotonic_ns()
                if isinstance(data, bytes):
                    self.frame(data, at_ns)
        except ConnectionClosed:
            pass
        finally:
            self.gone()

    def begin_close(self) -> None:
        if self.connection is not None:
            asyncio.get_running_loop().create_task(self.connection.close())

    def abort(self) -> None:
        if self.connection is not None:
            self.connection.transport.abort()
        if self.reader is not None:
            self.reader.cancel()
        if not self.ready.done():
            self.ready.cancel()


async def _open_screen(
    plan: WorkerPlan, url: str, uri: WebSocketURI, hello: bytes, tally: Tally
) -> Follower:
    loop = asyncio.get_running_loop()
    screen: Follower
    if plan.client == "sansio":
        screen = SansIOScreen(uri, hello, tally)
    elif plan.client == "arrival":
        screen = ArrivalScreen(uri, hello, tally)
    else:
        screen = WebsocketsScreen(hello, tally)
    try:
        async with asyncio.timeout(CONNECT_TIMEOUT):
            if isinstance(screen, SansIOScreen):
                sansio = screen
                await loop.create_connection(lambda: sansio, uri.host, uri.port)
            elif isinstance(screen, ArrivalScreen):
                await screen.open(uri.host, uri.port)
            else:
                assert isinstance(screen, WebsocketsScreen)
                await screen.open(url)
            await screen.ready
    except BaseException:
        screen.abort()
        raise
    return screen


def describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


async def _open_screens(
    plan: WorkerPlan, target: Target, tally: Tally
) -> tuple[list[Follower], int, str]:
    """Open the sockets a batch at a time, so the server's accept backlog never overflows."""
    urls = [target.url, *target.more_urls]
    uris = [parse_uri(url) for url in urls]
    screens: list[Follower] = []
    failures = 0
    first_error = ""
    for start in range(0, len(target.hellos), plan.batch):
        batch = target.hellos[start : start + plan.batch]
        results = await asyncio.gather(
            *(
                _open_screen(
                    plan, urls[(start + i) % len(urls)], uris[(start + i) % len(urls)], hello, tally
                )
                for i, hello in enumerate(batch)
            ),
            return_exceptions=True,
        )
        for result in results:
            if isinstance(result, BaseException):
                failures += 1
                first_error = first_error or describe(result)
            else:
                screens.append(result)
    return screens, failures, first_error


def _report(tally: Tally, screens: list[Follower], groups: dict[str, list[int]]) -> WorkerReport:
    measured = sorted({seq for seqs in groups.values() for seq in seqs})
    wanted = {"": set(measured)} | {name: set(seqs) for name, seqs in groups.items()}
    missed = dict.fromkeys(wanted, (0, 0))
    for screen in screens:
        seen = set(screen.seqs)
        for name, seqs in wanted.items():
            missing = len(seqs - seen)
            if missing:
                count, frames = missed[name]
                missed[name] = (count + 1, frames + missing)
    missed_screens, missed_frames = missed.pop("")
    turns = {}
    for seq in measured:
        entry = tally.turns.get(seq)
        if entry is not None:
            turns[seq] = (entry[0], entry[1], entry[2], entry[3], entry[4])
    return WorkerReport(
        turns=turns,
        missed_screens=missed_screens,
        missed_frames=missed_frames,
        resyncs=sum(max(0, s.snapshots - 1) for s in screens),
        lost=sum(s.lost for s in screens),
        sizes=dict(tally.sizes),
        missed=missed,
    )


async def _close_screens(screens: list[Follower]) -> None:
    for screen in screens:
        screen.begin_close()
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(CLOSE_WAIT):
            for screen in screens:
                await screen.closed.wait()
    for screen in screens:
        screen.abort()


async def _follow(conn: Connection, plan: WorkerPlan) -> None:
    loop = asyncio.get_running_loop()
    inbox: asyncio.Queue[tuple[Any, ...]] = asyncio.Queue()

    def on_readable() -> None:
        try:
            while conn.poll():
                inbox.put_nowait(conn.recv())
        except (EOFError, OSError) as error:
            # The parent is gone: stop rather than hold thousands of sockets open.
            print(f"  client process {os.getpid()}: parent unreadable: {error!r}", file=sys.stderr)
            loop.remove_reader(conn.fileno())
            inbox.put_nowait(("stop", []))

    loop.add_reader(conn.fileno(), on_readable)
    # uvloop makes a descriptor it polls non-blocking; a pipe end must stay blocking (see
    # Workers.__init__): here for the turns sent to the parent as much as for the stop read.
    os.set_blocking(conn.fileno(), True)
    tallies = [Tally(conn, index) for index in range(len(plan.targets))]
    opened = [
        await _open_screens(plan, target, tally)
        for target, tally in zip(plan.targets, tallies, strict=True)
    ]
    for tally, (screens, _, _) in zip(tallies, opened, strict=True):
        tally.expected = len(screens)
    conn.send(("ready", [(len(screens), failed, error) for screens, failed, error in opened]))
    measured: list[dict[str, list[int]]] = [{} for _ in plan.targets]
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(plan.lifetime):
            measured = list((await inbox.get())[1]) or measured
    reports = [
        _report(tally, screens, seqs)
        for tally, (screens, _, _), seqs in zip(tallies, opened, measured, strict=True)
    ]
    await _close_screens([screen for screens, _, _ in opened for screen in screens])
    try:
        loop.remove_reader(conn.fileno())
        conn.send(("report", reports))
    except (OSError, ValueError) as error:
        print(f"  client process {os.getpid()}: report not sent: {error!r}", file=sys.stderr)


def stand_aside() -> None:
    """Run this process under SCHED_BATCH: it never preempts a task when it wakes.

    The client processes stand in for tablets, each of which has a processor of its own.
    Left to the scheduler's defaults on the servers' two cores, a client woken by a frame
    preempts the server mid fan-out; measured at N = 4000, the hub's main thread was
    preempted some 300 times in one fan-out of 3,600 frames (its loop took 75 ms of wall
    time for 52 ms of CPU), the relay's some 30 times, so the figures told how the
    scheduler treated each server rather than what each spends. The clients keep their fair
    share of the cores over time: only the preemption on wakeup goes (sched(7)).
    """
    os.sched_setscheduler(0, os.SCHED_BATCH, os.sched_param(0))


@contextlib.contextmanager
def standing_aside(active: bool = True) -> Iterator[None]:
    """This process under SCHED_BATCH for a while (`stand_aside`), then as it was.

    For the benchmark's own process while the servers turn pages: it holds the presidium's
    controller, which stands in for a console on a device of its own. The hub writes the
    presidium's event frame before the screens'; woken by it, the controller (some 0.3 ms of
    Python per frame) preempted the hub at the start of each fan-out, where the relay, which
    answers its controller after the screens, was never preempted so. The servers are
    started before and after, so that they do not inherit the policy.
    """
    if not active:
        yield
        return
    policy, param = os.sched_getscheduler(0), os.sched_getparam(0)
    stand_aside()
    try:
        yield
    finally:
        os.sched_setscheduler(0, policy, param)


def run_screens(conn: Connection, plan: WorkerPlan) -> None:
    """A client process: open the screens, follow until told to stop, report, close."""
    # The parent handles Ctrl-C and then tells the workers to stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    raise_open_files_limit()
    if plan.scheduling == "batch":
        stand_aside()
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        runner.run(_follow(conn, plan))
    conn.close()


def process_cpu_ns(pid: int) -> int:
    """CPU time of every thread of a process, in ns.

    Read from /proc/PID/task/*/schedstat: psutil's figures come in 10 ms ticks, too coarse
    for a turn that takes a few milliseconds.
    """
    total = 0
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        tasks = []
    for task in tasks:
        with (
            contextlib.suppress(OSError, ValueError, IndexError),
            open(f"/proc/{pid}/task/{task}/schedstat", encoding="ascii") as stat,
        ):
            total += int(stat.read().split()[0])
    if total == 0:
        with contextlib.suppress(psutil.Error):
            times = psutil.Process(pid).cpu_times()
            total = int((times.user + times.system) * 1e9)
    return total


class Workers:
    """The client processes of one run, seen from the parent, and what they report."""

    def __init__(self, plans: list[WorkerPlan]) -> None:
        # spawn: the parent runs an event loop and a forked child would inherit it.
        context = multiprocessing.get_context("spawn")
        self.targets = len(plans[0].targets)
        self.conns: list[Connection] = []
        self.processes: list[multiprocessing.process.BaseProcess] = []
        self.ready: dict[int, list[tuple[int, int, str]]] = {}
        self.reports: dict[int, list[WorkerReport]] = {}
        self.done: dict[tuple[int, int], set[int]] = collections.defaultdict(set)
        self.sizes: dict[int, collections.Counter[int]] = collections.defaultdict(
            collections.Counter
        )
        self.dead: set[int] = set()
        self.progress = asyncio.Event()
        loop = asyncio.get_running_loop()
        for index, plan in enumerate(plans):
            parent_end, child_end = context.Pipe()
            process = context.Process(
                target=run_screens, args=(child_end, plan), name=f"screens-{index}", daemon=True
            )
            process.start()
            child_end.close()
            self.conns.append(parent_end)
            self.processes.append(process)
            loop.add_reader(parent_end.fileno(), self._on_readable, index)
            # uvloop (libuv's uv_poll_init) made the descriptor non-blocking. A report larger
            # than what the pipe held when it became readable (some 40 KB after the laggards'
            # turns) then failed half read: BlockingIOError, taken for the worker's death,
            # and its screens counted as having missed every turn (seen in 4 of 9 runs).
            # Blocking, the read waits for the rest, which the worker is writing now.
            os.set_blocking(parent_end.fileno(), True)

    def _on_readable(self, index: int) -> None:
        conn = self.conns[index]
        try:
            while conn.poll():
                self._dispatch(index, conn.recv())
        except (EOFError, OSError):
            asyncio.get_running_loop().remove_reader(conn.fileno())
            self.dead.add(index)
            if index not in self.reports:
                # Its screens count as having missed every turn; say when and how it ended.
                process = self.processes[index]
                process.join(1)
                print(
                    f"  client process {index} ended without its report "
                    f"(exit code {process.exitcode})",
                    file=sys.stderr,
                    flush=True,
                )
        self.progress.set()

    def _dispatch(self, index: int, message: tuple[Any, ...]) -> None:
        kind = message[0]
        if kind == "turn":
            _, target, seq, size = message
            self.done[target, seq].add(index)
            self.sizes[target][size] += 1
        elif kind == "ready":
            self.ready[index] = message[1]
        elif kind == "report":
            self.reports[index] = message[1]

    async def _until(self, condition: Callable[[], bool], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not condition():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            self.progress.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(remaining):
                    await self.progress.wait()
        return True

    def _all(self, have: Callable[[int], bool]) -> Callable[[], bool]:
        return lambda: all(have(i) or i in self.dead for i in range(len(self.conns)))

    async def wait_ready(self, timeout: float) -> list[tuple[int, int, str]]:
        """Per target: screens connected, screens that failed to, the first failure's reason."""
        if not await self._until(self._all(lambda i: i in self.ready), timeout):
            raise TimeoutError(f"the client processes did not connect in {timeout:.0f} s")
        if self.dead:
            raise RuntimeError("a client process died while connecting")
        totals = []
        for target in range(self.targets):
            counts = [self.ready[i][target] for i in self.ready]
            errors = [error for _, _, error in counts if error]
            totals.append(
                (
                    sum(c[0] for c in counts),
                    sum(c[1] for c in counts),
                    errors[0] if errors else "",
                )
            )
        return totals

    def frame_bytes(self, target: int) -> int:
        """The most frequent size of the target's event frames so far; 0 before any."""
        sizes = self.sizes[target]
        return sizes.most_common(1)[0][0] if sizes else 0

    async def wait_turn(self, target: int, seq: int, timeout: float) -> bool:
        # A worker with no screen on this target never reports its turns.
        following = [i for i, ready in self.ready.items() if ready[target][0] > 0]
        done = self.done[target, seq]
        return await self._until(
            lambda: all(i in done or i in self.dead for i in following), timeout
        )

    async def finish(
        self, measured: list[dict[str, list[int]]]
    ) -> list[tuple[list[WorkerReport], int]]:
        """Per target: the workers' reports, and how many connected screens went unreported.

        `measured`, per target: the seqs of the measured turns, by phase of the run.
        """
        for index, conn in enumerate(self.conns):
            if index not in self.dead:
                with contextlib.suppress(OSError, ValueError):
                    conn.send(("stop", measured))
        await self._until(self._all(lambda i: i in self.reports), REPORT_TIMEOUT)
        for index, process in enumerate(self.processes):
            if index not in self.reports and index not in self.dead:
                print(
                    f"  client process {index} sent no report in {REPORT_TIMEOUT:.0f} s "
                    f"(alive: {process.is_alive()})",
                    file=sys.stderr,
                    flush=True,
                )
        return [
            (
                [reports[target] for reports in self.reports.values()],
                sum(r[target][0] for i, r in self.ready.items() if i not in self.reports),
            )
            for target in range(self.targets)
        ]

    def cpu_ns(self) -> int:
        return sum(process_cpu_ns(p.pid) for p in self.processes if p.pid is not None)

    def stop(self) -> None:
        loop = asyncio.get_running_loop()
        for index, conn in enumerate(self.conns):
            with contextlib.suppress(OSError, ValueError):
                loop.remove_reader(conn.fileno())
                if index not in self.reports:
                    # Interrupted before the report: let the worker close its sockets now.
                    conn.send(("stop", []))
        for process in self.processes:
            process.join(CLOSE_WAIT + 2)
            if process.is_alive():
                process.terminate()
                process.join(5)
            if process.is_alive():
                process.kill()
                process.join()
        for conn in self.conns:
            conn.close()
