// The presidium's console: steer the agenda, the page on screen, the floor; see every ack.
import { CHANGE_HEADERS, Hub, signIn, startWhenReachable } from "/static/common/hub.js";
import { switchLanguage, t, translate } from "/static/common/i18n.js";
import { stoppedBy } from "/static/common/status.js";
import {
  $, countdownState, formatSeconds, h, kindLabel, liveAnnouncements, replace, secondsLeft,
  statusBadge, toast,
} from "/static/common/ui.js";
import { confirmAction, field, fill, offerUndo } from "./dialogs.js";
import { DocumentDesk } from "./documents.js";
import { clockOf, HistoryPanel } from "./history.js";
import { RecordPanel } from "./record.js";
import { ContributionsPanel } from "./contributions.js";
import { OpinionsPanel } from "./opinions.js";
import { VotesPanel } from "./votes.js";
import { GroupsPanel } from "./groups.js";

const TOKEN_KEY = "congress.console.token";
const PREPARATION_POLL_MS = 5000;
const KINDS = ["speech", "point_of_order", "reply"];
// docs/protocol.md grant_floor: what the hub uses when no preset was set for the congress.
const DEFAULT_SECONDS = { speech: 420, point_of_order: 120, reply: 180 };
let hub = null;
let desk = null;
let history = null;
let votes = null;
let record = null;
let contributions = null;
let groups = null;
let opinions = null;

// The hub's refusal in the screen's language: by its reason, then its code, its English
// message last (a code the strings do not know yet).
function refusalText(error) {
  for (const key of [error.reason && `reason.${error.reason}`, error.code && `error.${error.code}`]) {
    if (key && t(key) !== key) return t(key);
  }
  return error.message;
}

// Every action says when the hub recorded it, or why it refused.
async function act(name, args = {}) {
  toast(t("action.sent"));
  try {
    const ack = await hub.command(name, args);
    toast(`${t("action.done")} · #${ack.seq}`, "ok");
    return ack;
  } catch (error) {
    toast(`${t("action.refused")}: ${refusalText(error)}`, "error");
    return null;
  }
}

// A disabled control says why, to the eye (title) and to a screen reader (description).
function disable(button, reasonKey) {
  button.disabled = Boolean(reasonKey);
  const why = reasonKey ? t(reasonKey) : "";
  if (reasonKey) button.title = why;
  else button.removeAttribute("title");
  if (!button.id) return;
  let note = document.getElementById(`${button.id}-why`);
  if (!note) {
    note = h("span", { id: `${button.id}-why`, class: "visually-hidden" });
    button.after(note);
  }
  note.textContent = why;
  if (reasonKey) button.setAttribute("aria-describedby", note.id);
  else button.removeAttribute("aria-describedby");
}

// Why the session's status stops `command` (the hub's status rules), else `otherwise`: a
// button the hub would refuse is greyed out, and says why, before the chair presses it.
function why(command, otherwise = null) {
  const stopped = stoppedBy(hub.view.session, command);
  return stopped ? `status.why.${stopped}` : otherwise;
}

function small(attributes, label, reasonKey = null) {
  const button = h("button", { class: "btn small", ...attributes }, label);
  if (reasonKey) { button.disabled = true; button.title = t(reasonKey); }
  return button;
}

// ---- Session ----------------------------------------------------------------------------

function renderSession() {
  const session = hub.view.session;
  const status = session ? session.status : null;
  $("session-status").textContent = session ? t(`session.${status}`) : "";
  $("session-status").dataset.status = status || "";
  disable($("open-session"), status === "in_session" ? "why.inSession" : null);
  const breakStopped = stoppedBy(session, "suspend_session");
  disable($("suspend"), !breakStopped ? null : breakStopped === "adjourned" ? "why.adjourned" : "why.notInSession");
  // During a break the same button changes the time the session resumes (the hub allows a
  // second suspend_session for that, and keeps the break's start).
  $("suspend").dataset.i18n = status === "suspended" ? "session.changeResume" : "session.suspend";
  $("suspend").textContent = t($("suspend").dataset.i18n);
  disable($("adjourn"), status === "adjourned" ? "why.adjourned" : null);
  const resumes = session && status === "suspended" ? session.resumes_at : null;
  $("resumes").hidden = !resumes;
  $("resumes").textContent = resumes ? fill(t("console.resumesAt"), { time: clockOf(resumes) }) : "";
}

