// The delegate's tablet: follows the presidium, or browses; asks for the floor; checks in.
import { Hub, pageUrl, startWhenReachable, takeToken } from "/static/common/hub.js";
import { switchLanguage, t, translate } from "/static/common/i18n.js";
import { stoppedBy } from "/static/common/status.js";
import {
  $, clockText, countdownNow, countdownState, currentItem, describeRefusal, formatSeconds, h, kindLabel,
  liveAnnouncements, replace, secondsLeft, setText, statusBadge, toast,
} from "/static/common/ui.js";
import { PageZoom, clearOfBar, textSizeToggle } from "/static/display/comfort.js";
import { OfflineTablet, preparing } from "/static/display/offline.js";
import { Notices, Unread } from "/static/display/notices.js";
import { Voting } from "/static/display/voting.js";
import { Contributions } from "/static/display/contributions.js";
import { GroupFollower } from "/static/display/groups.js";
import { Opinions } from "/static/display/opinions.js";

const WIDTH = 2048;
// The hub whose view is shown and acted in: the plenary's, or its group's (groups.js).
let hub = null;
let plenary = null;
let groups = null;
// null: following the presidium; else the page the delegate chose: {id, page}.
let browsing = null;
let zoom = null;
let offline = null;
// The delegate's notices and unread announcements (notices.js), made with the first view.
let notices = null;
let unread = null;
let voting = null;
let contributions = null;
let opinions = null;

async function act(name, args = {}) {
  try {
    await hub.command(name, args);
    toast(t("action.done"), "ok");
  } catch (error) {
    toast(`${t("action.refused")}: ${describeRefusal(error)}`, "error");
  }
}

function documentsById() {
  return new Map((hub.view.documents || []).map((d) => [d.id, d]));
}

// What the viewer shows now: the live page, or the delegate's own choice.
function target() {
  if (browsing) {
    const doc = documentsById().get(browsing.id);
    if (doc) return { doc, page: browsing.page, live: false };
    browsing = null;
  }
  const shown = hub.view.document;
  if (!shown || shown.hidden) return { doc: null, page: 0, live: true, hidden: Boolean(shown) };
  return { doc: { ...documentsById().get(shown.id), ...shown }, page: shown.page, live: true };
}

function renderViewer() {
  const shown = target();
  $("mode").textContent = shown.live ? t("document.live") : t("document.browsing");
  $("live").hidden = shown.live;
  const frame = $("page");
  if (!shown.doc) {
    $("doc-title").textContent = "";
    $("page-label").textContent = "";
    delete frame.dataset.loading;
    replace(frame, h("div", { class: "placeholder" }, shown.hidden ? t("document.hidden") : t("document.none")));
    return;
  }
  $("doc-title").textContent = shown.doc.title;
  $("page-label").textContent = `${t("document.page")} ${shown.page} / ${shown.doc.pages}`;
  // Zoomed or not, the tablet's width: the widest the hub serves (docs/limits.md), and the
  // copy prepared for every delegate.
  const source = pageUrl(hub.session.documents_room || hub.session.room, shown.doc, shown.page, WIDTH);
  zoom.showing(source, shown.live);
  const current = frame.querySelector("img");
  // Already shown, or already on its way: a re-render must not start a second download.
  if ((current && current.dataset.source === source) || frame.dataset.loading === source) return;
  frame.dataset.loading = source;
  const image = h("img", {
    class: "page-image", alt: `${shown.doc.title} — ${t("document.page")} ${shown.page}`,
    dataset: { source }, src: source,
  });
  // Keep the page in view until the next one has arrived: no blank flash between pages.
  image.addEventListener("load", () => {
    if (frame.dataset.loading === source) replace(frame, image);
  });
  image.addEventListener("error", async () => {
    // A page the hub is still preparing (503): "preparing" shown, the image once it can be had.
    if (frame.dataset.loading === source && await preparing(frame, source, renderViewer)) return;
    if (frame.dataset.loading === source) delete frame.dataset.loading;
    if (!frame.querySelector("img")) replace(frame, h("div", { class: "placeholder" }, t("document.imageFailed")));
  });
  if (!current) replace(frame, h("div", { class: "placeholder" }, "…"));
}

function renderPicker() {
  const pick = $("doc-pick");
  const docs = hub.view.documents || [];
  const chosen = target().doc;
  const options = [h("option", { value: "" }, t("document.pick")),
    ...docs.map((d) => h("option", { value: d.id, selected: chosen && chosen.id === d.id }, d.title))];
  replace(pick, options);
}

