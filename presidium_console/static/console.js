// The presidium's console: steer the agenda, the page on screen, the floor; see every ack.
import { CHANGE_HEADERS, Hub, pageUrl, signIn, startWhenReachable } from "/static/common/hub.js";
import { switchLanguage, t, translate } from "/static/common/i18n.js";
import {
  $, countdownState, formatSeconds, h, kindLabel, liveAnnouncements, replace, secondsLeft,
  statusBadge, toast,
} from "/static/common/ui.js";

const TOKEN_KEY = "congress.console.token";
const PREPARATION_POLL_MS = 5000;
let hub = null;
let chosenDocument = null;

// Every action says when the hub recorded it, or why it refused.
async function act(name, args = {}) {
  toast(t("action.sent"));
  try {
    const ack = await hub.command(name, args);
    toast(`${t("action.done")} · #${ack.seq}`, "ok");
    return ack;
  } catch (error) {
    toast(`${t("action.refused")}: ${error.message}`, "error");
    return null;
  }
}

function renderAgenda() {
  const agenda = hub.view.agenda || { items: [], current: null };
  const items = agenda.items;
  replace($("agenda"), items.map((item, index) => h("li", { class: `agenda-item ${item.status}` },
    h("div", { class: "agenda-main" },
      h("div", { class: "agenda-title" }, item.title),
      h("div", { class: "muted small" }, [item.presenter, item.planned_minutes ? `${item.planned_minutes}′` : ""].filter(Boolean).join(" · "))),
    h("span", { class: `pill ${item.status}` }, t(`item.${item.status}`)),
    h("div", { class: "agenda-buttons" },
      item.status !== "open" ? h("button", { class: "btn small", onclick: () => act("set_current_item", { item_id: item.id }) }, t("agenda.open")) : null,
      h("button", { class: "btn small", title: t("agenda.up"), disabled: index === 0, onclick: () => act("move_agenda_item", { item_id: item.id, position: index - 1 }) }, "↑"),
      h("button", { class: "btn small", title: t("agenda.down"), disabled: index === items.length - 1, onclick: () => act("move_agenda_item", { item_id: item.id, position: index + 1 }) }, "↓"),
      h("button", { class: "btn small", title: t("agenda.edit"), onclick: () => editItem(item) }, "✎")))));
  const currentIndex = items.findIndex((i) => i.id === agenda.current);
  const next = items.slice(currentIndex + 1).find((i) => i.status === "pending") || items[currentIndex + 1];
  $("next-item").disabled = !next;
  $("next-item").onclick = () => next && act("set_current_item", { item_id: next.id });
}

function editItem(item) {
  const title = prompt(t("agenda.title"), item.title);
  if (title === null) return;
  const presenter = prompt(t("agenda.presenter"), item.presenter) ?? item.presenter;
  act("edit_agenda_item", { item_id: item.id, title, presenter });
}

function documents() {
  return hub.view.documents || [];
}

function renderDocument() {
  const shown = hub.view.document;
  const docs = documents();
  if (shown && shown.id) chosenDocument = shown.id;
  if (!chosenDocument && docs.length) chosenDocument = docs[0].id;
  const doc = docs.find((d) => d.id === chosenDocument);
  replace($("doc-pick"), docs.map((d) => h("option", { value: d.id, selected: d.id === chosenDocument }, `${d.title} (${d.access})`)));
  const live = shown && shown.id === chosenDocument ? shown.page : null;
  $("page-label").textContent = doc ? `${t("document.page")} ${live ?? "–"} / ${doc.pages}` : "";
  $("prev").disabled = !doc || (live ?? 1) <= 1;
  $("next").disabled = !doc || (live !== null && live >= doc.pages);
  $("hide").disabled = !shown;
  if (shown && shown.id) {
    const full = docs.find((d) => d.id === shown.id);
    const source = pageUrl(hub.session.room, { ...full, ...shown }, shown.page, 1280);
    const current = $("preview").querySelector("img");
    if (!current || current.dataset.source !== source) {
      const image = h("img", { class: "page-image", src: source, dataset: { source }, alt: `${shown.title} ${shown.page}` });
      image.addEventListener("load", () => replace($("preview"), image));
      if (!current) replace($("preview"), image);
    }
  } else {
    replace($("preview"), h("div", { class: "placeholder" }, t("document.none")));
  }
  if (!doc) return replace($("thumbs"));
  const centre = live ?? 1;
  const first = Math.max(1, Math.min(centre - 2, doc.pages - 4));
  const pages = [];
  for (let page = first; page <= Math.min(doc.pages, first + 4); page += 1) pages.push(page);
  replace($("thumbs"), pages.map((page) => h("button", {
    class: `thumb${page === live ? " on" : ""}`, onclick: () => act("show_page", { document_id: doc.id, page }),
  }, h("img", { src: pageUrl(hub.session.room, doc, page, 320), alt: `${page}`, loading: "lazy" }), h("span", {}, String(page)))));
}

