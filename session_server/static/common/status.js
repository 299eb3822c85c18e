// What each session status allows, for the commands the screens offer: the hub's table
// (session_server/core/status_rules.py, ALLOWED) copied, so a screen greys out what the hub
// would refuse; tests/test_status_mirror.py keeps the copy equal to the table.
const ALLOWED = {
  "open_session": ["not_started", "suspended", "adjourned"],
  "suspend_session": ["in_session", "suspended"],
  "adjourn_session": ["not_started", "in_session", "suspended"],
  "set_current_item": ["not_started", "in_session"],
  "add_agenda_item": ["not_started", "in_session", "suspended"],
  "edit_agenda_item": ["not_started", "in_session", "suspended"],
  "move_agenda_item": ["not_started", "in_session", "suspended"],
  "show_page": ["not_started", "in_session", "suspended"],
  "hide_document": ["not_started", "in_session", "suspended"],
  "request_floor": ["not_started", "in_session"],
  "withdraw_request": ["not_started", "in_session", "suspended"],
  "accept_request": ["not_started", "in_session", "suspended"],
  "move_request": ["not_started", "in_session", "suspended"],
  "remove_request": ["not_started", "in_session", "suspended"],
  "grant_floor": ["in_session"],
  "end_speech": ["in_session", "suspended"],
  "extend_time": ["in_session", "suspended"],
  "close_list": ["not_started", "in_session", "suspended"],
  "reopen_list": ["not_started", "in_session", "suspended"],
  "set_speaking_times": ["not_started", "in_session", "suspended"],
  "check_in": ["not_started", "in_session", "suspended"],
};

// The status that stops `command` now ("suspended", …), or null when the hub would consider
// it (other rules may still refuse it). A view with no session yet stops nothing.
export function stoppedBy(session, command) {
  const status = session && session.status;
  if (!status || !(command in ALLOWED)) return null;
  return ALLOWED[command].includes(status) ? null : status;
}
