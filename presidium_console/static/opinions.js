// The console's opinions tab: the drafting committee's roll-up of a document version, per
// paragraph (counts by kind and by group, the quotes on demand), filtered and searched, and
// its exports (protocol §17). The roll-up is read over HTTP, never from the view.
import { lang, t } from "/static/common/i18n.js";
import { h, replace } from "/static/common/ui.js";

const KINDS = ["agree", "amend", "add", "remove", "other"];

export class OpinionsPanel {
  constructor(hub, root, act) {
    this.hub = hub;
    this.root = root;
    this.act = act;
    this.built = false;
    this.visible = false;
    this.seenTotal = null; // the view's count the roll-up shown was read at
    this.loading = null;
    this.rolled = null;
  }

  base() {
    return `/api/rooms/${encodeURIComponent(this.hub.session.room)}/opinions`;
  }

  documents() {
    return (this.hub.view.documents || []).filter((d) => d.version > 0);
  }

  field(id) {
    return this.root.querySelector(`#${id}`);
  }

  build() {
    const pick = h("select", { id: "opinions-doc", onchange: () => { this.field("opinions-version").value = ""; this.refresh(); } });
    const version = h("select", { id: "opinions-version", onchange: () => this.refresh() });
    const kind = h("select", { id: "opinions-kind" },
      h("option", { value: "" }, t("console.opinions.allKinds")),
      KINDS.map((k) => h("option", { value: k }, t(`opinion.kind.${k}`))));
    const group = h("select", { id: "opinions-group" });
    const query = h("input", { id: "opinions-q", type: "search" });
    const form = h("form", { class: "opinions-filters", role: "search", onsubmit: (event) => { event.preventDefault(); this.refresh(); } },
      h("label", { for: "opinions-doc" }, t("console.opinions.document")), pick,
      h("label", { for: "opinions-version" }, t("console.opinions.version")), version,
      h("label", { for: "opinions-kind" }, t("console.opinions.kind")), kind,
      h("label", { for: "opinions-group" }, t("console.opinions.group")), group,
      h("label", { for: "opinions-q" }, t("console.opinions.search")), query,
      h("button", { type: "submit", class: "btn" }, t("console.opinions.apply")));
    const authors = this.hub.session.role === "presidium"
      ? h("label", { class: "opinions-authors" },
          h("input", { id: "opinions-authors", type: "checkbox", onchange: (event) =>
            this.act("show_opinion_authors", { shown: event.target.checked }) }),
          ` ${t("console.opinions.showAuthors")}`)
      : null;
    replace(this.root,
      h("h3", { class: "visually-hidden" }, t("console.opinions.title")),
      form,
      h("div", { class: "opinions-exports", role: "group", "aria-label": t("console.opinions.title") },
        h("a", { id: "opinions-pdf", class: "btn", href: "#", download: "" }, t("console.opinions.pdf")),
        h("a", { id: "opinions-csv", class: "btn", href: "#", download: "" }, t("console.opinions.csv")),
        h("button", { type: "button", class: "btn", onclick: () => this.refresh() }, t("console.opinions.refresh")),
        authors),
      h("p", { id: "opinions-summary", class: "opinions-summary", "aria-live": "polite" }),
      h("div", { id: "opinions-table", class: "opinions-table" }));
    this.built = true;
  }

