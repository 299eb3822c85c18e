"""The `congress` command: serve the hub (default), manage tokens, import delegates."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import dataclasses
import os
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path

from . import cards
from .auth import issue_token
from .backends import open_backend
from .backends.base import Backend
from .core import commands as c
from .core.decide import Actor
from .core.plain import PlainError
from .core.state import Access, Role
from .demo import DEMO_ROOM, DEMO_TITLE, demo_cards, load_demo, write_token_file
from .documents.importing import import_document
from .documents.render import RenderLimits, RenderPool
from .documents.store import WIDTHS, DocumentLimits, DocumentStore, UploadError
from .hub.node import Limits, wall_clock_ms
from .writer import Refused, RoomWriter

DESCRIPTION = """\
Paperless Congress hub: the presidium's console steers, every delegate screen and
welcome-gate board follows, live.

With no command, `congress` runs `serve`. On a fresh data directory `serve` loads a
demo congress and prints its tokens; starting again continues where it stopped.
"""

EPILOG = """\
environment:
  CONGRESS_DATA             data directory (default: ./congress-data)
  CONGRESS_BACKEND          log backend URL (default: the SQLite file in the data directory)
  CONGRESS_ROOM             room the token and delegate commands act on (default: camau-2025)
  CONGRESS_ALLOWED_ORIGINS  comma-separated extra origins allowed to open the websocket