// The speaker is drawn again only when the floor changes; the countdown, every tick (`at`:
// the instant it is read at, which stands still during a break).
function renderFloor(floor, at) {
  const key = floor ? `${floor.delegate_id}@${floor.granted_at}` : `nobody:${t("speakers.nobody")}`;
  const box = $("floor");
  if (box.dataset.key !== key) {
    box.dataset.key = key;
    replace(box, floor
      ? [h("div", { class: "speaker" }, h("strong", {}, floor.name), h("span", { class: "muted" }, ` · ${floor.unit}`)),
        h("div", { class: "countdown large", role: "timer", id: "countdown" })]
      : [h("div", { class: "muted" }, t("speakers.nobody"))]);
  }
  if (floor) {
    const left = secondsLeft(floor, at);
    const countdown = $("countdown");
    countdown.dataset.state = countdownState(left);
    setText(countdown, formatSeconds(left));
  }
}

// Why the request buttons are disabled, said beside them (and read with them): first what
// the session's status stops (a break, the adjournment: the hub's status rules), then the list.
function requestBlocked(session, speakers, place, onFloor) {
  const stopped = stoppedBy(session, "request_floor");
  if (stopped) return `request.why.${stopped}`;
  if (!speakers) return "request.why.noItem";
  if (onFloor) return "request.why.onFloor";
  if (place >= 0) return "request.why.waiting";
  if (speakers.closed) return "request.why.closed";
  return null;
}

function renderSpeakers(now) {
  const speakers = hub.view.speakers;
  const floor = speakers && speakers.floor;
  const at = countdownNow(hub.view.session, now);
  renderFloor(floor, at);
  if (notices) notices.tick(at);
  const queue = (speakers && speakers.queue) || [];
  const me = hub.session.delegate_id;
  replace($("queue"), queue.length
    ? queue.map((entry) => h("li", { class: entry.delegate_id === me ? "me" : "" },
        h("span", {}, entry.name), " ",
        h("span", { class: entry.kind === "point_of_order" ? "pill order" : "pill" }, kindLabel(entry.kind))))
    : [h("li", { class: "muted" }, t("speakers.empty"))]);
  const place = queue.findIndex((entry) => entry.delegate_id === me);
  const onFloor = Boolean(floor && floor.delegate_id === me);
  const state = place >= 0 ? ` · ${t(queue[place].accepted ? "speakers.accepted" : "speakers.waiting")}` : "";
  setText($("mine"), onFloor ? t("request.onFloor")
    : place >= 0 ? `${t("request.yourPlace")}: ${place + 1} / ${queue.length}${state}` : t("request.none"));
  $("withdraw").hidden = place < 0;
  const blocked = requestBlocked(hub.view.session, speakers, place, onFloor);
  for (const button of document.querySelectorAll("[data-kind]")) {
    // A point of order may still be raised on a closed list.
    const open = blocked === "request.why.closed" && button.dataset.kind === "point_of_order";
    button.disabled = Boolean(blocked) && !open;
  }
  setText($("request-why"), blocked ? t(blocked) : "");
}

// The session's status; during a break with a time set, when the session resumes.
function sessionLine(session) {
  if (!session) return "";
  const resumes = session.status === "suspended" ? session.resumes_at : null;
  if (typeof resumes !== "number") return t(`session.${session.status}`);
  return t("session.suspendedUntil").replace("{time}", clockText(resumes));
}

function render() {
  const view = hub.view;
  const now = hub.now();
  setText($("title"), (view.session && view.session.title) || "");
  const you = hub.you;
  setText($("who"), you ? `${you.name} · ${you.unit}${you.seat ? ` · ${you.seat}` : ""}` : "");
  setText($("session-status"), sessionLine(view.session));
  const item = currentItem(view);
  setText($("item"), item ? item.title : t("agenda.none"));
  setText($("item-presenter"), item && item.presenter ? item.presenter : "");
  if (!notices && view.session) {
    notices = new Notices(hub.session.delegate_id);
    unread = new Unread(hub.session.room, hub.session.delegate_id, $("announcements-card"));
  }
  if (notices && hub === plenary) notices.observe(view, countdownNow(view.session, now));
  renderPicker();
  renderViewer();
  renderSpeakers(now);
  voting.render();
  contributions.render();
  groups.update();
  opinions.render();
  const attendance = view.attendance || { present: 0, total: 0 };
  $("attendance").textContent = `${t("attendance.present")}: ${attendance.present} / ${attendance.total}`;
  $("check-in").hidden = Boolean(you && you.present);
  const announcements = liveAnnouncements(view, now);
  replace($("announcements"), announcements.map((a) => h("li", {}, a.text)));
  if (!$("announcements").children.length) replace($("announcements"), h("li", { class: "muted" }, t("announcements.none")));
  if (unread) unread.update(announcements);
}