  // Called with every view: the roll-up is read again when opinions came or went.
  observe(view) {
    const total = view.opinions ? view.opinions.total : null;
    const box = this.built ? this.field("opinions-authors") : null;
    if (box && view.opinions) box.checked = view.opinions.authors_shown;
    if (!this.visible || total === this.seenTotal) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.refresh(), 500);
  }

  show(visible) {
    this.visible = visible;
    if (visible) this.refresh();
  }

  fillDocuments() {
    const pick = this.field("opinions-doc");
    const docs = this.documents();
    const chosen = pick.value || (docs.find((d) => d.id === "du-thao-nghi-quyet") || docs[0] || {}).id || "";
    replace(pick, docs.map((d) => h("option", { value: d.id, selected: d.id === chosen }, d.title)));
    pick.value = chosen;
    return docs.find((d) => d.id === chosen) || null;
  }

  query(doc) {
    const params = new URLSearchParams();
    const version = this.field("opinions-version").value;
    if (version) params.set("version", version);
    for (const [name, id] of [["kind", "opinions-kind"], ["q", "opinions-q"]]) {
      const value = this.field(id).value.trim();
      if (value) params.set(name, value);
    }
    const group = this.field("opinions-group").value;
    if (group !== "*") params.set("group", group);
    return { doc, params };
  }

  async refresh() {
    if (!this.built) this.build();
    const doc = this.fillDocuments();
    if (!doc) {
      replace(this.field("opinions-table"), h("p", { class: "muted" }, t("console.opinions.empty")));
      return;
    }
    if (!this.field("opinions-group").options.length) {
      replace(this.field("opinions-group"), h("option", { value: "*" }, t("console.opinions.allGroups")));
    }
    const { params } = this.query(doc);
    const path = `${this.base()}/${encodeURIComponent(doc.id)}`;
    this.seenTotal = this.hub.view.opinions ? this.hub.view.opinions.total : null;
    const exports = new URLSearchParams(params);
    exports.set("lang", lang());
    this.field("opinions-pdf").href = `${path}/rollup.pdf?${exports}`;
    this.field("opinions-csv").href = `${path}/rollup.csv?${exports}`;
    const asked = `${path}?${params}`;
    this.loading = asked;
    let rolled;
    try {
      const answer = await fetch(asked, { credentials: "same-origin" });
      if (!answer.ok) throw new Error(String(answer.status));
      rolled = await answer.json();
    } catch {
      if (this.loading === asked) replace(this.field("opinions-table"), h("p", { class: "muted" }, t("console.opinions.failed")));
      return;
    }
    if (this.loading !== asked) return;
    this.rolled = rolled;
    this.draw(rolled);
  }

  groupName(id) {
    if (!id) return t("console.opinions.noGroup");
    const group = (this.rolled.all_groups || []).find((g) => g.id === id);
    return group ? group.name : id;
  }

  draw(rolled) {
    const version = this.field("opinions-version");
    const chosenVersion = String(rolled.version);
    replace(version, rolled.versions.map((v) => h("option", { value: String(v), selected: String(v) === chosenVersion }, `v${v}`)));
    version.value = chosenVersion;
    const group = this.field("opinions-group");
    const chosenGroup = group.value || "*";
    replace(group,
      h("option", { value: "*" }, t("console.opinions.allGroups")),
      h("option", { value: "" }, t("console.opinions.noGroup")),
      (rolled.all_groups || []).map((g) => h("option", { value: g.id }, g.name)));
    group.value = chosenGroup;
    const counts = KINDS.map((k) => `${t(`opinion.kind.${k}`)} ${rolled.kinds[k]}`).join(" · ");
    this.field("opinions-summary").textContent = `${t("console.opinions.total")}: ${rolled.total} — ${counts}`;
    const head = h("tr", {},
      h("th", { scope: "col" }, t("console.opinions.paragraph")),
      KINDS.map((k) => h("th", { scope: "col", class: "num" }, t(`opinion.kind.${k}`))),
      h("th", { scope: "col" }, t("console.opinions.byGroup")));
    const rows = rolled.paragraphs.map((p) => h("tr", { dataset: { paragraph: p.id }, class: p.changed ? "changed" : "" },
      h("td", { class: "paragraph-cell" },
        h("div", { class: "muted" }, `${t("document.page")} ${p.page} · ${p.id}`,
          p.changed ? h("span", { class: "pill order" }, ` ${t("console.opinions.changed")}`) : null),
        h("div", { class: "paragraph-text" }, p.text),
        p.quotes.length
          ? h("details", {},
              h("summary", {}, `${t("console.opinions.quotes")} (${p.quotes.length})`),
              h("ul", { class: "quotes" }, p.quotes.map((q) => h("li", {},
                h("span", { class: "pill" }, t(`opinion.kind.${q.kind}`)), " ",
                q.group ? h("span", { class: "muted" }, `${q.group} · `) : null,
                q.author ? h("strong", {}, `${q.author.name}${q.author.unit ? ` (${q.author.unit})` : ""}`) : null,
                q.text ? h("div", {}, q.text) : null,
                q.wording ? h("div", { class: "wording" }, `${t("console.opinions.wording")}: «${q.wording}»`) : null))))
          : h("div", { class: "muted" }, t("console.opinions.none"))),
      KINDS.map((k) => h("td", { class: "num" }, String(p.kinds[k] || ""))),
      h("td", {}, Object.entries(p.groups).map(([id, n]) => `${this.groupName(id)}: ${n}`).join(", "))));
    // Named by a label, not a caption: a hidden caption is placed outside the scrolled panel
    // and made the whole console scroll.
    replace(this.field("opinions-table"), h("table", { class: "opinions-rollup", "aria-label": `${rolled.title} · v${rolled.version}` },
      h("thead", {}, head), h("tbody", {}, rows)));
  }
}
