// The welcome-gate board: public data only, read from 5 m, never asks anything, reconnects forever.
import { Hub, startWhenReachable, takeToken } from "/static/common/hub.js";
import { lang, switchLanguage, t, translate } from "/static/common/i18n.js";
import {
  $, countdownState, currentItem, formatSeconds, h, kindLabel, liveAnnouncements, replace,
  secondsLeft, statusBadge,
} from "/static/common/ui.js";
import { fitList, fillTicker } from "/static/display/board-fit.js";
import { renderVote, voteOnBoard } from "/static/display/board-vote.js";
import { groupsOnBoard, renderGroups } from "/static/display/board-groups.js";

let hub = null;

function locale() {
  return lang() === "en" ? "en-GB" : "vi-VN";
}

function timeText(instant) {
  return new Date(instant).toLocaleTimeString(locale(), { hour: "2-digit", minute: "2-digit" });
}

function dateText(instant) {
  return new Date(instant).toLocaleDateString(locale(), {
    weekday: "long", day: "numeric", month: "long", year: "numeric",
  });
}

// "{n}" in a string replaced by the count.
function counted(key, count) {
  return t(key).replace("{n}", String(count));
}

function setText(element, text) {
  if (element.textContent !== text) element.textContent = text;
}

// Idle: nothing is being discussed, or the congress is on a break or over. The board then
// shows the day's programme and the time instead of empty panels (and, adjourned or on a
// break, no speaker: the floor of a closed sitting is not news for the gate).
function isIdle(view) {
  const status = (view.session || {}).status;
  return !currentItem(view) || status === "suspended" || status === "adjourned";
}

function render() {
  const view = hub.view;
  const session = view.session || {};
  setText($("title"), session.title || "");
  setText($("session-status"), session.status ? t(`session.${session.status}`) : "");
  $("session-status").dataset.status = session.status || "";
  // The record's latest signed checkpoint, which anyone can compare with the minutes.
  setText($("checkpoint"), session.checkpoint ? `${t("checkpoint")} ${session.checkpoint}` : "");
  $("checkpoint").hidden = !session.checkpoint;
  // First what changes the room the panels get: the ticker band, shown or not.
  renderTicker();
  // A vote put to the congress takes the board while it runs, and its result after.
  const vote = voteOnBoard(view);
  // While the groups meet (and no vote runs), each group's status takes the board.
  const meeting = !vote && groupsOnBoard(view);
  const idle = !vote && !meeting && isIdle(view);
  document.body.dataset.mode = vote ? "vote" : meeting ? "groups" : idle ? "idle" : "live";
  $("vote").hidden = !vote;
  $("groups").hidden = !meeting;
  $("live").hidden = idle || Boolean(vote) || Boolean(meeting);
  $("idle").hidden = !idle;
  if (meeting) renderGroups(currentItem(view), meeting, $("groups"));
  renderDocument(view, $("document"));
  renderDocument(view, $("idle-document"));
  if (vote) renderVote(vote, (view.turnout || {})[vote.id], $("vote"));
  else if (idle) renderIdle(view);
  else renderLive(view);
  tick();
}

function renderDocument(view, element) {
  const shown = view.document;
  // A board never builds an image address: confidential pages stay off public screens.
  replace(
    element,
    shown === null || shown === undefined
      ? null
      : shown.hidden
        ? h("span", { class: "hidden-doc" }, t("document.hidden"))
        : h("span", {}, `${t("document")}: ${shown.title} — ${t("document.page")} ${shown.page}/${shown.pages}`),
  );
}