async function adjourn() {
  const yes = await confirmAction({
    title: t("confirm.adjourn.title"), text: t("confirm.adjourn.text"), ok: t("confirm.adjourn.ok"), danger: true,
  });
  if (yes) act("adjourn_session");
}

// "14:30" today on the wall clock, as the server's instant (ms); null when left empty.
function resumeInstant(value) {
  if (!value) return null;
  const [hours, minutes] = value.split(":").map(Number);
  const at = new Date(hub.now());
  at.setHours(hours, minutes, 0, 0);
  return at.getTime();
}

// An instant as the time input's "HH:MM", on this device's wall clock.
function wallTime(instant) {
  const at = new Date(instant);
  return `${String(at.getHours()).padStart(2, "0")}:${String(at.getMinutes()).padStart(2, "0")}`;
}

async function suspend() {
  const session = hub.view.session;
  const changing = Boolean(session && session.status === "suspended");
  const current = changing && typeof session.resumes_at === "number" ? wallTime(session.resumes_at) : "";
  const words = changing ? "confirm.resume" : "confirm.suspend";
  const values = await confirmAction({
    title: t(`${words}.title`), text: t(`${words}.text`), ok: t(`${words}.ok`),
    extra: () => field(changing ? "confirm.resume.field" : "confirm.suspend.resume",
      { type: "time", name: "resumes", id: "resumes-at", value: current }),
    check: ({ resumes }) => (resumes && resumeInstant(resumes) <= hub.now() ? t("confirm.suspend.past") : ""),
  });
  if (!values) return;
  const resumesAt = resumeInstant(values.resumes);
  act("suspend_session", resumesAt === null ? {} : { resumes_at: resumesAt });
}

// ---- Agenda -----------------------------------------------------------------------------

function renderAgenda() {
  const agenda = hub.view.agenda || { items: [], current: null };
  const items = agenda.items;
  replace($("agenda"), items.map((item, index) => h("li", { class: `agenda-item ${item.status}`, "aria-current": item.status === "open" ? "step" : null },
    h("div", { class: "agenda-main" },
      h("div", { class: "agenda-title" }, item.title),
      h("div", { class: "muted small" }, [item.presenter, item.planned_minutes ? `${item.planned_minutes}′` : ""].filter(Boolean).join(" · "))),
    h("span", { class: `pill ${item.status}` }, t(`item.${item.status}`)),
    h("div", { class: "agenda-buttons" },
      item.status !== "open" ? small({ onclick: () => act("set_current_item", { item_id: item.id }) }, t("agenda.open"), why("set_current_item")) : null,
      small({ "aria-label": `${t("agenda.up")}: ${item.title}`, onclick: () => act("move_agenda_item", { item_id: item.id, position: index - 1 }) }, "↑", why("move_agenda_item", index === 0 ? "why.top" : null)),
      small({ "aria-label": `${t("agenda.down")}: ${item.title}`, onclick: () => act("move_agenda_item", { item_id: item.id, position: index + 1 }) }, "↓", why("move_agenda_item", index === items.length - 1 ? "why.bottom" : null)),
      small({ "aria-label": `${t("agenda.edit")}: ${item.title}`, title: t("agenda.edit"), onclick: () => editItem(item) }, "✎", why("edit_agenda_item"))))));
  const currentIndex = items.findIndex((i) => i.id === agenda.current);
  const next = items.slice(currentIndex + 1).find((i) => i.status === "pending") || items[currentIndex + 1];
  disable($("next-item"), why("set_current_item", next ? null : "why.noNextItem"));
  disable($("add-item").querySelector("button"), why("add_agenda_item"));
  $("next-item").onclick = () => next && act("set_current_item", { item_id: next.id });
}