"""

TOKEN_FILE = "demo-tokens.txt"
CARDS_FILE = "demo-cards.html"


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="congress",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=Path(_env("CONGRESS_DATA", "congress-data")),
        help="data directory holding the log and documents (default: %(default)s)",
    )
    parser.add_argument(
        "--backend",
        default=os.environ.get("CONGRESS_BACKEND"),
        help="log backend URL, e.g. sqlite:///var/lib/congress/congress.db",
    )
    parser.add_argument(
        "--room",
        default=_env("CONGRESS_ROOM", DEMO_ROOM),
        help="room to act on (default: %(default)s)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the hub (the default command)")
    _serve_arguments(serve)

    tokens = commands.add_parser("tokens", help="issue, list and revoke access tokens")
    token_commands = tokens.add_subparsers(dest="tokens_command", metavar="ACTION", required=True)
    issue = token_commands.add_parser("issue", help="make a token; its secret is shown once")
    issue.add_argument("--role", required=True, choices=[r.value for r in Role])
    issue.add_argument("--delegate", help="the delegate id a delegate token speaks for")
    issue.add_argument("--label", default="", help="who or what holds it, e.g. 'Gate 2 board'")
    token_commands.add_parser("list", help="list the room's tokens (never their secrets)")
    revoke = token_commands.add_parser("revoke", help="revoke a token by its id")
    revoke.add_argument("token_id")

    delegates = commands.add_parser("delegates", help="manage the roll of delegates")
    delegate_commands = delegates.add_subparsers(
        dest="delegates_command", metavar="ACTION", required=True
    )
    importing = delegate_commands.add_parser(
        "import", help="register delegates from a CSV file with columns id,name,unit,seat"
    )
    importing.add_argument("file", type=Path)
    importing.add_argument(
        "--tokens", action="store_true", help="also issue a token for each new delegate"
    )
    importing.add_argument(
        "--cards",
        type=Path,
        metavar="FILE.html",
        help="with --tokens: also write printable sign-in cards with QR codes",
    )
    importing.add_argument(
        "--base-url",
        default="http://127.0.0.1:8000",
        help="the hub's address as tablets reach it, for the cards' links (%(default)s)",
    )

    documents = commands.add_parser("documents", help="add documents (PDF) to the room")
    document_commands = documents.add_subparsers(
        dest="documents_command", metavar="ACTION", required=True
    )
    adding = document_commands.add_parser(
        "add", help="store, check and pre-render a PDF; a new file for an id is a new version"
    )
    adding.add_argument("file", type=Path)
    adding.add_argument("--title", required=True)
    adding.add_argument("--access", required=True, choices=[a.value for a in Access])
    adding.add_argument("--id", help="document id (default: from the file's hash)")
    return parser


@contextlib.asynccontextmanager
async def _document_store(
    args: argparse.Namespace, backend: Backend
) -> AsyncIterator[DocumentStore]:
    limits = DocumentLimits()
    # One worker: a command line imports a few files, one after another.
    pool = RenderPool(dataclasses.replace(limits.render, workers=1))
    store = DocumentStore(backend, args.data, pool, limits)
    try:
        yield store
    finally:
        await store.close()
        await pool.close()


async def _documents(args: argparse.Namespace, backend: Backend) -> int:
    if await backend.head(args.room) == 0:
        print(f"congress: no room {args.room!r}", file=sys.stderr)
        return 2
    try:
        data = args.file.read_bytes()
    except OSError as error:
        print(f"congress: cannot read {args.file}: {error.strerror}", file=sys.stderr)
        return 2
    writer = await RoomWriter.open(args.room, backend, clock=wall_clock_ms)
    async with _document_store(args, backend) as store:
        started = time.perf_counter()
        try:
            doc = await import_document(
                store,
                writer,
                data,
                document_id=args.id or "",
                title=args.title,
                access=Access(args.access),
                actor=Actor(Role.SECRETARIAT),
                token_id="cli",
            )
        except UploadError as refused:
            print(
                f"congress: {args.file}: refused: {refused.code}: {refused.message}",
                file=sys.stderr,
            )
            return 1
        imported = time.perf_counter()
        await store.settle()
        rendered = time.perf_counter()
    current = doc.current
    assert current is not None
    print(
        f"{doc.id}\tversion {current.version}\t{doc.pages} pages\t{doc.access.value}\t{doc.title}"
    )
    print(
        f"imported in {imported - started:.2f} s; {doc.pages} pages pre-rendered at "
        f"{len(WIDTHS)} widths in {rendered - imported:.2f} s",
        file=sys.stderr,
    )
    return 0


# Timing limits an operator (or a test) may want to change from the command line.
_TIMING_FLAGS = (
    ("--ping-interval", "heartbeat_interval", "seconds between heartbeat pings to every screen"),
    ("--ping-timeout", "heartbeat_timeout", "seconds to wait for a heartbeat's answer"),
    ("--hello-timeout", "hello_timeout", "seconds a new connection has to say hello"),
    ("--send-timeout", "send_timeout", "seconds a frame may wait on a screen that does not read"),
    ("--revocation-check", "revocation_check", "seconds between re-checks of connected tokens"),
)


def _serve_arguments(parser: argparse.ArgumentParser) -> None:
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
    for flag, limit, meaning in _TIMING_FLAGS:
        parser.add_argument(
            flag,
            type=float,
            default=getattr(defaults, limit),
            metavar="SECONDS",
            help=f"{meaning} (%(default)s)",
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
    parser.add_argument("--log-level", default="info", help="uvicorn log level (%(default)s)")


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(args_list)
    if args.command is None:
        args = parser.parse_args([*args_list, "serve"])
    if args.command == "serve":
        return serve(args)
    if args.command == "tokens":
        return asyncio.run(_with_backend(args, _tokens))
    if args.command == "documents":
        return asyncio.run(_with_backend(args, _documents))
    return asyncio.run(_with_backend(args, _delegates))


async def _with_backend(
    args: argparse.Namespace, action: Callable[[argparse.Namespace, Backend], Awaitable[int]]
) -> int:
    backend = await open_backend(args.backend, args.data)
    try:
        return await action(args, backend)
    finally:
        await backend.close()


async def _tokens(args: argparse.Namespace, backend: Backend) -> int:
    if args.tokens_command == "issue":
        try:
            issued = await issue_token(
                backend,
                room=args.room,
                role=Role(args.role),
                now=wall_clock_ms(),
                delegate_id=args.delegate,
                label=args.label,
            )
        except ValueError as error:
            print(f"congress: {error}", file=sys.stderr)
            return 2
        print(f"{issued.record.token_id}\t{issued.record.role.value}\t{issued.record.label}")
        print(f"secret (shown once): {issued.secret}")
        return 0
    if args.tokens_command == "list":
        for t in await backend.list_tokens(args.room):
            state = "revoked" if t.revoked_at is not None else "active"
            print(f"{t.token_id}\t{t.role.value}\t{state}\t{t.delegate_id or '-'}\t{t.label}")
        return 0
    if await backend.revoke_token(args.room, args.token_id, wall_clock_ms()):
        print(f"revoked {args.token_id}")
        return 0
    print(f"congress: no active token {args.token_id!r} in {args.room}", file=sys.stderr)
    return 1


async def _delegates(args: argparse.Namespace, backend: Backend) -> int:
    try:
        with args.file.open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as error:
        print(f"congress: cannot read {args.file}: {error.strerror}", file=sys.stderr)
        return 2
    if await backend.head(args.room) == 0:
        print(f"congress: no room {args.room!r}", file=sys.stderr)
        return 2
    writer = await RoomWriter.open(args.room, backend, clock=wall_clock_ms)
    secretariat = Actor(Role.SECRETARIAT)
    failures = 0
    issued_cards: list[cards.Card] = []
    for line, row in enumerate(rows, start=2):
        try:
            command = c.parse_command(
                "register_delegate",
                {
                    "delegate_id": (row.get("id") or "").strip(),
                    "full_name": row.get("name") or "",
                    "unit": row.get("unit") or "",
                    "seat": row.get("seat") or "",
                },
            )
        except PlainError as error:
            print(f"{args.file}:{line}: {error}", file=sys.stderr)
            failures += 1
            continue
        assert isinstance(command, c.RegisterDelegate)
        is_new = command.delegate_id not in writer.state.delegates
        outcome = await writer.submit(
            command, secretariat, command_id=uuid.uuid4().hex, token_id="cli"
        )
        if isinstance(outcome, Refused):
            print(f"{args.file}:{line}: {command.delegate_id}: {outcome}", file=sys.stderr)
            failures += 1
        elif args.tokens and is_new:
            issued = await issue_token(
                backend,
                room=args.room,
                role=Role.DELEGATE,
                now=wall_clock_ms(),
                delegate_id=command.delegate_id,
                label=command.full_name,
            )
            print(f"{command.delegate_id}\t{issued.secret}")
            detail = f"{command.unit} · {command.seat}" if command.seat else command.unit
            issued_cards.append(cards.Card(command.full_name, detail, issued.secret, "delegate"))
    print(f"{len(rows) - failures} delegates registered, {failures} refused", file=sys.stderr)
    if args.cards is not None and issued_cards:
        cards.write(args.cards, writer.state.title or args.room, args.base_url, issued_cards)
        print(f"{len(issued_cards)} sign-in cards written to {args.cards}", file=sys.stderr)
    return 1 if failures else 0


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from .app import Settings, create_app

    args.data.mkdir(parents=True, exist_ok=True)
    if not args.no_demo:
        asyncio.run(_with_backend(args, _load_demo))
    limits = Limits(
        **{limit: getattr(args, flag[2:].replace("-", "_")) for flag, limit, _ in _TIMING_FLAGS}
    )
    extra = [o for o in os.environ.get("CONGRESS_ALLOWED_ORIGINS", "").split(",") if o]
    settings = Settings(
        data_dir=args.data,
        backend_url=args.backend,
        limits=limits,
        allowed_origins=tuple(args.allow_origin + extra),
        documents=DocumentLimits(
            max_file_bytes=int(args.max_document_mb * 2**20),
            render=RenderLimits(render_seconds=args.render_timeout),
        ),
        prerender=not args.no_prerender,
    )
    base = f"http://{args.host}:{args.port}"
    print(f"Hub:        {base}/")
    print(f"WebSocket:  ws://{args.host}:{args.port}/ws  (room {args.room})")
    print(f"Health:     {base}/healthz")
    sys.stdout.flush()
    config = uvicorn.Config(
        create_app(settings),
        host=args.host,
        port=args.port,
        ws="websockets-sansio",
        ws_max_size=limits.max_frame,
        ws_ping_interval=limits.heartbeat_interval,
        ws_ping_timeout=limits.heartbeat_timeout,
        ws_per_message_deflate=False,
        log_level=args.log_level,
        lifespan="on",
    )
    # uvicorn shuts down gracefully on Ctrl-C, then re-raises the signal it caught.
    with contextlib.suppress(KeyboardInterrupt):
        uvicorn.Server(config).run()
    return 0


async def _load_demo(args: argparse.Namespace, backend: Backend) -> int:
    token_file = args.data / TOKEN_FILE
    async with _document_store(args, backend) as store:
        # Its pages are pre-rendered by the hub once it runs (see app.py), not here, so
        # the hub answers sooner.
        tokens = await load_demo(backend, store, args.room)
    if tokens is None:
        if token_file.exists():
            print(f"Demo congress {args.room!r} continues; its tokens are in {token_file}")
        return 0
    write_token_file(token_file, tokens)
    base_url = f"http://{args.host}:{args.port}"
    cards.write(args.data / CARDS_FILE, DEMO_TITLE, base_url, demo_cards(tokens))
    print(f"Loaded the demo congress {args.room!r}. Tokens (also in {token_file}):")
    print(f"  presidium    {tokens.presidium.secret}")
    print(f"  secretariat  {tokens.secretariat.secret}")
    for board in tokens.boards:
        print(f"  board        {board.secret}  ({board.record.label})")
    first = tokens.delegates[0]
    print(f"  delegate     {first.secret}  ({first.record.label}; 39 more in the file)")
    print("Screens:")
    print(f"  console      {base_url}/console/  (sign in with the presidium token)")
    print(f"  delegate     {base_url}/delegate/#token={first.secret}")
    print(f"  board        {base_url}/board/#token={tokens.boards[0].secret}")
    print(f"  QR cards     {args.data / CARDS_FILE}  (every delegate's and board's link)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
