"""The hub's log: one format for every logger (text or JSON lines), and never a token in it."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from typing import Any

FORMATS = ("text", "json")

# A token's secret is `secrets.token_urlsafe(24)`: 32 such characters. No screen of ours
# puts it in a URL or a logged frame, but a client that does must not have it written to
# the log in clear: uvicorn quotes paths in its access and WebSocket lines, and at debug
# level the websockets library logs each handshake header (a cookie, a bearer token) and
# the start of each frame (a hello sent as text).
_SECRET_LIKE = re.compile(r"[A-Za-z0-9_-]{32,}")

_PLAIN = logging.Formatter()

# What a LogRecord carries of its own; anything else was given as `extra=` by the caller.
# (uvicorn's `color_message` is its message again, with terminal colours.)
_RECORD_FIELDS = frozenset(vars(logging.makeLogRecord({}))) | {
    "message",
    "asctime",
    "color_message",
}

# uvicorn's access line, as arguments: named fields for a collector.
_ACCESS_FIELDS = ("client", "method", "path", "http_version", "status")


class WithoutSecrets(logging.Filter):
    """Cuts query strings out of quoted paths, and anything shaped like a token's secret."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args:
            record.args = tuple(_without_secrets(arg) for arg in record.args)
        if record.name != "uvicorn.access":
            # The message as it will read, arguments rendered (a frame, a header): the
            # access formatters need the arguments themselves, which are cleaned above.
            record.msg = _SECRET_LIKE.sub("…", record.getMessage())
            record.args = ()
            # uvicorn's coloured copy of the message would be rendered instead of it.
            record.__dict__.pop("color_message", None)
        if record.exc_info and not record.exc_text:
            # Formatters print this text as the traceback, in place of formatting their own.
            record.exc_text = _SECRET_LIKE.sub("…", _PLAIN.formatException(record.exc_info))
        return True


def _without_secrets(value: object) -> object:
    if isinstance(value, str):
        if value.startswith("/"):
            value = value.split("?", 1)[0] + ("?…" if "?" in value else "")
        return _SECRET_LIKE.sub("…", value)
    return value


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, then structured extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.name == "uvicorn.access" and isinstance(record.args, tuple):
            entry.update(zip(_ACCESS_FIELDS, record.args, strict=False))
        for key, value in vars(record).items():
            if key not in _RECORD_FIELDS and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["error"] = _SECRET_LIKE.sub("…", repr(record.exc_info[1]))
            trace = record.exc_text or self.formatException(record.exc_info)
            entry["trace"] = trace.splitlines()
        return json.dumps(entry, ensure_ascii=False, default=str)


def _rank(level: str) -> int:
    return int(logging.getLevelName(level))


def log_config(form: str, level: str) -> dict[str, Any]:
    """The `logging.config.dictConfig` for uvicorn and the hub's own loggers alike.

    Text is uvicorn's usual look (access lines on stdout, the rest on stderr); JSON puts
    every line on stderr, so that stdout keeps only what `serve` prints for the operator.
    """
    if form not in FORMATS:
        raise ValueError(f"log format: one of {', '.join(FORMATS)}")
    json_lines = form == "json"
    formatters: dict[str, Any] = (
        {"default": {"()": JsonFormatter}, "access": {"()": JsonFormatter}}
        if json_lines
        else {
            "default": {
                "()": "uvicorn.logging.DefaultFormatter",
                "fmt": "%(levelprefix)s %(message)s",
            },
            "access": {
                "()": "uvicorn.logging.AccessFormatter",
                "fmt": '%(levelprefix)s %(client_addr)s - "%(request_line)s" %(status_code)s',
            },
        }
    )
    stream = {"class": "logging.StreamHandler", "filters": ["secrets"]}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"secrets": {"()": WithoutSecrets}},
        "formatters": formatters,
        "handlers": {
            "default": {**stream, "formatter": "default", "stream": "ext://sys.stderr"},
            "access": {
                **stream,
                "formatter": "access",
                "stream": "ext://sys.stderr" if json_lines else "ext://sys.stdout",
            },
        },
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": "INFO", "propagate": False},
            "uvicorn.error": {"level": "INFO"},
            "uvicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
            "session_server": {"level": level.upper()},
        },
        # Libraries' loggers in the same form, from warnings up: at info some are chatty
        # (fpdf2's font subsetting writes dozens of lines per demo PDF).
        "root": {"handlers": ["default"], "level": max(level.upper(), "WARNING", key=_rank)},
    }