// The item's fields in the dialog, each labelled; nothing is sent when cancelled.
async function editItem(item) {
  const values = await confirmAction({
    title: t("agenda.edit"), text: item.title, ok: t("agenda.save"),
    extra: () => [
      field("agenda.title", { name: "title", id: "edit-title", value: item.title, required: "", maxlength: "300" }),
      field("agenda.presenter", { name: "presenter", id: "edit-presenter", value: item.presenter }),
      field("agenda.minutes", { name: "minutes", id: "edit-minutes", type: "number", min: "0", max: "600", value: String(item.planned_minutes) }),
    ],
  });
  if (!values) return;
  act("edit_agenda_item", {
    item_id: item.id, title: values.title.trim(), presenter: values.presenter.trim(),
    planned_minutes: Number(values.minutes || 0),
  });
}

// ---- Speakers ---------------------------------------------------------------------------

function presets() {
  const view = hub.view;
  return view.speaking_times || (view.session && view.session.speaking_times) || null;
}

// The custom time typed at the grant, in seconds; null leaves the preset of the kind.
function grantSeconds() {
  const minutes = Number($("grant-minutes").value);
  return $("grant-minutes").value && minutes > 0 ? Math.round(minutes * 60) : null;
}

async function grant(entry) {
  const speakers = hub.view.speakers;
  const floor = speakers && speakers.floor;
  const args = { delegate_id: entry ? entry.delegate_id : null };
  const seconds = grantSeconds();
  if (seconds !== null) args.seconds = seconds;
  if (floor) {
    const next = entry || (speakers.queue || [])[0];
    const yes = await confirmAction({
      title: t("confirm.interrupt.title"),
      text: fill(t("confirm.interrupt.text"), { speaker: floor.name, next: next ? next.name : "" }),
      ok: t("confirm.interrupt.ok"), danger: true,
    });
    if (!yes) return;
    args.interrupt = true;
  }
  if (args.delegate_id === null) delete args.delegate_id;
  const ack = await act("grant_floor", args);
  if (ack) $("grant-minutes").value = "";
}

async function removeRequest(entry) {
  const yes = await confirmAction({
    title: t("confirm.remove.title"), text: fill(t("confirm.remove.text"), entry), ok: t("confirm.remove.ok"), danger: true,
  });
  if (!yes) return;
  const ack = await act("remove_request", { delegate_id: entry.delegate_id });
  if (ack) {
    offerUndo(fill(t("console.undoRemoved"), entry), () => act("restore_request", { delegate_id: entry.delegate_id }));
  }
}

async function toggleList() {
  const speakers = hub.view.speakers;
  if (speakers && speakers.closed) return act("reopen_list");
  const yes = await confirmAction({ title: t("confirm.close.title"), text: t("confirm.close.text"), ok: t("confirm.close.ok") });
  if (yes) act("close_list");
}

function renderFloor(now) {
  const speakers = hub.view.speakers;
  const floor = speakers && speakers.floor;
  if (floor) {
    const left = secondsLeft(floor, now, hub.view.session);
    replace($("floor"),
      h("div", { class: "floor-name" }, floor.name, h("span", { class: "muted" }, ` · ${floor.unit}`)),
      h("div", { class: "floor-line" },
        h("span", { class: floor.kind === "point_of_order" ? "pill order" : "pill" }, kindLabel(floor.kind)),
        h("div", { class: "countdown large", role: "timer", "data-state": countdownState(left), id: "countdown" }, formatSeconds(left)),
        left < 0 ? h("div", { class: "overtime" }, t("speakers.overtime")) : null));
  } else {
    replace($("floor"), h("div", { class: "muted" }, speakers ? t("speakers.nobody") : t("agenda.none")));
  }
}

