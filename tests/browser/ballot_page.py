"""The tablet's ballot code loaded in Chromium from the repository's files, no hub needed."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Page, Route

STATIC = Path(__file__).resolve().parents[2] / "session_server" / "static"
ORIGIN = "http://ballot.test"
_TYPES = {".js": "text/javascript", ".mjs": "text/javascript", ".html": "text/html"}


def _serve(route: Route) -> None:
    relative = route.request.url.removeprefix(f"{ORIGIN}/static/").split("?")[0]
    path = (STATIC / relative).resolve()
    if relative and path.is_file() and path.is_relative_to(STATIC):
        route.fulfill(path=str(path), content_type=_TYPES.get(path.suffix, "text/plain"))
    elif route.request.url.rstrip("/") == ORIGIN:
        route.fulfill(body="<!doctype html><title>ballot</title>", content_type="text/html")
    else:
        route.fulfill(status=404)


def open_ballot_page(browser: Browser) -> tuple[BrowserContext, Page]:
    """A page at a made-up origin whose /static/ is served from session_server/static."""
    context = browser.new_context()
    context.route(f"{ORIGIN}/**", _serve)
    page = context.new_page()
    page.goto(f"{ORIGIN}/")
    return context, page


MAKE = """async ([key, kept, seats, vote, voter]) => {
  const b = await import('/static/common/ballot.js');
  const hex = (bytes) => Array.from(bytes, (x) => x.toString(16).padStart(2, '0')).join('');
  const started = performance.now();
  const made = b.makeBallot(kept, Uint8Array.from(key), seats, b.contextOf(vote, voter));
  const ms = performance.now() - started;
  return {
    choices: made.choices.map(hex),
    choice_proofs: made.choice_proofs.map(hex),
    kept_proof: hex(made.kept_proof),
    fingerprint: b.fingerprint(made),
    ms,
  };
}"""
