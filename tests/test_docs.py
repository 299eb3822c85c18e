"""The docs keep up with the code: every code, command, argument, section and limit."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import msgpack
import pytest

from session_server import contribution_pdf, contributions_http
from session_server.auth import MAX_TOKEN
from session_server.core import contribution_rules
from session_server.core import decide as decide_module
from session_server.core.commands import COMMAND_TYPES
from session_server.core.decide import DEFAULT_SECONDS, MAX_ANNOUNCEMENT, MAX_ID, MAX_TITLE
from session_server.core.delta import GROWING, view_delta
from session_server.core.errors import ErrorCode
from session_server.core.plain import MAX_TEXT
from session_server.core.projection import SECTIONS
from session_server.core.state import Role
from session_server.http_guard import HttpLimits
from session_server.hub.node import Limits
from session_server.hub.room import VIEW_OF, VIEWS
from session_server.protocol import messages
from session_server.protocol.codes import CLOSE_CODES, ERRORS

DOCS = Path(__file__).resolve().parent.parent / "docs"
PROTOCOL = (DOCS / "protocol.md").read_text(encoding="utf-8")
LIMITS = (DOCS / "limits.md").read_text(encoding="utf-8")

CLIENT_TYPES = tuple(messages._CLIENT_TYPES)
SERVER_FRAMES = {
    frame["type"]: frame
    for frame in (
        msgpack.unpackb(raw, raw=False)
        for raw in (
            messages.welcome(server_time=0, room="r", role="board", delegate_id=None, node="n"),
            messages.snapshot(1, {}),
            messages.event(2, 1, 0, {}),
            messages.you(1, None),
            messages.ack("c", 1),
            messages.error("internal", "m", "c"),
            messages.pong(None, 0),
        )
    )
}


def heading_body(text: str, title: str) -> str:
    """The text under the heading line `### title`, up to the next heading."""
    lines = text.splitlines()
    start = lines.index(f"### {title}") + 1
    body = []
    for line in lines[start:]:
        if line.startswith("#"):
            break
        body.append(line)
    return "\n".join(body)


def chapter(text: str, prefix: str) -> str:
    """The text of the chapter whose `## ` heading starts with `prefix`, up to the next one."""
    start = text.index(f"\n## {prefix}")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def row(text: str, first_cell: str) -> list[str]:
    """The cells of the first table row of `text` whose first cell is `first_cell`."""
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("|") and cells[0] == first_cell:
            return cells
    raise AssertionError(f"no table row starting with {first_cell!r}")


def first_cells(text: str) -> list[str]:
    cells = []
    for line in text.splitlines():
        if line.startswith("|") and not line.startswith("|---"):
            cells.append(line.strip("|").split("|")[0].strip())
    return cells


def argument_names(command: type) -> list[str]:
    return [f.name for f in dataclasses.fields(command)]


@pytest.mark.parametrize("code", sorted(ERRORS))
def test_every_error_code_is_documented_with_its_temporariness(code: ErrorCode) -> None:
    table = chapter(PROTOCOL, "8. Error codes")
    cells = row(table, f"`{code}`")
    assert cells[1] == ("yes" if ERRORS[code].temporary else "no")
    assert cells[2] == ERRORS[code].meaning


def test_no_error_code_is_documented_that_the_registry_lacks() -> None:
    documented = {c.strip("`") for c in first_cells(chapter(PROTOCOL, "8. Error codes"))}
    assert documented - {"Code"} <= set(ERRORS)


@pytest.mark.parametrize("code", sorted(CLOSE_CODES))
def test_every_close_code_is_documented_with_its_reaction(code: int) -> None:
    table = chapter(PROTOCOL, "9. Close codes")
    cells = row(table, str(code))
    assert cells[1] == f"`{CLOSE_CODES[code].name}`"
    assert cells[2] == CLOSE_CODES[code].reaction.value


def test_no_close_code_is_documented_that_the_registry_lacks() -> None:
    documented = first_cells(chapter(PROTOCOL, "9. Close codes"))
    assert {int(c) for c in documented if c.isdigit()} <= set(CLOSE_CODES)


WIRE_COMMANDS = sorted(name for name, command in COMMAND_TYPES.items() if command.from_wire)
"""The commands a client may send; the others the hub makes itself."""


@pytest.mark.parametrize("name", WIRE_COMMANDS)
def test_every_command_is_documented_with_its_roles_and_arguments(name: str) -> None:
    command = COMMAND_TYPES[name]
    summary = row(chapter(PROTOCOL, "7. Commands"), f"`{name}`")
    assert set(summary[1].split(", ")) == {role.value for role in command.roles}
    arguments = argument_names(command)
    if arguments:
        assert [a.strip("`") for a in summary[2].split(", ")] == arguments
    else:
        assert summary[2] == "—"
    body = heading_body(PROTOCOL, name)
    for argument in arguments:
        row(body, f"`{argument}`")


def test_no_command_is_documented_that_the_code_lacks() -> None:
    summary = chapter(PROTOCOL, "7. Commands").split("\n### ")[0]
    documented = {c.strip("`") for c in first_cells(summary)} - {"Command"}
    assert documented == set(WIRE_COMMANDS)


def test_default_speaking_times_are_documented() -> None:
    body = " ".join(heading_body(PROTOCOL, "grant_floor").split())
    for kind, seconds in DEFAULT_SECONDS.items():
        assert f"`{kind.value}` **{seconds}**" in body


@pytest.mark.parametrize("section", SECTIONS)
def test_every_view_section_is_documented(section: str) -> None:
    view = chapter(PROTOCOL, "6. The view")
    row(view, f"`{section}`")
    assert heading_body(PROTOCOL, section).strip()


@pytest.mark.parametrize("kind", CLIENT_TYPES)
def test_every_client_message_is_documented_with_its_fields(kind: str) -> None:
    body = heading_body(chapter(PROTOCOL, "4. Client messages"), kind)
    row(body, "`type`")
    for field in dataclasses.fields(messages._CLIENT_TYPES[kind]):
        row(body, f"`{field.name}`")


@pytest.mark.parametrize("kind", sorted(SERVER_FRAMES))
def test_every_server_message_is_documented_with_its_fields(kind: str) -> None:
    body = heading_body(chapter(PROTOCOL, "5. Server messages"), kind)
    for field in SERVER_FRAMES[kind]:
        row(body, f"`{field}`")


def test_every_edit_op_is_documented_with_its_fields() -> None:
    before = {name: None for name in SECTIONS} | {
        "speakers": {"floor": None, "done": [1, 2]},
        "roll": [1, 2, 3],
    }
    after = before | {"speakers": {"floor": 7, "done": [1, 2, 3]}, "roll": [1, 4, 3]}
    _, edits = view_delta(before, after)
    assert {e["op"] for e in edits} == {"set", "append", "splice"}
    body = heading_body(chapter(PROTOCOL, "5. Server messages"), "event")
    for edit in edits:
        cells = row(body, f'`"{edit["op"]}"`')
        assert {f"`{field}`" for field in set(edit) - {"op", "path"}} <= set(
            cells[1].replace("(", " ").replace(",", " ").split()
        ), (edit["op"], cells[1])


def test_the_sections_edited_inside_are_documented() -> None:
    body = " ".join(heading_body(chapter(PROTOCOL, "5. Server messages"), "event").split())
    growing = [f"`{name}`" for name in SECTIONS if name in GROWING]
    small = [f"`{name}`" for name in SECTIONS if name not in GROWING]
    assert (
        f"The sections that grow through a day, {', '.join(growing[:-1])} and {growing[-1]},"
        in body
    )
    assert f"The small sections {', '.join(small[:-1])} and {small[-1]} always come whole" in body


def test_the_protocol_version_is_documented() -> None:
    assert f"Protocol version: **{messages.PROTOCOL_VERSION}**" in PROTOCOL


@pytest.mark.parametrize("field", [f.name for f in dataclasses.fields(Limits)])
def test_every_limit_is_documented_with_its_default(field: str) -> None:
    default = getattr(Limits(), field)
    cells = row(LIMITS, f"`{field}`")
    assert cells[1].startswith(str(default)), (field, default, cells[1])


@pytest.mark.parametrize("field", [f.name for f in dataclasses.fields(HttpLimits)])
def test_every_http_limit_is_documented_with_its_default(field: str) -> None:
    default = getattr(HttpLimits(), field)
    shown = str(int(default)) if float(default).is_integer() else str(default)
    cells = row(chapter(LIMITS, "HTTP limits"), f"`{field}`")
    assert cells[1].startswith(shown + " "), (field, default, cells[1])


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("MAX_TEXT", MAX_TEXT),
        ("MAX_COMMAND_ID", messages.MAX_COMMAND_ID),
        ("MAX_TOKEN", MAX_TOKEN),
        ("MAX_TITLE", MAX_TITLE),
        ("MAX_ANNOUNCEMENT", MAX_ANNOUNCEMENT),
        ("MAX_ID", MAX_ID),
        ("MAX_DOCUMENT_ID", decide_module.MAX_DOCUMENT_ID),
        ("MAX_NAME", decide_module.MAX_NAME),
        ("MAX_PAGES", decide_module.MAX_PAGES),
        ("MAX_PLANNED_MINUTES", decide_module.MAX_PLANNED_MINUTES),
        ("SPEAKING_SECONDS", decide_module.SPEAKING_SECONDS[1]),
        ("SPEAKING_SECONDS", decide_module.SPEAKING_SECONDS[0]),
        ("MAX_EXTENSION_SECONDS", decide_module.MAX_EXTENSION_SECONDS),
        ("MAX_ANNOUNCEMENT_MINUTES", decide_module.MAX_ANNOUNCEMENT_MINUTES),
        ("MAX_CONTRIBUTION_BYTES", contributions_http.MAX_CONTRIBUTION_BYTES),
        ("MAX_CONTRIBUTION_TEXT", contribution_pdf.MAX_CONTRIBUTION_TEXT),
        ("MAX_CONTRIBUTION_PAGES", contribution_rules.MAX_CONTRIBUTION_PAGES),
        ("MAX_CONTRIBUTIONS", contribution_rules.MAX_CONTRIBUTIONS),
        ("MAX_RETURN_REASON", contribution_rules.MAX_RETURN_REASON),
    ],
)
def test_every_fixed_limit_is_documented_with_its_value(name: str, value: int) -> None:
    lines = [line for line in LIMITS.splitlines() if f"`{name}`" in line and line.startswith("|")]
    assert lines, name
    assert any(str(value) in line for line in lines), (name, value)


def test_every_role_and_every_view_is_documented() -> None:
    welcome = row(heading_body(PROTOCOL, "welcome"), "`role`")
    for role in Role:
        assert f'`"{role.value}"`' in welcome[2], role
    columns = row(chapter(PROTOCOL, "6. The view"), "Section")[1:]
    # One column per view, headed by the roles whose screens share it.
    assert columns == [
        ", ".join(role.value for role in Role if VIEW_OF[role] is view) for view in VIEWS
    ]