function renderSpeakers(now) {
  renderFloor(now);
  const speakers = hub.view.speakers;
  const floor = speakers && speakers.floor;
  const queue = (speakers && speakers.queue) || [];
  disable($("end"), why("end_speech", floor ? null : "why.nobodySpeaking"));
  disable($("extend"), why("extend_time", floor ? null : "why.nobodySpeaking"));
  disable($("grant-next"), why("grant_floor", !speakers ? "why.noItem" : queue.length ? null : "why.queueEmpty"));
  disable($("list-toggle"), why(speakers && speakers.closed ? "reopen_list" : "close_list", speakers ? null : "why.noItem"));
  disable($("speaking-times").querySelector("button"), why("set_speaking_times"));
  $("list-toggle").textContent = speakers && speakers.closed ? t("speakers.reopen") : t("speakers.close");
  $("list-state").textContent = !speakers ? "" : speakers.closed ? t("speakers.closed") : t("console.listOpen");
  $("list-state").dataset.closed = speakers && speakers.closed ? "true" : "false";
}

function renderQueue() {
  const speakers = hub.view.speakers;
  const queue = (speakers && speakers.queue) || [];
  replace($("queue"), queue.length ? queue.map((entry, index) => h("li", { class: "queue-entry" },
    h("div", { class: "queue-who" },
      h("strong", {}, entry.name), h("span", { class: "muted small" }, ` · ${entry.unit}`), " ",
      h("span", { class: entry.kind === "point_of_order" ? "pill order" : "pill" }, kindLabel(entry.kind)), " ",
      h("span", { class: "muted small" }, entry.accepted ? t("speakers.accepted") : t("speakers.waiting"))),
    h("div", { class: "queue-buttons" },
      !entry.accepted ? small({ onclick: () => act("accept_request", { delegate_id: entry.delegate_id }) }, t("speakers.accept"), why("accept_request")) : null,
      small({ class: "btn small primary", onclick: () => grant(entry) }, t("speakers.grant"), why("grant_floor")),
      small({ "aria-label": `${t("agenda.up")}: ${entry.name}`, onclick: () => act("move_request", { delegate_id: entry.delegate_id, position: index - 1 }) }, "↑", why("move_request", index === 0 ? "why.top" : null)),
      small({ "aria-label": `${t("agenda.down")}: ${entry.name}`, onclick: () => act("move_request", { delegate_id: entry.delegate_id, position: index + 1 }) }, "↓", why("move_request", index === queue.length - 1 ? "why.bottom" : null)),
      small({ onclick: () => removeRequest(entry) }, t("speakers.remove"), why("remove_request")))))
    : [h("li", { class: "muted" }, t("speakers.empty"))]);
}

function renderPresets() {
  const set = presets() || DEFAULT_SECONDS;
  for (const kind of KINDS) {
    const input = $(`preset-${kind}`);
    // Not while the chair is typing in it.
    if (document.activeElement !== input) input.value = String((set[kind] ?? DEFAULT_SECONDS[kind]) / 60);
  }
}

// ---- Announcements and the roll ---------------------------------------------------------

function renderSide(now) {
  replace($("announcements"), liveAnnouncements(hub.view, now).map((a) => h("li", {},
    h("span", {}, a.text),
    small({ "aria-label": `${t("announcements.withdraw")}: ${a.text.slice(0, 40)}`, onclick: () => act("withdraw_announcement", { announcement_id: a.id }) }, t("announcements.withdraw")))));
  if (!$("announcements").children.length) replace($("announcements"), h("li", { class: "muted" }, t("announcements.none")));
  const attendance = hub.view.attendance || { present: 0, total: 0 };
  $("attendance").textContent = `${t("attendance.present")}: ${attendance.present} / ${attendance.total}`;
  const query = $("roll-q").value.trim().toLowerCase();
  const roll = (hub.view.roll || []).filter((d) => !query || `${d.id} ${d.name} ${d.unit}`.toLowerCase().includes(query));
  replace($("roll"), roll.slice(0, 60).map((d) => h("li", {},
    h("span", { class: "roll-who" }, d.name, h("span", { class: "muted small" }, ` · ${d.unit}`)),
    d.present ? h("span", { class: "pill open" }, t("attendance.checkedIn"))
      : small({ "aria-label": `${t("attendance.checkIn")}: ${d.name}`, onclick: () => checkIn(d) }, t("attendance.checkIn"), why("check_in")))));
}

