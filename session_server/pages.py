"""The web pages the hub serves: the front page, console, delegate display, board and hall."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

import delegate_display
import presidium_console

CONSOLE = Path(presidium_console.__file__).parent / "static"
DISPLAY = Path(delegate_display.__file__).parent / "static"
# What all the pages load: the connection, strings, helpers, look, and the browser
# libraries scripts/web-assets installs into vendor/.
SHARED = Path(__file__).parent / "static"

# The pages hold no secret and change with each release: always revalidated.
_NO_STORE = {"Cache-Control": "no-cache"}


def _page(address: str, path: Path) -> Route:
    async def endpoint(request: Request) -> Response:
        return FileResponse(path, media_type="text/html", headers=_NO_STORE)

    return Route(address, endpoint)


async def _delegate_worker(request: Request) -> Response:
    # At /delegate/ so that its scope is the display's, with no Service-Worker-Allowed;
    # revalidated at every check, so a new release reaches the tablets at their next start.
    return FileResponse(
        DISPLAY / "sw.js", media_type="text/javascript", headers={"Cache-Control": "no-cache"}
    )


def routes() -> list[BaseRoute]:
    """The pages at /, /console/, /delegate/, /board/, /hall/ and /committee/, their assets
    under /static/."""

    return [
        # The hub's own address: where the technical team and a lost tablet start.
        _page("/", SHARED / "index.html"),
        _page("/console/", CONSOLE / "index.html"),
        _page("/delegate/", DISPLAY / "delegate.html"),
        _page("/board/", DISPLAY / "board.html"),
        _page("/hall/", DISPLAY / "hall.html"),
        # The delegate tablet's service worker (offline.js registers it; docs/operations.md).
        Route("/delegate/sw.js", _delegate_worker),
        # The counting committee's members sign in here with their delegate tokens.
        _page("/committee/", DISPLAY / "committee.html"),
        Mount("/static/console", StaticFiles(directory=CONSOLE), name="console"),
        Mount("/static/display", StaticFiles(directory=DISPLAY), name="display"),
        Mount("/static/common", StaticFiles(directory=SHARED / "common"), name="common"),
        # Absent until scripts/web-assets ran: the pages then fail to load it, the hub starts.
        Mount(
            "/static/vendor",
            StaticFiles(directory=SHARED / "vendor", check_dir=False),
            name="vendor",
        ),
    ]
