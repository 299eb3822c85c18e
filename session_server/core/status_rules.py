"""What each session status allows: the one table `decide` consults before any other rule."""

from __future__ import annotations

from collections.abc import Mapping

from .errors import RuleReason
from .state import SessionStatus

NOT_STARTED = SessionStatus.NOT_STARTED
IN_SESSION = SessionStatus.IN_SESSION
SUSPENDED = SessionStatus.SUSPENDED
ADJOURNED = SessionStatus.ADJOURNED
PREPARING = frozenset({NOT_STARTED, IN_SESSION, SUSPENDED})
"""Before the opening, in session and during a break the presidium and the secretariat
prepare: the agenda, the documents and the page on the screens, the roll and check-in."""
KEEPING_THE_LIST = frozenset({NOT_STARTED, IN_SESSION, SUSPENDED})
"""The list of speakers is kept before the opening (requests to speak on the first item
are collected ahead, as congresses do) and during a break (accept, move, remove, close)."""
WHILE_THE_FLOOR_RUNS = frozenset({IN_SESSION, SUSPENDED})
"""A speech can only run once the session has opened; it is ended or extended in a break."""
ALWAYS = frozenset(SessionStatus)

ALLOWED: Mapping[str, frozenset[SessionStatus]] = {
    # Reopening after an adjournment reconvenes: a mistaken adjournment is undone this way.
    "open_session": frozenset({NOT_STARTED, SUSPENDED, ADJOURNED}),
    # Suspending again during a break changes the time it resumes.
    "suspend_session": frozenset({IN_SESSION, SUSPENDED}),
    # A session called off before it opened is adjourned too.
    "adjourn_session": PREPARING,
    # Before the opening the first item may be put up (nobody may ask for the floor yet);
    # during a break the item stays: changing it would end a speech nobody may resume.
    "set_current_item": frozenset({NOT_STARTED, IN_SESSION}),
    "add_agenda_item": PREPARING,
    "edit_agenda_item": PREPARING,
    "move_agenda_item": PREPARING,
    "remove_agenda_item": PREPARING,
    # A file may be registered at any time: the record of a day keeps its documents.
    "register_document": ALWAYS,
    "show_page": PREPARING,
    "hide_document": PREPARING,
    # Nobody asks for the floor during a break: the queue stands as the break found it.
    "request_floor": frozenset({NOT_STARTED, IN_SESSION}),
    "withdraw_request": KEEPING_THE_LIST,
    "accept_request": KEEPING_THE_LIST,
    "move_request": KEEPING_THE_LIST,
    "remove_request": KEEPING_THE_LIST,
    "restore_request": KEEPING_THE_LIST,
    "grant_floor": frozenset({IN_SESSION}),
    "end_speech": WHILE_THE_FLOOR_RUNS,
    "extend_time": WHILE_THE_FLOOR_RUNS,
    "close_list": KEEPING_THE_LIST,
    "reopen_list": KEEPING_THE_LIST,
    "set_speaking_times": PREPARING,
    # Announcements outlive the session: after the adjournment they carry what delegates
    # need next (the buses, the dinner, tomorrow's programme), and each expires by itself.
    "post_announcement": ALWAYS,
    "withdraw_announcement": ALWAYS,
    # The roll may be corrected for the record at any time; attendance closes with the day.
    "register_delegate": ALWAYS,
    "check_in": PREPARING,
    "cancel_check_in": PREPARING,
    # A revoked token must be shut out whatever the session does.
    "revoke_token": ALWAYS,
    # The record may be signed whenever the presidium asks, the adjourned day's above all.
    "checkpoint": ALWAYS,
    # Votes are prepared, and the committee makes its key, while the session is prepared;
    # the presence check, the opening and the casting only in session; a vote open when a
    # break begins can still be closed, and counting and publishing finish whatever follows.
    "prepare_vote": PREPARING,
    "withdraw_vote": PREPARING,
    "set_committee": PREPARING,
    "join_committee": PREPARING,
    "deliver_shares": PREPARING,
    "confirm_shares": PREPARING,
    "start_presence_check": frozenset({IN_SESSION}),
    "confirm_presence": frozenset({IN_SESSION}),
    "open_vote": frozenset({IN_SESSION}),
    "cast_vote": frozenset({IN_SESSION}),
    "cast_ballot": frozenset({IN_SESSION}),
    "record_ballot": frozenset({IN_SESSION}),
    "close_vote": WHILE_THE_FLOOR_RUNS,
    "submit_decryption": ALWAYS,
    "publish_result": ALWAYS,
    # A contribution is sent, taken, returned and published whenever the secretariat works:
    # before the opening, in a break, after the adjournment as well.
    "submit_contribution": ALWAYS,
    "accept_contribution": ALWAYS,
    "return_contribution": ALWAYS,
    "make_contribution_document": ALWAYS,
    # The groups are prepared while the session is prepared; what the hub copies between
    # the plenary and a group's room (members, documents, a group's status) is a fact it
    # records whatever either session does.
    "define_group": PREPARING,
    "edit_group": PREPARING,
    "remove_group": PREPARING,
    "assign_to_group": PREPARING,
    "unassign_from_group": PREPARING,
    "set_group_officers": PREPARING,
    "sync_group": ALWAYS,
    "report_group_status": ALWAYS,
    # Opinions on the drafts are written from their publication to the adjournment: ahead
    # of the opening, in the groups' sessions and during breaks; the roll-up stands after.
    "record_opinion": PREPARING,
    "withdraw_opinion": PREPARING,
    "show_opinion_authors": ALWAYS,
}
"""For each command, the session statuses in which it is considered at all."""

REFUSED_BECAUSE: Mapping[SessionStatus, RuleReason] = {
    NOT_STARTED: "session_not_started",
    IN_SESSION: "session_open",
    SUSPENDED: "session_suspended",
    ADJOURNED: "session_adjourned",
}
"""The reason a command not allowed in a status is refused with (code `invalid_state`)."""


def refusal(status: SessionStatus, command: str) -> RuleReason | None:
    """Why `command` is refused in `status`, or None when the status allows it (or the
    command has no rule at all, which `decide` refuses as such)."""
    if status in ALLOWED.get(command, ALWAYS):
        return None
    return REFUSED_BECAUSE[status]