function renderLive(view) {
  const item = currentItem(view);
  setText($("item"), item.title);
  const speakers = view.speakers;
  const floor = speakers && speakers.floor;
  replace(
    $("floor"),
    floor
      ? [
          h("div", { class: "key speaker-name" }, floor.name),
          h("div", { class: "speaker-unit" }, floor.unit,
            floor.kind !== "speech" ? h("span", { class: "pill order" }, kindLabel(floor.kind)) : null),
        ]
      : h("div", { class: "empty" }, t("speakers.nobody")),
  );
  $("time").hidden = !floor;
  // Its text set now: what fits around it is measured below.
  if (floor) setText($("countdown"), formatSeconds(secondsLeft(floor, hub.now(), view.session)));
  const queue = (speakers && speakers.queue) || [];
  fitList(
    $("queue"),
    $("queue-more"),
    queue.length
      ? queue.map((entry) =>
          h("li", {},
            h("span", { class: "q-name" }, entry.name),
            h("span", { class: "q-unit" }, entry.unit,
              entry.kind !== "speech" ? h("span", { class: "pill order" }, kindLabel(entry.kind)) : null)))
      : [h("li", { class: "empty" }, t("speakers.empty"))],
    (hidden, shownCount) => counted(shownCount ? "board.moreSpeakers" : "board.waiting", hidden),
    queue.length ? 0 : 1,
  );
  const attendance = view.attendance || { present: 0, total: 0 };
  replace($("attendance"), h("span", {}, String(attendance.present)), h("small", {}, ` / ${attendance.total}`));
}

function renderIdle(view) {
  const session = view.session || {};
  setText($("idle-status"), t(`session.${session.status || "not_started"}`));
  // Set by the presidium with the break (docs/protocol.md, session); absent on older hubs.
  const resumes = session.status === "suspended" ? session.resumes_at : null;
  $("idle-resume").hidden = typeof resumes !== "number";
  setText($("idle-resume"), typeof resumes === "number" ? `${t("board.resumesAt")} ${timeText(resumes)}` : "");
  const attendance = view.attendance || { present: 0, total: 0 };
  setText($("idle-present"), `${attendance.present} / ${attendance.total}`);
  const items = (view.agenda && view.agenda.items) || [];
  // The programme from the last item done before the first one still to come: what is
  // over matters less at the gate than what comes next.
  const next = items.findIndex((item) => item.status !== "done");
  const start = next <= 0 ? 0 : next - 1;
  $("programme").start = start + 1;
  fitList(
    $("programme"),
    $("programme-more"),
    items.length
      ? items.slice(start).map((item) =>
          h("li", { dataset: { status: item.status } },
            h("div", { class: "p-line" },
              h("span", { class: "p-title" }, item.title),
              h("span", { class: "p-status" }, t(`item.${item.status}`)))))
      : [h("li", { class: "empty" }, t("board.noProgramme"))],
    (hidden) => counted("board.moreItems", hidden),
    items.length ? 0 : 1,
  );
}

// True when the band appeared or went: the panels' room changed.
function renderTicker() {
  const band = $("ticker-band");
  const was = band.hidden;
  const notices = liveAnnouncements(hub.view, hub.now());
  fillTicker(band, $("ticker"), notices.map((a) => a.text));
  return band.hidden !== was;
}

// Every quarter second: the clocks, the countdown, announcements that just expired.
function tick() {
  const now = hub.now();
  setText($("clock"), timeText(now));
  setText($("idle-clock"), timeText(now));
  setText($("idle-date"), dateText(now));
  const countdown = $("countdown");
  const floor = hub.view.speakers && hub.view.speakers.floor;
  if (floor) {
    const left = secondsLeft(floor, now, hub.view.session);
    setText(countdown, formatSeconds(left));
    countdown.dataset.state = countdownState(left);
  }
}

async function main() {
  translate(document);
  const token = takeToken("congress.board.token");
  const status = $("status");
  if (!token) {
    statusBadge(status, "stopped");
    return;
  }
  hub = new Hub({
    token,
    onChange: render,
    onStatus: (value) => statusBadge(status, value),
    maxBackoffMs: 15000,
  });
  // The board's own keyboard, if it has one: L switches the language.
  document.addEventListener("keydown", (event) => {
    if (event.key === "l" || event.key === "L") {
      switchLanguage();
      if (hub.view.session) render();
    }
  });
  // What fits depends on the screen: measured again when it turns or its fonts arrive.
  window.addEventListener("resize", () => { if (hub.view.session) render(); });
  document.fonts.ready.then(() => { if (hub.view.session) render(); });
  setInterval(() => {
    if (!hub.view.session) return;
    if (renderTicker()) render();
    else tick();
  }, 250);
  // The hub may be restarting; a gate board waits and tries again, for ever.
  await startWhenReachable(() => hub.start(), {
    onWait: () => statusBadge(status, "reconnecting"),
    waitMs: 3000,
    retryRefused: true,
  });
}

main();
