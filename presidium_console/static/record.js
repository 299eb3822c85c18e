// The console's record tab: the day's timeline (searchable), the minutes and the tables.
// Everything comes from the hub's log through the minutes' own endpoints (protocol §16).
import { lang, t } from "/static/common/i18n.js";
import { h, replace } from "/static/common/ui.js";

export class RecordPanel {
  constructor(hub, root) {
    this.hub = hub;
    this.root = root;
    this.rows = [];
    this.query = "";
    this.built = false;
  }

  base() {
    return `/api/rooms/${encodeURIComponent(this.hub.session.room)}`;
  }

  link(href, label) {
    return h("a", { class: "btn record-link", href, download: "" }, label);
  }

  build() {
    const base = this.base();
    const search = h("input", { id: "record-q", type: "search" });
    search.addEventListener("input", () => { this.query = search.value.trim().toLowerCase(); this.draw(); });
    replace(this.root,
      h("div", { class: "record-downloads", role: "group", "aria-label": t("record.downloads") },
        this.link(`${base}/minutes.pdf?copy=full&lang=${lang()}`, t("record.minutesFull")),
        this.link(`${base}/minutes.pdf?copy=public&lang=${lang()}`, t("record.minutesPublic")),
        ["attendance", "speeches", "votes", "timeline", "contributions"].map((table) =>
          this.link(`${base}/exports/${table}.csv`, t(`record.table.${table}`)))),
      h("div", { class: "record-search" },
        h("label", { for: "record-q" }, t("record.search")), search,
        h("button", { type: "button", class: "btn", onclick: () => this.refresh() }, t("record.refresh"))),
      h("ol", { id: "record-timeline", class: "record-timeline", "aria-live": "polite" }));
    this.built = true;
  }

  async refresh() {
    if (!this.built) this.build();
    const answer = await fetch(`${this.base()}/exports/timeline.json`, { credentials: "same-origin" });
    if (!answer.ok) {
      replace(this.root.querySelector("#record-timeline"), h("li", { class: "muted" }, t("record.failed")));
      return;
    }
    this.rows = (await answer.json()).rows;
    this.draw();
  }

  draw() {
    const shown = this.rows.filter((row) => !this.query
      || `${row.what} ${row.detail} ${t(`record.what.${row.what}`)}`.toLowerCase().includes(this.query));
    replace(this.root.querySelector("#record-timeline"), shown.length
      ? shown.map((row) => h("li", {},
        h("time", { datetime: row.at }, row.at.slice(11, 19)), " ",
        h("strong", {}, t(`record.what.${row.what}`)), row.detail ? ` — ${row.detail}` : ""))
      : h("li", { class: "muted" }, t("record.empty")));
  }
}