function turn(delta) {
  const doc = documents().find((d) => d.id === chosenDocument);
  if (!doc) return;
  const shown = hub.view.document;
  const current = shown && shown.id === doc.id ? shown.page : 0;
  const page = Math.min(doc.pages, Math.max(1, current + delta));
  if (page !== current) act("show_page", { document_id: doc.id, page });
}

function renderSpeakers(now) {
  const speakers = hub.view.speakers;
  const floor = speakers && speakers.floor;
  if (floor) {
    const left = secondsLeft(floor, now);
    replace($("floor"),
      h("div", { class: "floor-name" }, floor.name, h("span", { class: "muted" }, ` · ${floor.unit}`)),
      h("span", { class: floor.kind === "point_of_order" ? "pill order" : "pill" }, kindLabel(floor.kind)),
      h("div", { class: "countdown large", "data-state": countdownState(left), id: "countdown" }, formatSeconds(left)),
      left < 0 ? h("div", { class: "overtime" }, t("speakers.overtime")) : null);
  } else {
    replace($("floor"), h("div", { class: "muted" }, speakers ? t("speakers.nobody") : t("agenda.none")));
  }
  $("end").disabled = !floor;
  $("extend").disabled = !floor;
  const queue = (speakers && speakers.queue) || [];
  $("grant-next").disabled = !queue.length;
  $("list-toggle").disabled = !speakers;
  $("list-toggle").textContent = speakers && speakers.closed ? t("speakers.reopen") : t("speakers.close");
  $("list-toggle").onclick = () => act(speakers && speakers.closed ? "reopen_list" : "close_list");
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
      !entry.accepted ? h("button", { class: "btn small", onclick: () => act("accept_request", { delegate_id: entry.delegate_id }) }, t("speakers.accept")) : null,
      h("button", { class: "btn small primary", onclick: () => act("grant_floor", { delegate_id: entry.delegate_id }) }, t("speakers.grant")),
      h("button", { class: "btn small", disabled: index === 0, onclick: () => act("move_request", { delegate_id: entry.delegate_id, position: index - 1 }) }, "↑"),
      h("button", { class: "btn small", disabled: index === queue.length - 1, onclick: () => act("move_request", { delegate_id: entry.delegate_id, position: index + 1 }) }, "↓"),
      h("button", { class: "btn small", onclick: () => act("remove_request", { delegate_id: entry.delegate_id }) }, t("speakers.remove")))))
    : [h("li", { class: "muted" }, t("speakers.empty"))]);
}

function renderSide(now) {
  replace($("announcements"), liveAnnouncements(hub.view, now).map((a) => h("li", {},
    h("span", {}, a.text), " ",
    h("button", { class: "btn small", onclick: () => act("withdraw_announcement", { announcement_id: a.id }) }, t("announcements.withdraw")))));
  const attendance = hub.view.attendance || { present: 0, total: 0 };
  $("attendance").textContent = `${t("attendance.present")}: ${attendance.present} / ${attendance.total}`;
  const query = $("roll-q").value.trim().toLowerCase();
  const roll = (hub.view.roll || []).filter((d) => !query || `${d.id} ${d.name} ${d.unit}`.toLowerCase().includes(query));
  replace($("roll"), roll.slice(0, 60).map((d) => h("li", {},
    h("span", {}, `${d.name}`), h("span", { class: "muted small" }, ` · ${d.unit}`),
    d.present ? h("span", { class: "pill open" }, t("attendance.checkedIn"))
      : h("button", { class: "btn small", onclick: () => act("check_in", { delegate_id: d.id }) }, t("attendance.checkIn")))));
}