async function checkIn(delegate) {
  const ack = await act("check_in", { delegate_id: delegate.id });
  if (ack) offerUndo(fill(t("console.undoCheckedIn"), delegate), () => act("cancel_check_in", { delegate_id: delegate.id }));
}

// ---- Tabs: the roll and the speaker history ----------------------------------------------

const TABS = ["roll", "announcements", "history", "votes", "record", "groups", "opinions", "contributions"];

function selectTab(name) {
  for (const tab of TABS) {
    const on = tab === name;
    $(`tab-${tab}`).setAttribute("aria-selected", String(on));
    $(`tab-${tab}`).tabIndex = on ? 0 : -1;
    $(`panel-${tab}`).hidden = !on;
  }
  if (name === "history" && history) history.refresh();
  if (name === "record" && record) record.refresh();
  if (opinions) opinions.show(name === "opinions");
}

// ---- The whole desk ---------------------------------------------------------------------

function render() {
  const view = hub.view;
  const now = hub.now();
  $("title").textContent = (view.session && view.session.title) || t("app.name");
  renderSession();
  const mark = view.session && view.session.checkpoint;
  $("checkpoint").hidden = !mark;
  $("checkpoint").textContent = mark ? `${t("checkpoint")} ${mark}` : "";
  renderAgenda();
  desk.render();
  renderSpeakers(now);
  renderQueue();
  renderPresets();
  renderSide(now);
  if (!$("panel-history").hidden) history.refresh();
  votes.render();
  contributions.render();
  if (groups) groups.render();
  opinions.observe(view);
}

function tick() {
  const now = hub ? hub.now() : Date.now();
  $("clock").textContent = clockOf(now);
  if (hub && hub.view.session) renderFloor(now);
}

function translateLabels() {
  for (const element of document.querySelectorAll("[data-i18n-label]")) {
    element.setAttribute("aria-label", t(element.dataset.i18nLabel));
  }
}

// `/console/?room=<plenary>~<group>`: the console of one discussion group's room, signed in
// with a plenary token (a group's chair or secretary is a delegate of the plenary); the hub
// decides the role there, and the pages still come from the plenary's documents.
function groupRoomAsked(session) {
  const room = new URLSearchParams(location.search).get("room");
  return room && room.startsWith(`${session.room}~`) ? room : null;
}

