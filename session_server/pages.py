"""The three web pages the hub serves: presidium console, delegate display, welcome-gate board."""

from __future__ import annotations

from starlette.routing import BaseRoute


def routes() -> list[BaseRoute]:
    """Routes for the pages and their static assets (filled in by the screens' issue)."""
    return []