function turn(delta) {
  const shown = target();
  if (!shown.doc) return;
  const page = Math.min(shown.doc.pages, Math.max(1, shown.page + delta));
  browsing = { id: shown.doc.id, page };
  render();
}

async function search(event) {
  event.preventDefault();
  const shown = target();
  const query = $("search-q").value.trim();
  if (!shown.doc || !query) return;
  // The hub's search, or with the hub away the same search over the texts on the tablet.
  let results;
  try {
    results = await offline.search(shown.doc, query);
  } catch (refused) {
    replace($("search-results"), h("div", { class: "muted" }, describeRefusal(refused.refusal || {})));
    return;
  }
  replace($("search-results"), results.length
    ? results.map((r) => h("button", { type: "button", class: "result", onclick: () => {
        browsing = { id: shown.doc.id, page: r.page };
        render();
      } }, h("strong", {}, `${t("document.page")} ${r.page}`), " ", r.snippet))
    : [h("div", { class: "muted" }, t("document.noResults"))]);
}

async function main() {
  translate(document);
  textSizeToggle($("text-size"));
  clearOfBar(document.querySelector(".topbar"));
  zoom = new PageZoom($("page"), {
    zoomIn: $("zoom-in"), zoomOut: $("zoom-out"), fit: $("zoom-fit"), level: $("zoom-level"),
  });
  $("lang").addEventListener("click", () => {
    switchLanguage();
    if (notices) notices.retranslate();
    if (hub && hub.view.session) render();
  });
  const token = takeToken("congress.delegate.token");
  if (!token) {
    replace($("page"), h("div", { class: "placeholder" }, t("signIn.delegateMissing")));
    statusBadge($("status"), "stopped");
    return;
  }
  hub = new Hub({
    token,
    // Shown the group's room, the plenary still calls its delegates back and opens votes.
    onChange: () => { if (hub === plenary) render(); else { groups.update(); voting.render(); } offline.remember(); },
    onStatus: (status, detail) => {
      statusBadge($("status"), status);
      $("offline").hidden = status === "live" || status === "connecting";
      offline.status(status, detail);
    },
  });
  plenary = hub;
  offline = new OfflineTablet(hub, token);
  groups = new GroupFollower(plenary, token, (shown) => {
    if (shown !== hub) browsing = null;
    hub = shown;
    if (hub.view.session) render();
  });
  $("sign-out").hidden = false;
  $("sign-out").addEventListener("click", () => { if (confirm(t("offline.signOutConfirm"))) offline.signOut(); });
  voting = new Voting(hub, $("voting"));
  contributions = new Contributions(hub, $("contributions"));
  opinions = new Opinions(hub, $("opinions"), $("opinions-open"), target);
  for (const button of document.querySelectorAll("[data-kind]")) {
    button.addEventListener("click", () => act("request_floor", { kind: button.dataset.kind }));
  }
  $("withdraw").addEventListener("click", () => act("withdraw_request"));
  $("check-in").addEventListener("click", () => act("check_in"));
  $("prev").addEventListener("click", () => turn(-1));
  $("next").addEventListener("click", () => turn(1));
  $("live").addEventListener("click", () => { browsing = null; render(); });
  $("doc-pick").addEventListener("change", (event) => {
    const id = event.target.value;
    browsing = id ? { id, page: 1 } : null;
    render();
  });
  $("search").addEventListener("submit", search);
  document.addEventListener("keydown", (event) => {
    if (event.target.tagName === "INPUT") return;
    if (event.key === "ArrowRight" || event.key === "PageDown") turn(1);
    if (event.key === "ArrowLeft" || event.key === "PageUp") turn(-1);
  });
  const started = await startWhenReachable(() => offline.start(), {
    onWait: () => {
      statusBadge($("status"), "reconnecting");
      $("offline").hidden = false;
      // No hub to start with: the last view kept on the tablet, its pages from the tablet.
      offline.restore().then((restored) => { if (restored) render(); });
    },
  });
  if (!started) {
    if (hub.session) render();
    replace($("page"), h("div", { class: "placeholder" }, t("signIn.failed")));
    statusBadge($("status"), "stopped");
    return;
  }
  setInterval(() => { if (hub.view.session) renderSpeakers(hub.now()); }, 250);
}

main();
