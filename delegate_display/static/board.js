// The welcome-gate board: public data only, large, never asks anything, reconnects forever.
import { Hub, startWhenReachable, takeToken } from "/static/common/hub.js";
import { t, translate } from "/static/common/i18n.js";
import {
  $, clockText, countdownState, currentItem, formatSeconds, h, kindLabel, liveAnnouncements,
  replace, secondsLeft, statusBadge,
} from "/static/common/ui.js";

function render(hub) {
  const view = hub.view;
  const now = hub.now();
  const session = view.session || {};
  $("title").textContent = session.title || "";
  $("session-status").textContent = session.status ? t(`session.${session.status}`) : "";
  $("session-status").dataset.status = session.status || "";
  $("checkpoint").hidden = !session.checkpoint; $("checkpoint").textContent = session.checkpoint ? `${t("checkpoint")} ${session.checkpoint}` : "";
  const item = currentItem(view);
  $("item").textContent = item ? item.title : t("agenda.none");
  const shown = view.document;
  // A board never builds an image address: confidential pages stay off public screens.
  replace(
    $("document"),
    shown === null || shown === undefined
      ? null
      : shown.hidden
        ? h("span", { class: "hidden-doc" }, t("document.hidden"))
        : h("span", {}, `${t("document")}: ${shown.title} — ${t("document.page")} ${shown.page}/${shown.pages}`),
  );
  const speakers = view.speakers;
  const floor = speakers && speakers.floor;
  if (floor) {
    const left = secondsLeft(floor, now);
    replace(
      $("floor"),
      h("div", { class: "speaker-name" }, floor.name),
      h("div", { class: "speaker-unit" }, floor.unit),
      h("div", { class: "countdown huge", "data-state": countdownState(left), id: "countdown" }, formatSeconds(left)),
    );
  } else {
    replace($("floor"), h("div", { class: "muted big-muted" }, t("speakers.nobody")));
  }
  const queue = (speakers && speakers.queue) || [];
  replace(
    $("queue"),
    queue.length
      ? queue.slice(0, 5).map((entry) =>
          h("li", {}, h("span", { class: "q-name" }, entry.name), h("span", { class: "q-unit" }, entry.unit),
            entry.kind !== "speech" ? h("span", { class: "pill order" }, kindLabel(entry.kind)) : null))
      : [h("li", { class: "muted" }, t("speakers.empty"))],
  );
  const attendance = view.attendance || { present: 0, total: 0 };
  replace($("attendance"), h("span", {}, String(attendance.present)), h("small", {}, ` / ${attendance.total}`));
  const notices = liveAnnouncements(view, now);
  const text = notices.map((a) => a.text).join("   •   ");
  if ($("ticker").textContent !== text) $("ticker").textContent = text;
  $("ticker").dataset.empty = notices.length ? "no" : "yes";
}

function tick(hub) {
  $("clock").textContent = clockText(hub.now());
  if (hub.view.session) render(hub);
}

async function main() {
  translate(document);
  const token = takeToken("congress.board.token");
  const status = $("status");
  if (!token) {
    statusBadge(status, "stopped");
    return;
  }
  const hub = new Hub({
    token,
    onChange: render,
    onStatus: (value) => statusBadge(status, value),
    maxBackoffMs: 15000,
  });
  // The hub may be restarting; a gate board waits and tries again, for ever.
  await startWhenReachable(() => hub.start(), {
    onWait: () => statusBadge(status, "reconnecting"),
    waitMs: 3000,
    retryRefused: true,
  });
  setInterval(() => tick(hub), 250);
}

main();
