// The hall's big screens: the live page full screen, the item and the speaker in a band.
import { Hub, pageUrl, startWhenReachable, takeToken } from "/static/common/hub.js";
import { lang, switchLanguage, t, translate } from "/static/common/i18n.js";
import {
  $, countdownState, currentItem, formatSeconds, h, replace, secondsLeft, statusBadge,
} from "/static/common/ui.js";
import { renderVote, voteOnBoard } from "/static/display/board-vote.js";
import { preparing } from "/static/display/preparing.js";

// Page images come at these widths (docs/protocol.md §14): the smallest that fills the screen.
// The hub prepares the hall's copy of each confidential page at both (HALL_WIDTHS in
// session_server/documents/preparation.py): an upright A4 page takes 1280 on a 1080p or a 4K
// screen, a page turned sideways or a slide on a 4K screen 2048.
const WIDTHS = [1280, 2048];
let hub = null;

// Text set only when it changes: the band's live regions then speak only real changes.
function setText(element, text) {
  if (element.textContent !== text) element.textContent = text;
}

function shownDocument(view) {
  const shown = view.document;
  if (!shown || shown.hidden) return null;
  const listed = (view.documents || []).find((d) => d.id === shown.id) || {};
  return { ...listed, ...shown };
}

function widthFor(doc, page) {
  const [pageWide, pageHigh] = (doc.page_sizes && doc.page_sizes[page - 1]) || [595, 842];
  const stage = $("stage").getBoundingClientRect();
  const needed = Math.min(stage.width, stage.height * (pageWide / pageHigh)) * (window.devicePixelRatio || 1);
  return WIDTHS.find((width) => width >= needed) || WIDTHS[WIDTHS.length - 1];
}

// The pages either side of the live one, fetched once it is on screen: a page turn then
// shows an image the browser already holds (the addresses are immutable, docs §14).
const prefetched = new Set();
function prefetchAround(doc, page, width) {
  for (const next of [page + 1, page - 1]) {
    if (next < 1 || next > doc.pages) continue;
    const source = pageUrl(hub.session.room, doc, next, width);
    if (prefetched.has(source)) continue;
    prefetched.add(source);
    const image = new Image();
    image.onerror = () => prefetched.delete(source);
    image.src = source;
  }
}

// Failed loads by address, for the back-off of the next try.
const failed = new Map();

function renderPage(view) {
  const doc = shownDocument(view);
  const frame = $("page");
  const stage = $("stage");
  if (!doc) {
    // Nothing shown, or what is shown is not for the hall: the congress's title slide.
    stage.dataset.state = view.document ? "hidden" : "none";
    delete frame.dataset.loading;
    replace(frame);
    return;
  }
  stage.dataset.state = "page";
  const width = widthFor(doc, doc.page);
  const source = pageUrl(hub.session.room, doc, doc.page, width);
  const current = frame.querySelector("img");
  // Already shown, or already on its way: a re-render must not start a second download.
  if ((current && current.dataset.source === source) || frame.dataset.loading === source) return;
  frame.dataset.loading = source;
  const image = h("img", {
    class: "hall-image", alt: `${doc.title} — ${t("document.page")} ${doc.page}`,
    dataset: { source, page: String(doc.page) }, src: source,
  });
  // The last page stays up until the next has arrived: no blank flash on the big screen.
  image.addEventListener("load", () => {
    if (frame.dataset.loading !== source) return;
    delete frame.dataset.loading;
    replace(frame, image);
    prefetchAround(doc, doc.page, width);
  });
  image.addEventListener("error", async () => {
    if (frame.dataset.loading !== source) return;
    // Not made yet (503 "preparing"): the old page gives way to "preparing" (the band already
    // names the new one), and the page is asked again when the hub's Retry-After says.
    if (await preparing(frame, source, () => renderPage(hub.view), { placeholder: "hall-placeholder" })) return;
    if (frame.dataset.loading !== source) return;
    delete frame.dataset.loading;
    if (!frame.querySelector("img")) {
      replace(frame, h("div", { class: "hall-placeholder" }, t("document.imageFailed")));
    }
    // Nobody stands at a hall screen to reload it: while this is still the live page, ask
    // again, less often each time (the hub may be restarting).
    const failures = (failed.get(source) || 0) + 1;
    failed.set(source, failures);
    setTimeout(() => renderPage(hub.view), Math.min(30000, 2000 * 2 ** (failures - 1)));
  });
  if (!current) replace(frame, h("div", { class: "hall-placeholder" }, t("hall.loading")));
}

