"""Commands: what a role may ask of a room, with their arguments checked before `decide`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from .plain import PlainError, from_plain, shown
from .state import Access, PageSize, RequestKind, Role

STEERING = frozenset({Role.PRESIDIUM})
RECORDING = frozenset({Role.PRESIDIUM, Role.SECRETARIAT})
CHECKING_IN = frozenset({Role.PRESIDIUM, Role.SECRETARIAT, Role.DELEGATE})


@dataclass(frozen=True, slots=True)
class Command:
    name: ClassVar[str] = ""
    roles: ClassVar[frozenset[Role]] = frozenset()
    # False for a command only the server makes from facts it checked itself (a
    # document's hash and page sizes come from the file it stored, never from a client).
    from_wire: ClassVar[bool] = True


@dataclass(frozen=True, slots=True)
class OpenSession(Command):
    """Open the session, or resume it after a suspension."""

    name: ClassVar[str] = "open_session"
    roles: ClassVar[frozenset[Role]] = STEERING


@dataclass(frozen=True, slots=True)
class SuspendSession(Command):
    """Suspend the session for a break, or, during one, change when it resumes."""

    name: ClassVar[str] = "suspend_session"
    roles: ClassVar[frozenset[Role]] = STEERING
    resumes_at: int | None = None


@dataclass(frozen=True, slots=True)
class AdjournSession(Command):
    name: ClassVar[str] = "adjourn_session"
    roles: ClassVar[frozenset[Role]] = STEERING


@dataclass(frozen=True, slots=True)
class SetCurrentItem(Command):
    """Open an agenda item (closing the one open before), or none with `item_id` null."""

    name: ClassVar[str] = "set_current_item"
    roles: ClassVar[frozenset[Role]] = STEERING
    item_id: str | None


@dataclass(frozen=True, slots=True)
class AddAgendaItem(Command):
    name: ClassVar[str] = "add_agenda_item"
    roles: ClassVar[frozenset[Role]] = STEERING
    title: str
    presenter: str = ""
    planned_minutes: int = 0
    position: int | None = None
    group_session: bool = False


@dataclass(frozen=True, slots=True)
class EditAgendaItem(Command):
    name: ClassVar[str] = "edit_agenda_item"
    roles: ClassVar[frozenset[Role]] = STEERING
    item_id: str
    title: str | None = None
    presenter: str | None = None
    planned_minutes: int | None = None
    group_session: bool | None = None


@dataclass(frozen=True, slots=True)
class MoveAgendaItem(Command):
    name: ClassVar[str] = "move_agenda_item"
    roles: ClassVar[frozenset[Role]] = STEERING
    item_id: str
    position: int


@dataclass(frozen=True, slots=True)
class RemoveAgendaItem(Command):
    name: ClassVar[str] = "remove_agenda_item"
    roles: ClassVar[frozenset[Role]] = STEERING
    item_id: str


@dataclass(frozen=True, slots=True)
class RegisterDocument(Command):
    """Make a document known, or change it; with a file, a new hash is a new version."""

    name: ClassVar[str] = "register_document"
    roles: ClassVar[frozenset[Role]] = RECORDING
    from_wire: ClassVar[bool] = False
    document_id: str
    title: str
    access: Access
    pages: int
    sha256: str = ""
    page_sizes: tuple[PageSize, ...] = ()
    paragraphs: tuple[tuple[str, ...], ...] = ()
    """Each page's paragraph ids, found by the hub in the file it stored."""


@dataclass(frozen=True, slots=True)
class ShowPage(Command):
    name: ClassVar[str] = "show_page"
    roles: ClassVar[frozenset[Role]] = STEERING
    document_id: str
    page: int


@dataclass(frozen=True, slots=True)
class HideDocument(Command):
    name: ClassVar[str] = "hide_document"
    roles: ClassVar[frozenset[Role]] = STEERING


@dataclass(frozen=True, slots=True)
class RequestFloor(Command):
    name: ClassVar[str] = "request_floor"
    roles: ClassVar[frozenset[Role]] = frozenset({Role.DELEGATE})
    kind: RequestKind = RequestKind.SPEECH


@dataclass(frozen=True, slots=True)
class WithdrawRequest(Command):
    name: ClassVar[str] = "withdraw_request"
    roles: ClassVar[frozenset[Role]] = frozenset({Role.DELEGATE})


@dataclass(frozen=True, slots=True)
class AcceptRequest(Command):
    """Put a request on the public list of speakers (boards see accepted requests only)."""

    name: ClassVar[str] = "accept_request"
    roles: ClassVar[frozenset[Role]] = STEERING
    delegate_id: str


@dataclass(frozen=True, slots=True)
class MoveRequest(Command):
    name: ClassVar[str] = "move_request"
    roles: ClassVar[frozenset[Role]] = STEERING
    delegate_id: str
    position: int


@dataclass(frozen=True, slots=True)
class RemoveRequest(Command):
    name: ClassVar[str] = "remove_request"
    roles: ClassVar[frozenset[Role]] = STEERING
    delegate_id: str