function render() {
  const view = hub.view;
  const now = hub.now();
  $("title").textContent = (view.session && view.session.title) || t("app.name");
  $("session-status").textContent = view.session ? t(`session.${view.session.status}`) : "";
  const mark = view.session && view.session.checkpoint; $("checkpoint").hidden = !mark; $("checkpoint").textContent = mark ? `${t("checkpoint")} ${mark}` : "";
  renderAgenda();
  renderDocument();
  renderSpeakers(now);
  renderQueue();
  renderSide(now);
}

async function start(token) {
  const session = await signIn(token);
  // A delegate's or board's token never opens the console, not even its socket.
  if (session.role !== "presidium" && session.role !== "secretariat") throw Object.assign(new Error("role"), { code: 401 });
  hub = new Hub({ token, onChange: render, onStatus: (status) => statusBadge($("status"), status) });
  await hub.start(session);
  $("who").textContent = session.label;
  $("sign-in").hidden = true;
  $("desk").hidden = false;
  $("session-buttons").hidden = false;
  $("sign-out").hidden = false;
  setInterval(() => { if (hub.view.session) renderSpeakers(hub.now()); }, 250);
  followPreparation(session.room);
}

// How many of the delegates' marked copies this node has made ahead, while it makes them.
async function followPreparation(room) {
  const line = $("prepared");
  for (;;) {
    try {
      const answer = await fetch(`/api/rooms/${encodeURIComponent(room)}/preparation`, { credentials: "same-origin" });
      const progress = answer.ok ? await answer.json() : null;
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

async function main() {
  translate(document);
  $("lang").addEventListener("click", () => { switchLanguage(); if (hub && hub.view.session) render(); });
  $("sign-out").addEventListener("click", async () => {
    localStorage.removeItem(TOKEN_KEY);
    await fetch("/api/session", { method: "DELETE", headers: CHANGE_HEADERS });
    location.reload();
  });
  for (const button of document.querySelectorAll("[data-command]")) {
    button.addEventListener("click", () => act(button.dataset.command));
  }
  $("grant-next").addEventListener("click", () => act("grant_floor"));
  $("end").addEventListener("click", () => act("end_speech"));
  $("extend").addEventListener("click", () => act("extend_time", { seconds: 60 }));
  $("prev").addEventListener("click", () => turn(-1));
  $("next").addEventListener("click", () => turn(1));
  $("hide").addEventListener("click", () => act("hide_document"));
  $("doc-pick").addEventListener("change", (event) => {
    chosenDocument = event.target.value;
    act("show_page", { document_id: chosenDocument, page: 1 });
  });
  $("roll-q").addEventListener("input", () => renderSide(hub.now()));
  $("add-item").addEventListener("submit", (event) => {
    event.preventDefault();
    const minutes = Number($("new-minutes").value || 0);
    act("add_agenda_item", { title: $("new-title").value, presenter: $("new-presenter").value, planned_minutes: minutes });
    event.target.reset();
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
      toast(`${t("action.refused")}: ${body.message || answer.status}`, "error");
    }
  });
  $("post").addEventListener("submit", (event) => {
    event.preventDefault();
    act("post_announcement", { text: $("post-text").value, minutes: Number($("post-minutes").value || 30) });
    $("post-text").value = "";
  });
  document.addEventListener("keydown", (event) => {
    if (["INPUT", "SELECT", "TEXTAREA"].includes(event.target.tagName) || !hub) return;
    if (event.key === "ArrowRight" || event.key === "PageDown") { event.preventDefault(); turn(1); }
    if (event.key === "ArrowLeft" || event.key === "PageUp") { event.preventDefault(); turn(-1); }
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