function renderBand(view) {
  const item = currentItem(view);
  setText($("item"), item ? item.title : t("agenda.none"));
  setText($("slide-item"), item ? item.title : "");
  const doc = shownDocument(view);
  setText($("document"), doc ? `${doc.title} · ${t("document.page")} ${doc.page}/${doc.pages}` : "");
  const session = view.session || {};
  setText($("title"), session.title || "");
  // On a break or after the close, the title slide says so (and when the sitting resumes,
  // when the view carries it): the hall is not left guessing.
  $("stage").dataset.session = session.status || "";
  setText($("slide-status"), sessionLine(session));
  setText($("session-status"), session.status ? t(`session.${session.status}`) : "");
  $("session-status").dataset.status = session.status || "";
  const floor = view.speakers && view.speakers.floor;
  setText($("speaker-name"), floor ? floor.name : t("speakers.nobody"));
  setText($("speaker-unit"), floor ? floor.unit : "");
  renderCountdown(view);
}

function sessionLine(session) {
  if (session.status !== "suspended" && session.status !== "adjourned") return "";
  const resumes = session.status === "suspended" ? session.resumes_at : null;
  if (typeof resumes !== "number") return t(`session.${session.status}`);
  return `${t(`session.${session.status}`)} · ${t("board.resumesAt")} ${timeText(resumes)}`;
}

function timeText(instant) {
  return new Date(instant).toLocaleTimeString(lang() === "en" ? "en-GB" : "vi-VN", {
    hour: "2-digit", minute: "2-digit",
  });
}

function renderCountdown(view) {
  const floor = view.speakers && view.speakers.floor;
  const countdown = $("countdown");
  countdown.hidden = !floor;
  if (!floor) return;
  const left = secondsLeft(floor, hub.now(), view.session);
  setText(countdown, formatSeconds(left));
  countdown.dataset.state = countdownState(left);
}

// A vote takes the stage while it runs, and its published result stays up while its item is
// current: the hall sees what the gate boards see, totals only (docs/protocol.md §6).
function renderHallVote(view) {
  const vote = voteOnBoard(view);
  const element = $("vote");
  element.hidden = !vote;
  $("stage").dataset.vote = vote ? "yes" : "no";
  if (vote) renderVote(vote, (view.turnout || {})[vote.id], element);
  else replace(element);
}

function render() {
  renderBand(hub.view);
  renderPage(hub.view);
  renderHallVote(hub.view);
}

function tick() {
  setText($("clock"), timeText(hub.now()));
  if (hub.view.session) renderCountdown(hub.view);
}

async function main() {
  translate(document);
  const token = takeToken("congress.hall.token");
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
  // The screen's own keyboard, if it has one: L switches the language, F goes full screen.
  document.addEventListener("keydown", (event) => {
    if (event.key === "l" || event.key === "L") {
      switchLanguage();
      if (hub.view.session) render();
    } else if ((event.key === "f" || event.key === "F") && document.documentElement.requestFullscreen) {
      document.documentElement.requestFullscreen().catch(() => {});
    }
  });
  // A new width may suit the screen after it turns or goes full screen.
  window.addEventListener("resize", () => { if (hub.view.session) renderPage(hub.view); });
  setInterval(tick, 250);
  // The hub may be restarting; a screen in the hall waits and tries again, for ever.
  await startWhenReachable(() => hub.start(), {
    onWait: () => statusBadge(status, "reconnecting"),
    waitMs: 3000,
    retryRefused: true,
  });
}

main();
