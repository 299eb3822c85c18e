"""A Python client driving the hub from a browser test: its own event loop in a thread."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from presidium_console.client import Ack, View
from tests.conftest import UNIT, HubProcess

T = TypeVar("T")


class Driver:
    """One connected client (a presidium, a delegate), used from synchronous test code."""

    def __init__(self, hub: HubProcess, token: str) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self.client = hub.client(token)
        self._run(self.client.connect(timeout=10 * UNIT))
        self._run(self.client.wait_for(lambda view: view.seq > 0, timeout=10 * UNIT))

    def _run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(30 * UNIT)

    def command(self, name: str, **args: Any) -> Ack:
        return self._run(self.client.command(name, **args))

    def wait_for(self, predicate: Callable[[View], bool], timeout: float = 15.0) -> View:
        return self._run(self.client.wait_for(predicate, timeout=timeout * UNIT))

    @property
    def view(self) -> View:
        return self.client.view

    def close(self) -> None:
        self._run(self.client.close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()


def in_session(driver: Driver) -> None:
    """The session opened, if it is not: votes are cast only in session."""
    if driver.view["session"]["status"] != "in_session":
        driver.command("open_session")


def vote_in(view: Any, vote_id: str) -> dict[str, Any]:
    """One vote of a view's `votes` section."""
    found: dict[str, Any] = next(v for v in view["votes"] if v["id"] == vote_id)
    return found