@dataclass(frozen=True, slots=True)
class GrantFloor(Command):
    """Give the floor to a chosen request, or the first in the queue when `delegate_id` is null.

    While someone speaks it is refused unless `interrupt` says the chair means to end that
    speech: the console asks first, then sends it.
    """

    name: ClassVar[str] = "grant_floor"
    roles: ClassVar[frozenset[Role]] = STEERING
    delegate_id: str | None = None
    seconds: int | None = None
    interrupt: bool = False


@dataclass(frozen=True, slots=True)
class RestoreRequest(Command):
    """Put back, where it stood, the request the presidium last removed for a delegate."""

    name: ClassVar[str] = "restore_request"
    roles: ClassVar[frozenset[Role]] = STEERING
    delegate_id: str


@dataclass(frozen=True, slots=True)
class SetSpeakingTimes(Command):
    """The speaking time of each kind of request, used when the floor is granted without one."""

    name: ClassVar[str] = "set_speaking_times"
    roles: ClassVar[frozenset[Role]] = STEERING
    speech: int
    point_of_order: int
    reply: int


@dataclass(frozen=True, slots=True)
class EndSpeech(Command):
    name: ClassVar[str] = "end_speech"
    roles: ClassVar[frozenset[Role]] = STEERING


@dataclass(frozen=True, slots=True)
class ExtendTime(Command):
    name: ClassVar[str] = "extend_time"
    roles: ClassVar[frozenset[Role]] = STEERING
    seconds: int = 60


@dataclass(frozen=True, slots=True)
class CloseList(Command):
    name: ClassVar[str] = "close_list"
    roles: ClassVar[frozenset[Role]] = STEERING


@dataclass(frozen=True, slots=True)
class ReopenList(Command):
    name: ClassVar[str] = "reopen_list"
    roles: ClassVar[frozenset[Role]] = STEERING


@dataclass(frozen=True, slots=True)
class PostAnnouncement(Command):
    name: ClassVar[str] = "post_announcement"
    roles: ClassVar[frozenset[Role]] = RECORDING
    text: str
    minutes: int = 30


@dataclass(frozen=True, slots=True)
class WithdrawAnnouncement(Command):
    name: ClassVar[str] = "withdraw_announcement"
    roles: ClassVar[frozenset[Role]] = STEERING
    announcement_id: str


@dataclass(frozen=True, slots=True)
class RegisterDelegate(Command):
    """Add a delegate to the roll, or correct one already on it."""

    name: ClassVar[str] = "register_delegate"
    roles: ClassVar[frozenset[Role]] = frozenset({Role.SECRETARIAT})
    delegate_id: str
    full_name: str
    unit: str = ""
    seat: str = ""


@dataclass(frozen=True, slots=True)
class CheckIn(Command):
    """Mark a delegate present; a delegate checks in only themselves (no `delegate_id`)."""

    name: ClassVar[str] = "check_in"
    roles: ClassVar[frozenset[Role]] = CHECKING_IN
    delegate_id: str | None = None


@dataclass(frozen=True, slots=True)
class CancelCheckIn(Command):
    """Undo a check-in made by mistake: the delegate is no longer counted present."""

    name: ClassVar[str] = "cancel_check_in"
    roles: ClassVar[frozenset[Role]] = RECORDING
    delegate_id: str


@dataclass(frozen=True, slots=True)
class RevokeToken(Command):
    """Record that a token was revoked, so every node closes its sockets at once.

    Sent by `congress tokens revoke` after the token's record is revoked in the backend,
    never from the wire.
    """

    name: ClassVar[str] = "revoke_token"
    roles: ClassVar[frozenset[Role]] = RECORDING
    from_wire: ClassVar[bool] = False
    token_id: str


@dataclass(frozen=True, slots=True)
class RecordCheckpoint(Command):
    """Sign the log's head now (the hub does at each item's end and at adjournment too)."""

    name: ClassVar[str] = "checkpoint"
    roles: ClassVar[frozenset[Role]] = STEERING


# The votes', the discussion groups', the opinions' and the written contributions' commands
# live in modules of their own; importing them here, once Command exists, registers them.
from . import contribution_commands as _contribution_commands  # noqa: E402, F401
from . import group_commands, opinion_commands, vote_commands  # noqa: E402, F401

COMMAND_TYPES: dict[str, type[Command]] = {cls.name: cls for cls in Command.__subclasses__()}


def parse_command(name: Any, args: Any) -> Command:
    """The command a client asked for, or `PlainError` saying which argument is wrong."""
    cls = COMMAND_TYPES.get(name) if isinstance(name, str) else None
    if cls is None:
        raise UnknownCommand(name)
    if args is None:
        args = {}
    if not isinstance(args, dict):
        raise PlainError("args", "must be a map")
    return from_plain(cls, args, "args")


class UnknownCommand(ValueError):
    def __init__(self, name: Any) -> None:
        super().__init__(f"unknown command {shown(name)}")
