"""The yardstick: the least a websockets server does to relay a controller's frames to N screens."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import resource
import signal
from collections.abc import Callable, Sequence

import msgpack
from websockets.asyncio.server import ServerConnection, broadcast, serve

WELCOME = msgpack.packb({"type": "welcome"})
# The screens count themselves ready on a snapshot, as they do on the hub.
SNAPSHOT = msgpack.packb({"type": "snapshot", "seq": 0, "state": {}})
ACK = msgpack.packb({"type": "ack"})

RELAYS = ("websockets", "bare")
"""The relays the hub can be measured against: websockets' own, and the floor under it."""

HELLO_TIMEOUT = 10.0
CLOSE_TIMEOUT = 10.0


def raise_open_files_limit() -> int:
    """Lift this process's soft limit on open files to the hard one; returns the new soft limit.

    Thousands of sockets need thousands of descriptors, and the soft limit is often 1024.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else 1 << 20
    if soft == resource.RLIM_INFINITY or soft >= target:
        return soft
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop when installed, as uvicorn picks it for the hub, so both run on the same loop."""
    try:
        import uvloop
    except ImportError:
        return None
    factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    return factory


async def _relay(port: int) -> None:
    screens: set[ServerConnection] = set()

    async def handler(connection: ServerConnection) -> None:
        async with asyncio.timeout(HELLO_TIMEOUT):
            hello = msgpack.unpackb(await connection.recv(decode=False))
        if isinstance(hello, dict) and hello.get("type") == "control":
            # The controller's frames are relayed as they are: no decoding, no copy per screen.
            async for frame in connection:
                broadcast(screens, frame)
                await connection.send(ACK)
            return
        await connection.send(WELCOME)
        await connection.send(SNAPSHOT)
        screens.add(connection)
        try:
            await connection.wait_closed()
        finally:
            screens.discard(connection)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    # Same wire settings as the hub: no compression, 20 s heartbeats, uvicorn's backlog.
    async with serve(
        handler,
        "127.0.0.1",
        port,
        compression=None,
        max_size=64 * 1024,
        ping_interval=20.0,
        ping_timeout=20.0,
        close_timeout=CLOSE_TIMEOUT,
        backlog=2048,
    ):
        print("ready", flush=True)
        await stop.wait()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.baseline", description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument(
        "--kind",
        choices=RELAYS,
        default=RELAYS[0],
        help="websockets: its server and broadcast(); bare: frames built once, written to "
        "each transport (%(default)s)",
    )
    args = parser.parse_args(argv)
    raise_open_files_limit()
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        if args.kind == "bare":
            from bench.bare import serve

            runner.run(serve(args.port))
        else:
            runner.run(_relay(args.port))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
