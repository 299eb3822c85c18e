// Who spoke on each item, in order, with kind, start and duration (GET /api/rooms/ROOM/history).
import { lang, t } from "/static/common/i18n.js";
import { $, formatSeconds, h, kindLabel, replace } from "/static/common/ui.js";

export function clockOf(instant) {
  return new Date(instant).toLocaleTimeString(lang() === "en" ? "en-GB" : "vi-VN", { hour: "2-digit", minute: "2-digit" });
}

export class HistoryPanel {
  constructor(hub) {
    this.hub = hub;
    this.key = null;
    this.items = null;
    this.failed = false;
  }

  // Fetched again only when a speech ended or the agenda changed since the last answer.
  refresh() {
    const view = this.hub.view;
    const speakers = view.speakers;
    const key = JSON.stringify([
      (view.agenda && view.agenda.items.map((i) => [i.id, i.title])) || [],
      speakers && speakers.item, speakers && speakers.done.length,
    ]);
    if (key === this.key) return this.render();
    this.key = key;
    this.load();
  }

  async load() {
    const room = encodeURIComponent(this.hub.session.room);
    // Answers may cross: only the latest request's is shown.
    const asked = (this.asked = (this.asked || 0) + 1);
    let items = null;
    try {
      const answer = await fetch(`/api/rooms/${room}/history`, { credentials: "same-origin" });
      if (!answer.ok) throw new Error(String(answer.status));
      items = (await answer.json()).items;
    } catch {
      if (asked === this.asked) this.key = null; // asked again at the next change
    }
    if (asked !== this.asked) return;
    this.failed = items === null;
    if (items !== null) this.items = items;
    this.render();
  }

  render() {
    const container = $("history");
    if (this.failed) return replace(container, h("p", { class: "error" }, t("console.historyFailed")));
    if (!this.items) return;
    const speakers = this.hub.view.speakers;
    const floor = speakers && speakers.floor;
    const shown = this.items.filter((item) => item.speeches.length || (floor && speakers.item === item.item));
    if (!shown.length) return replace(container, h("p", { class: "muted" }, t("console.historyEmpty")));
    replace(container, shown.map((item) => h("section", { class: "history-item", dataset: { item: item.item } },
      h("h3", {}, item.title ?? item.item),
      h("ol", {},
        item.speeches.map((speech) => h("li", { class: "history-speech" },
          h("span", { class: "who" }, speech.name, h("span", { class: "muted" }, ` · ${speech.unit}`)),
          h("span", { class: speech.kind === "point_of_order" ? "pill order" : "pill" }, kindLabel(speech.kind)),
          h("span", { class: "when" }, clockOf(speech.started_at)),
          h("span", { class: "long" }, formatSeconds(Math.round((speech.ended_at - speech.started_at) / 1000))))),
        floor && speakers.item === item.item
          ? h("li", { class: "history-speech now" },
            h("span", { class: "who" }, floor.name, h("span", { class: "muted" }, ` · ${floor.unit}`)),
            h("span", { class: floor.kind === "point_of_order" ? "pill order" : "pill" }, kindLabel(floor.kind)),
            h("span", { class: "when" }, clockOf(floor.granted_at)),
            h("span", { class: "long" }, t("console.historyNow")))
          : null))));
  }
}