async function start(token) {
  let session = await signIn(token);
  const groupRoom = groupRoomAsked(session);
  if (groupRoom) session = { ...session, room: groupRoom, documents_room: session.room };
  // A delegate's or board's token never opens the plenary's console, not even its socket.
  else if (session.role !== "presidium" && session.role !== "secretariat") throw Object.assign(new Error("role"), { code: 401 });
  hub = new Hub({ token, onChange: render, onStatus: (status) => statusBadge($("status"), status) });
  // The desk's previews are the presidium's own; putting a page live, or taking it down,
  // waits for a status that allows it.
  const live = { show: "show_page", hide: "hide_document" };
  desk = new DocumentDesk({ hub, act, disable: (button, key) => disable(button, live[button.id] ? why(live[button.id], key) : key) });
  history = new HistoryPanel(hub);
  record = new RecordPanel(hub, $("record"));
  opinions = new OpinionsPanel(hub, $("opinions"), act);
  // Consequential vote steps (open, close, publish, withdraw) ask first, in the same dialog.
  votes = new VotesPanel(hub, $("votes"), {
    act,
    ask: async (text) => (await confirmAction({ title: t("console.vote.panel"), text, ok: t("console.vote.confirmOk") })) !== null,
  });
  contributions = new ContributionsPanel(hub, $("contributions"), {
    act,
    ask: async (text) => (await confirmAction({ title: t("contrib.console.title"), text, ok: t("contrib.publish") })) !== null,
    askReason: async (entry) => {
      const values = await confirmAction({
        title: t("contrib.return"), text: entry.title, ok: t("contrib.return"),
        extra: () => field("contrib.returnReason", { name: "reason", maxlength: "500", autocomplete: "off" }),
        check: (given) => (given.reason.trim() ? "" : t("contrib.returnReasonNeeded")),
      });
      return values ? values.reason.trim() : null;
    },
  });
  groups = groupRoom ? null : new GroupsPanel(hub, $("groups"), { act });
  // In a group's own console, what belongs to the plenary (groups, opinions, contributions) is not there.
  $("tab-groups").hidden = Boolean(groupRoom);
  $("tab-contributions").hidden = Boolean(groupRoom);
  $("tab-opinions").hidden = Boolean(groupRoom);
  await hub.start(session);
  $("who").textContent = session.label;
  $("sign-in").hidden = true;
  $("desk").hidden = false;
  $("session-buttons").hidden = false;
  $("sign-out").hidden = false;
  followPreparation(session.room);
}

// How many of the delegates' marked copies this node has made ahead, while it makes them.
// One loop at a time: a later sign-in's loop ends the earlier one's.
let preparationFollower = 0;
async function followPreparation(room) {
  const follower = ++preparationFollower;
  const line = $("prepared");
  while (follower === preparationFollower) {
    try {
      const answer = await fetch(`/api/rooms/${encodeURIComponent(room)}/preparation`, { credentials: "same-origin" });
      const progress = answer.ok ? await answer.json() : null;
      if (follower !== preparationFollower) return;
      line.hidden = !progress || !progress.following || progress.total === 0;
      if (!line.hidden) {
        const done = progress.prepared >= progress.total;
        const count = done ? `${t("prepared.all")} ${progress.total}` : `${progress.prepared} / ${progress.total}`;
        line.textContent = `${t("prepared")}: ${count} ${t("prepared.pages")}`;
      }
    } catch {
      // The hub unreachable: the connection badge says so; try again later.
    }
    await new Promise((resume) => setTimeout(resume, PREPARATION_POLL_MS));
  }
}

