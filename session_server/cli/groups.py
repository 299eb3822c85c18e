"""`congress groups import`: the discussion groups, their members and officers, from a CSV file."""

from __future__ import annotations

import argparse
import csv
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from ..backends.base import Backend
from ..core import group_commands as gc
from ..core.commands import Command
from ..core.decide import Actor
from ..core.group_rules import MAX_ASSIGN
from ..core.state import Role
from ..hub.node import wall_clock_ms
from ..writer import Refused, RoomWriter
from .common import room_exists

ROLES = ("member", "chair", "secretary")
COLUMNS = "group,place,delegate_id,role"


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    groups = commands.add_parser("groups", help="manage the discussion groups (tổ thảo luận)")
    actions = groups.add_subparsers(dest="groups_command", metavar="ACTION", required=True)
    importing = actions.add_parser(
        "import",
        help=f"define groups and assign delegates from a CSV file with columns {COLUMNS} "
        "(role: member, chair or secretary; a delegate listed again moves)",
    )
    importing.add_argument("file", type=Path)


@dataclass
class _Planned:
    """One group as the file describes it."""

    name: str
    place: str
    members: list[str] = field(default_factory=list)
    chair: str | None = None
    secretary: str | None = None


def _read(path: Path) -> tuple[list[_Planned], list[str]]:
    """The groups the file describes, in order, and what is wrong with its lines."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    planned: dict[str, _Planned] = {}
    problems = []
    for line, row in enumerate(rows, start=2):
        name = (row.get("group") or "").strip()
        delegate_id = (row.get("delegate_id") or "").strip()
        role = (row.get("role") or "member").strip().lower() or "member"
        if not name or not delegate_id or role not in ROLES:
            problems.append(
                f"{path}:{line}: needs a group, a delegate_id and a role ({', '.join(ROLES)})"
            )
            continue
        group = planned.setdefault(name.casefold(), _Planned(name, ""))
        place = (row.get("place") or "").strip()
        group.place = place or group.place
        if delegate_id not in group.members:
            group.members.append(delegate_id)
        if role == "chair":
            group.chair = delegate_id
        elif role == "secretary":
            group.secretary = delegate_id
    return list(planned.values()), problems


async def run(args: argparse.Namespace, backend: Backend) -> int:
    try:
        planned, problems = _read(args.file)
    except OSError as error:
        print(f"congress: cannot read {args.file}: {error.strerror}", file=sys.stderr)
        return 2
    for problem in problems:
        print(problem, file=sys.stderr)
    if not await room_exists(args, backend):
        return 2
    writer = await RoomWriter.open(args.room, backend, clock=wall_clock_ms)
    first_seq = writer.state.seq
    failures = len(problems)

    async def send(command: Command, what: str) -> bool:
        nonlocal failures
        outcome = await writer.submit(
            command, Actor(Role.SECRETARIAT), command_id=uuid.uuid4().hex, token_id="cli"
        )
        if isinstance(outcome, Refused):
            print(f"{args.file}: {what}: {outcome}", file=sys.stderr)
            failures += 1
            return False
        return True

    for group in planned:
        known = {g.name.casefold(): g for g in writer.state.groups.values()}.get(
            group.name.casefold()
        )
        if known is None:
            if not await send(gc.DefineGroup(group.name, group.place), group.name):
                continue
            group_id = f"g{writer.state.groups_created}"
        else:
            group_id = known.id
            if group.place and group.place != known.place:
                await send(gc.EditGroup(group_id, place=group.place), group.name)
        members = [d for d in group.members if d in writer.state.delegates]
        for missing in sorted(set(group.members) - set(members)):
            print(f"{args.file}: {group.name}: {missing!r} is not on the roll", file=sys.stderr)
            failures += 1
        for start in range(0, len(members), MAX_ASSIGN):
            batch = tuple(members[start : start + MAX_ASSIGN])
            await send(gc.AssignToGroup(group_id, batch), group.name)
        if group.chair is not None or group.secretary is not None:
            current = writer.state.groups.get(group_id)
            chair = group.chair or (current.chair if current else None)
            secretary = group.secretary or (current.secretary if current else None)
            await send(gc.SetGroupOfficers(group_id, chair, secretary), f"{group.name}: officers")
    print(
        f"{len(planned)} groups, {sum(len(g.members) for g in planned)} delegates; "
        f"{writer.state.seq - first_seq} records appended, {failures} problems",
        file=sys.stderr,
    )
    return 1 if failures else 0
