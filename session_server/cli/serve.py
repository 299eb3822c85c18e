"""`congress serve`: the hub's options, the demo on a fresh start, then uvicorn until stopped."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging.config
import multiprocessing
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..documents.render import RenderLimits
from ..documents.store import DocumentLimits
from ..http_guard import HttpLimits, protocol_with_header_deadline
from ..hub.node import Limits
from ..hub.websocket_protocol import HubWebSocketProtocol
from ..logs import FORMATS, log_config
from ..record.keys import KeyFileError, grouped, load_signer
from . import demo, startup
from .common import public_address

if TYPE_CHECKING:
    import uvicorn

    from ..app import Settings

Flags = tuple[tuple[str, str, str], ...]
"""(flag, the limit's field, what it means) for limits given in seconds."""


# Timing limits an operator (or a test) may want to change from the command line.
_TIMING_FLAGS: Flags = (
    ("--ping-interval", "heartbeat_interval", "seconds between heartbeat pings to every screen"),
    ("--ping-timeout", "heartbeat_timeout", "seconds to wait for a heartbeat's answer"),
    ("--hello-timeout", "hello_timeout", "seconds a new connection has to say hello"),
    ("--send-timeout", "send_timeout", "seconds a frame may wait on a screen that does not read"),
    ("--revocation-check", "revocation_check", "seconds between re-checks of connected tokens"),
)

_HTTP_FLAGS: Flags = (
    ("--header-timeout", "header_seconds", "seconds a connection has to send a request's headers"),
    ("--body-timeout", "body_seconds", "seconds a request's small body has to arrive, all of it"),
)


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("serve", help="run the hub (the default command)")
    # Also after `serve` (`congress serve --backend redis://...`); SUPPRESS keeps a value
    # given before `serve` when none is given after it.
    parser.add_argument(
        "--backend",
        default=argparse.SUPPRESS,
        help="log backend URL: sqlite:///PATH or redis://HOST:PORT/DB[?durability=...]",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (%(default)s)")
    parser.add_argument("--port", type=int, default=8000, help="port (%(default)s)")
    parser.add_argument(
        "--public-url",
        type=_public_url,
        metavar="URL",
        help="the address tablets and boards reach the hub at, e.g. http://192.168.10.2:8000:"
        " what the printed links and the cards' QR codes carry (default: --host and --port)",
    )
    parser.add_argument(
        "--no-demo", action="store_true", help="do not load the demo congress on a fresh start"
    )
    parser.add_argument(
        "--allow-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="extra origin allowed to open the websocket (repeatable)",
    )
    defaults = Limits()
    _add_seconds(parser, _TIMING_FLAGS, defaults)
    parser.add_argument(
        "--sockets-per-token",
        type=int,
        default=defaults.sockets_per_token,
        metavar="N",
        help="connections one delegate, board or hall token may hold at once (%(default)s)",
    )
    parser.add_argument(
        "--max-queue",
        type=int,
        default=defaults.max_queue,
        metavar="N",
        help="frames waiting for one slow screen before a snapshot replaces them (%(default)s)",
    )
    documents = DocumentLimits()
    parser.add_argument(
        "--max-document-mb",
        type=float,
        default=documents.max_file_bytes / 2**20,
        metavar="MB",
        help="largest PDF taken by upload, in MiB (%(default)s)",
    )
    parser.add_argument(
        "--render-timeout",
        type=float,
        default=documents.render.render_seconds,
        metavar="SECONDS",
        help="longest one page may take to render before its worker is replaced (%(default)s)",
    )
    parser.add_argument(
        "--no-prerender",
        action="store_true",
        help="render pages on first view only, not in the background at start",
    )
    _add_seconds(parser, _HTTP_FLAGS, HttpLimits())
    parser.add_argument(
        "--certfile",
        type=Path,
        metavar="FILE",
        help="serve HTTPS and WSS with this certificate (PEM; with --keyfile)",
    )
    parser.add_argument(
        "--keyfile", type=Path, metavar="FILE", help="the certificate's private key (PEM)"
    )
    parser.add_argument(
        "--signing-key",
        type=Path,
        default=_env_path("CONGRESS_SIGNING_KEY"),
        metavar="FILE",
        help="the congress's Ed25519 key (`congress keys init`), to sign checkpoints "
        "(default: $CONGRESS_SIGNING_KEY; none: the log is hash-chained, nothing signed)",
    )
    parser.add_argument(
        "--log-level",
        # Not uvicorn's `trace`: it logs each request's scope, headers (tokens) included.
        choices=("critical", "error", "warning", "info", "debug"),
        default="info",
        help="log level (%(default)s)",
    )
    parser.add_argument(
        "--log-format",
        choices=FORMATS,
        default="text",
        help="text lines, or one JSON object per line on stderr for a collector (%(default)s)",
    )


def _env_path(name: str) -> Path | None:
    value = os.environ.get(name)
    return Path(value) if value else None


def _add_seconds(parser: argparse.ArgumentParser, flags: Flags, defaults: object) -> None:
    for flag, limit, meaning in flags:
        parser.add_argument(
            flag,
            type=float,
            default=getattr(defaults, limit),
            metavar="SECONDS",
            help=f"{meaning} (%(default)s)",
        )


def _chosen(args: argparse.Namespace, flags: Flags) -> dict[str, Any]:
    """The limits `flags` set, by field name, as given on the command line."""
    return {limit: getattr(args, flag[2:].replace("-", "_")) for flag, limit, _ in flags}


def _public_url(text: str) -> str:
    if not text.startswith(("http://", "https://")) or len(text) < 10:
        raise argparse.ArgumentTypeError("a URL starting http:// or https://")
    return text.rstrip("/")


def _load_demo(args: argparse.Namespace) -> int:
    logging.config.dictConfig(log_config(args.log_format, args.log_level))
    try:
        return asyncio.run(startup.when_log_answers(args, demo.run))
    except KeyboardInterrupt:
        return 130


def _apart(work: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    """Run `work` in a process of its own and return its exit code.

    The demo's PDFs and cards take some 20 MB of fonts and images to make: made in the
    hub's own process, that memory would stay there all day.
    """
    sys.stdout.flush()
    child = multiprocessing.get_context("spawn").Process(target=_exit_with, args=(work, args))
    child.start()
    try:
        child.join()
    except KeyboardInterrupt:
        child.join()  # it had the same Ctrl-C, and stops on its own
        raise
    return child.exitcode if child.exitcode is not None else 1


def _exit_with(work: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> None:
    code = work(args)
    sys.stdout.flush()
    sys.exit(code)


def server_config(settings: Settings, *, host: str, port: int, **more: Any) -> uvicorn.Config:
    """uvicorn serving the hub: its own HTTP and WebSocket protocols, with its limits."""
    import uvicorn

    from ..app import create_app

    limits = settings.limits
    return uvicorn.Config(
        create_app(settings),
        host=host,
        port=port,
        http=protocol_with_header_deadline(settings.http.header_seconds),
        ws=HubWebSocketProtocol,
        ws_max_size=limits.max_frame,
        ws_ping_interval=limits.heartbeat_interval,
        ws_ping_timeout=limits.heartbeat_timeout,
        ws_per_message_deflate=False,
        lifespan="on",
        **more,
    )


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from ..app import Settings

    if (args.certfile is None) != (args.keyfile is None):
        print("congress: --certfile and --keyfile go together", file=sys.stderr)
        return 2
    signer = None
    if args.signing_key is not None:
        try:
            signer = load_signer(args.signing_key)
        except KeyFileError as error:
            print(f"congress: {error}", file=sys.stderr)
            return 2
    # Before anything may log (the demo's loading included), in the form chosen.
    logging_setup = log_config(args.log_format, args.log_level)
    logging.config.dictConfig(logging_setup)
    try:
        # Also with --no-demo: a node started before its Redis waits here for it.
        if args.no_demo:
            asyncio.run(startup.when_log_answers(args, None))
        elif asyncio.run(startup.when_log_answers(args, demo.present)) == demo.ABSENT:
            loaded = _apart(_load_demo, args)
            if loaded != 0:
                return loaded
    except KeyboardInterrupt:
        print("Stopped before the log answered.", file=sys.stderr)
        return 130
    limits = Limits(
        **_chosen(args, _TIMING_FLAGS),
        sockets_per_token=args.sockets_per_token,
        max_queue=args.max_queue,
    )
    extra = [o for o in os.environ.get("CONGRESS_ALLOWED_ORIGINS", "").split(",") if o]
    public = public_address(args)
    if args.public_url:
        # Pages opened at the public address are the hub's own, whatever Host a proxy sends.
        extra.append(public)
    settings = Settings(
        data_dir=args.data,
        backend_url=args.backend,
        limits=limits,
        allowed_origins=tuple(args.allow_origin + extra),
        documents=DocumentLimits(
            max_file_bytes=int(args.max_document_mb * 2**20),
            render=RenderLimits(render_seconds=args.render_timeout),
        ),
        http=HttpLimits(**_chosen(args, _HTTP_FLAGS)),
        prerender=not args.no_prerender,
        signer=signer,
    )
    print(f"Hub:        {public}/")
    print(f"WebSocket:  {public.replace('http', 'ws', 1)}/ws  (room {args.room})")
    print(f"Health:     {public}/healthz")
    if signer is None:
        print("Signing:    no key (--signing-key): the log is hash-chained, nothing is signed")
    else:
        print(f"Signing:    checkpoints signed with key {grouped(signer.key_id)}")
    if args.host in ("0.0.0.0", "::") and not args.public_url:
        print(
            "Note:       listening on every address; give --public-url with the address the"
            " tablets use, so the printed links and the cards' QR codes reach it"
        )
    sys.stdout.flush()
    config = server_config(
        settings,
        host=args.host,
        port=args.port,
        log_config=logging_setup,
        log_level=args.log_level,
        ssl_certfile=args.certfile,
        ssl_keyfile=args.keyfile,
    )
    # uvicorn shuts down gracefully on Ctrl-C, then re-raises the signal it caught.
    with contextlib.suppress(KeyboardInterrupt):
        uvicorn.Server(config).run()
    return 0
