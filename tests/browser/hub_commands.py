"""Commands sent to a test's hub through the Python client, from a (synchronous) browser test."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from presidium_console.client import CongressClient
from tests.conftest import UNIT, DemoTokens, HubProcess

Command = tuple[str, str, dict[str, Any]]
"""(token, command name, arguments)"""


def send(hub: HubProcess, *commands: Command) -> None:
    """Each command in order, each acknowledged before the next; one connection per token.

    Playwright's synchronous API holds this thread's event loop, so the client runs on a loop
    of its own in another thread.
    """

    async def run() -> None:
        clients: dict[str, CongressClient] = {}
        try:
            for token, name, args in commands:
                if token not in clients:
                    clients[token] = hub.client(token)
                    await clients[token].connect()
                await clients[token].command(name, timeout=10 * UNIT, **args)
        finally:
            for client in clients.values():
                await client.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, run()).result(timeout=60 * UNIT)


def view_of(hub: HubProcess, token: str) -> dict[str, Any]:
    """The view `token`'s role receives, as it is now."""

    async def run() -> dict[str, Any]:
        client = hub.client(token)
        await client.connect()
        try:
            seen = await client.wait_for(lambda view: bool(view.sections), timeout=10 * UNIT)
            return dict(seen.sections)
        finally:
            await client.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, run()).result(timeout=60 * UNIT)


def open_item(demo: DemoTokens, item_id: str) -> list[Command]:
    """The sitting opened and the item `item_id` put up."""
    return [
        (demo.presidium, "open_session", {}),
        (demo.presidium, "set_current_item", {"item_id": item_id}),
    ]


def accepted_speakers(demo: DemoTokens, count: int, first: int = 0) -> list[Command]:
    """`count` delegates (from the `first`-th) ask for the floor and the presidium accepts each."""
    commands: list[Command] = []
    for secret, delegate_id in demo.delegates[first : first + count]:
        commands.append((secret, "request_floor", {"kind": "speech"}))
        commands.append((demo.presidium, "accept_request", {"delegate_id": delegate_id}))
    return commands


def grant(demo: DemoTokens, delegate: int, seconds: int = 420) -> list[Command]:
    """The floor given to the `delegate`-th demo delegate (who must be in the queue)."""
    delegate_id = demo.delegates[delegate][1]
    return [(demo.presidium, "grant_floor", {"delegate_id": delegate_id, "seconds": seconds})]