function wire() {
  $("lang").addEventListener("click", () => {
    switchLanguage();
    translateLabels();
    // The badge too: in English every string is English.
    statusBadge($("status"), hub ? hub.status : $("status").dataset.status);
    tick();
    if (hub && hub.view.session) render();
  });
  $("sign-out").addEventListener("click", async () => {
    localStorage.removeItem(TOKEN_KEY);
    await fetch("/api/session", { method: "DELETE", headers: CHANGE_HEADERS });
    location.reload();
  });
  $("open-session").addEventListener("click", () => act("open_session"));
  $("suspend").addEventListener("click", suspend);
  $("adjourn").addEventListener("click", adjourn);
  $("grant-next").addEventListener("click", () => grant(null));
  $("end").addEventListener("click", () => act("end_speech"));
  $("extend").addEventListener("click", () => act("extend_time", { seconds: 60 }));
  $("list-toggle").addEventListener("click", toggleList);
  $("prev").addEventListener("click", () => desk.turn(-1));
  $("next").addEventListener("click", () => desk.turn(1));
  $("show").addEventListener("click", () => desk.show());
  $("back-live").addEventListener("click", () => desk.backToLive());
  $("hide").addEventListener("click", () => act("hide_document"));
  // Choosing a document previews its first page here; "Trình chiếu" puts it live.
  $("doc-pick").addEventListener("change", (event) => {
    const live = desk.live();
    desk.look(event.target.value, live && live.id === event.target.value ? live.page : 1);
  });
  $("roll-q").addEventListener("input", () => renderSide(hub.now()));
  for (const tab of TABS) $(`tab-${tab}`).addEventListener("click", () => selectTab(tab));
  // The tabs' own keys (ARIA tabs pattern): arrows move between them.
  $("tab-roll").parentElement.addEventListener("keydown", (event) => {
    if (event.key !== "ArrowRight" && event.key !== "ArrowLeft") return;
    event.preventDefault();
    const now = TABS.findIndex((tab) => !$(`panel-${tab}`).hidden);
    const next = TABS[(now + (event.key === "ArrowRight" ? 1 : TABS.length - 1)) % TABS.length];
    selectTab(next);
    $(`tab-${next}`).focus();
  });
  $("add-item").addEventListener("submit", (event) => {
    event.preventDefault();
    const minutes = Number($("new-minutes").value || 0);
    const item = { title: $("new-title").value, presenter: $("new-presenter").value, planned_minutes: minutes };
    if ($("new-group-session").checked) item.group_session = true;
    act("add_agenda_item", item);
    event.target.reset();
  });
  $("speaking-times").addEventListener("submit", (event) => {
    event.preventDefault();
    const seconds = Object.fromEntries(KINDS.map((kind) => [kind, Math.round(Number($(`preset-${kind}`).value) * 60)]));
    act("set_speaking_times", seconds);
  });
  $("upload").addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = $("upload-file").files[0];
    if (!file) return;
    const query = new URLSearchParams({ title: $("upload-name").value, access: $("upload-access").value });
    toast(t("action.sent"));
    // The sign-in cookie authorises the upload; the hub checks, stores and registers it.
    const answer = await fetch(`/api/rooms/${encodeURIComponent(hub.session.room)}/documents?${query}`, {
      method: "POST", body: file, headers: { ...CHANGE_HEADERS, "Content-Type": "application/pdf" }, credentials: "same-origin",
    });
    const body = await answer.json().catch(() => ({}));
    if (answer.ok) {
      toast(`${t("upload.done")}: ${body.title} (v${body.version})`, "ok");
      event.target.reset();
    } else {
      toast(`${t("action.refused")}: ${refusalText({ code: body.error, message: body.message || String(answer.status) })}`, "error");
    }
  });
  $("post").addEventListener("submit", (event) => {
    event.preventDefault();
    act("post_announcement", { text: $("post-text").value, minutes: Number($("post-minutes").value || 30) });
    $("post-text").value = "";
  });
  document.addEventListener("keydown", (event) => {
    if (["INPUT", "SELECT", "TEXTAREA"].includes(event.target.tagName) || !hub || $("confirm").open) return;
    if (event.target.closest("[role=tablist]")) return;
    if (event.key === "ArrowRight" || event.key === "PageDown") { event.preventDefault(); desk.turn(1); }
    if (event.key === "ArrowLeft" || event.key === "PageUp") { event.preventDefault(); desk.turn(-1); }
  });
  $("sign-in").addEventListener("submit", async (event) => {
    event.preventDefault();
    const token = $("token").value.trim();
    try {
      await start(token);
      localStorage.setItem(TOKEN_KEY, token);
    } catch {
      $("sign-in-error").hidden = false;
    }
  });
}

async function main() {
  translate(document);
  translateLabels();
  statusBadge($("status"), "connecting");
  wire();
  tick();
  setInterval(tick, 250);
  const saved = localStorage.getItem(TOKEN_KEY);
  if (saved) {
    // Forget the token only when the hub refuses it; a hub that is restarting is waited for.
    const started = await startWhenReachable(() => start(saved), {
      onWait: () => statusBadge($("status"), "reconnecting"),
    });
    if (started) return;
    localStorage.removeItem(TOKEN_KEY);
  }
  $("sign-in").hidden = false;
}

main();
