"""What the hub's log may hold: requests without their query strings, so never a token."""

from __future__ import annotations

import logging

# uvicorn names the request's path and query in its access lines ("GET /api/...?q=x") and
# in its WebSocket lines (uvicorn.error): a client that put its token in a query string,
# as no screen of ours does, would otherwise have it written to the log in clear.
_REQUEST_LOGGERS = ("uvicorn.access", "uvicorn.error")


class WithoutQueryStrings(logging.Filter):
    """Cuts the query string off every path a log line quotes."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args:
            record.args = tuple(_without_query(arg) for arg in record.args)
        return True


def _without_query(value: object) -> object:
    if isinstance(value, str) and value.startswith("/") and "?" in value:
        return value.split("?", 1)[0] + "?…"
    return value


def keep_tokens_out() -> None:
    """Install the filter on uvicorn's loggers (after uvicorn has configured them)."""
    for name in _REQUEST_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, WithoutQueryStrings) for f in logger.filters):
            logger.addFilter(WithoutQueryStrings())
