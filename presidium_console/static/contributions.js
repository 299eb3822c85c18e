// The console's written contributions (tham luận): the list the secretariat works from,
// each read in a dialog (its pages rendered by the hub, or its text), accepted, returned
// with a reason, or made a document of the congress with an access level
// (docs/protocol.md §7, §17).
import { t } from "/static/common/i18n.js";
import { h, replace } from "/static/common/ui.js";

const ACCESS = ["delegates", "public", "presidium"];
const WIDTH = 1280;

export class ContributionsPanel {
  // `act(name, args)` sends a command and reports; `askReason(entry)` resolves the reason
  // the secretariat typed, or null when it cancelled; `ask(text)` resolves true when confirmed.
  constructor(hub, root, { act, ask, askReason }) {
    this.hub = hub;
    this.root = root;
    this.act = act;
    this.ask = ask;
    this.askReason = askReason;
    this.open = null; // the id of the contribution being read
    this.drawn = "";
    this.list = h("ul", { class: "contrib-list" });
    this.actions = h("div", { class: "contrib-actions" });
    this.body = h("div", { class: "contrib-body" });
    this.heading = h("h2", { id: "contrib-reading", class: "contrib-reading" });
    this.dialog = h("dialog", { class: "contrib-dialog", "aria-labelledby": "contrib-reading" },
      this.heading, this.actions, this.body);
    this.dialog.addEventListener("close", () => { this.open = null; this.drawn = ""; });
    replace(this.root, this.list, this.dialog);
  }

  base() {
    return `/api/rooms/${encodeURIComponent(this.hub.session.room)}/contributions`;
  }

  entries() {
    return this.hub.view.contributions || [];
  }

  statusText(entry) {
    const text = t(`contrib.status.${entry.status}`);
    return entry.status === "published" ? `${text} (${t(`access.${entry.access}`)})` : text;
  }

  render() {
    const entries = this.entries();
    const key = JSON.stringify([document.documentElement.lang, this.open, entries]);
    if (key === this.drawn) return;
    this.drawn = key;
    replace(this.list, entries.length
      ? entries.map((entry) => h("li", { class: "contrib-row", dataset: { id: entry.id, status: entry.status } },
        h("div", { class: "contrib-row-title" }, entry.title),
        h("div", { class: "muted" }, `${entry.name} · ${entry.unit}`),
        h("div", { class: "muted" }, `${t(`contrib.kind.${entry.kind}`)} · ${entry.pages} ${t("contrib.pages")}${entry.version > 1 ? ` · ${t("contrib.version")} ${entry.version}` : ""}`),
        h("div", { class: `contrib-status ${entry.status}` }, this.statusText(entry)),
        entry.status === "returned" && entry.reason ? h("div", { class: "muted" }, `${t("contrib.reason")}: ${entry.reason}`) : null,
        h("button", {
          type: "button", class: "btn small", "aria-label": `${t("contrib.read")}: ${entry.title}`,
          onclick: () => this.read(entry.id),
        }, t("contrib.read"))))
      : h("li", { class: "muted" }, t("contrib.console.none")));
    const open = entries.find((entry) => entry.id === this.open);
    if (open) this.drawActions(open);
  }

  async read(id) {
    const entry = this.entries().find((each) => each.id === id);
    if (!entry) return;
    this.open = id;
    this.drawn = "";
    this.render();
    if (!this.dialog.open) this.dialog.showModal();
    await this.drawBody(entry);
  }

  drawActions(entry) {
    replace(this.heading, entry.title, h("span", { class: "muted" }, ` — ${entry.name}, ${entry.unit}`));
    const key = `${entry.id}:${entry.status}:${entry.access}:${entry.version}:${document.documentElement.lang}`;
    if (this.actions.dataset.key === key) return;
    this.actions.dataset.key = key;
    const access = h("select", { id: "contrib-access" },
      ACCESS.map((level) => h("option", { value: level, selected: level === (entry.access || "delegates") }, t(`access.${level}`))));
    replace(this.actions,
      h("p", { class: "contrib-status", role: "status" }, this.statusText(entry),
        entry.status === "returned" && entry.reason ? ` — ${entry.reason}` : ""),
      h("div", { class: "contrib-buttons" },
        h("button", { type: "button", class: "btn primary", disabled: entry.status !== "submitted",
          onclick: () => this.act("accept_contribution", { contribution_id: entry.id }) }, t("contrib.accept")),
        h("button", { type: "button", class: "btn", disabled: !["submitted", "accepted"].includes(entry.status),
          onclick: () => this.giveBack(entry) }, t("contrib.return")),
        h("label", { for: "contrib-access" }, t("contrib.publishAccess")), access,
        h("button", { type: "button", class: "btn", disabled: !["accepted", "published"].includes(entry.status),
          onclick: () => this.publish(entry, access.value) }, t("contrib.publish")),
        h("button", { type: "button", class: "btn", onclick: () => this.dialog.close() }, t("contrib.close"))));
  }

  async drawBody(entry) {
    replace(this.body, h("p", { class: "muted" }, "…"));
    if (entry.kind === "text") {
      const answer = await fetch(`${this.base()}/${encodeURIComponent(entry.id)}/text`, { credentials: "same-origin" });
      if (!answer.ok) return replace(this.body, h("p", { class: "muted" }, t("contrib.loadFailed")));
      const { text } = await answer.json();
      return replace(this.body, h("div", { class: "contrib-text", tabindex: "0", role: "region", "aria-labelledby": "contrib-reading" }, text));
    }
    // A PDF is never opened in the browser: its pages come rendered by the hub's workers.
    const pages = [];
    for (let page = 1; page <= entry.pages; page += 1) {
      pages.push(h("img", {
        class: "contrib-page", loading: "lazy",
        alt: `${entry.title} — ${t("contrib.page")} ${page}`,
        src: `${this.base()}/${encodeURIComponent(entry.id)}/pages/${page}.webp?width=${WIDTH}&v=${entry.version}`,
      }));
    }
    replace(this.body, h("div", { class: "contrib-pages", tabindex: "0", role: "region", "aria-labelledby": "contrib-reading" }, pages));
  }

  async giveBack(entry) {
    const reason = await this.askReason(entry);
    if (reason) await this.act("return_contribution", { contribution_id: entry.id, reason });
  }

  async publish(entry, access) {
    const text = `${t("contrib.publishConfirm")} «${entry.title}» — ${t(`access.${access}`)}`;
    if (await this.ask(text)) await this.act("make_contribution_document", { contribution_id: entry.id, access });
  }
}
