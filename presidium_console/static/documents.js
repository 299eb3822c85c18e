// The console's document area: a page is previewed here alone, and goes live only by "Trình chiếu".
import { pageUrl } from "/static/common/hub.js";
import { t } from "/static/common/i18n.js";
import { $, h, replace } from "/static/common/ui.js";
import { fill } from "./dialogs.js";

// Who reads each access level, as session_server/core/state.py `_READERS` says (the hub
// decides; this only labels what each audience's screens show).
const READERS = {
  public: ["presidium", "delegate", "hall", "board"],
  delegates: ["presidium", "delegate", "hall"],
  presidium: ["presidium"],
};
const AUDIENCES = ["presidium", "delegate", "hall", "board"];

export function accessLabel(access) {
  return t(`access.${access}`);
}

export function audienceMaySee(audience, access) {
  return (READERS[access] || ["presidium"]).includes(audience);
}

// `preview` is null while the console shows the live page (and follows it); otherwise the
// {id, page} the chair is looking at, which no other screen sees.
export class DocumentDesk {
  constructor({ hub, act, disable }) {
    this.hub = hub;
    this.act = act;
    this.disable = disable;
    this.preview = null;
    this.pending = null; // sent live, its event not yet here: the desk already follows it
    this.chosen = null; // the document in the picker when nothing is live or previewed
  }

  documents() {
    return this.hub.view.documents || [];
  }

  live() {
    const shown = this.hub.view.document;
    return shown && shown.id ? { id: shown.id, page: shown.page } : null;
  }

  // What the console shows: the preview, else the live page, else page 1 of the chosen one.
  current() {
    if (this.preview) return this.preview;
    if (this.pending) return this.pending;
    const live = this.live();
    if (live) return live;
    const docs = this.documents();
    const doc = docs.find((d) => d.id === this.chosen) || docs[0];
    return doc ? { id: doc.id, page: 1 } : null;
  }

  isLive(target) {
    const live = this.live();
    return Boolean(live && target && live.id === target.id && live.page === target.page);
  }

  look(id, page) {
    const target = { id, page };
    this.pending = null;
    this.chosen = id;
    // Looking at the live page again is following it.
    this.preview = this.isLive(target) ? null : target;
    this.render();
  }

  previewing(target) {
    return this.preview !== null && this.preview.id === target.id && this.preview.page === target.page;
  }

  // ←/→, the page buttons: the live document turns live (the ordinary flow of a report);
  // a preview turns the preview only.
  turn(delta) {
    const target = this.current();
    if (!target) return;
    const doc = this.documents().find((d) => d.id === target.id);
    if (!doc) return;
    const page = Math.min(doc.pages, Math.max(1, target.page + delta));
    if (page === target.page) return;
    if (this.preview === null && (this.live() || this.pending)) this.act("show_page", { document_id: doc.id, page });
    else this.look(doc.id, page);
  }

  async show() {
    const target = this.current();
    if (!target || this.isLive(target)) return;
    // From the click on, the desk follows the live page (a key pressed at once turns it
    // live); a refusal brings the preview back.
    if (this.previewing(target)) this.preview = null;
    this.pending = target;
    const ack = await this.act("show_page", { document_id: target.id, page: target.page });
    if (!ack && this.preview === null) this.preview = target;
    if (this.pending === target) this.pending = null;
    this.render();
  }

  backToLive() {
    this.preview = null;
    this.pending = null;
    this.render();
  }

  render() {
    const docs = this.documents();
    const live = this.live();
    if (this.preview && !docs.some((d) => d.id === this.preview.id)) this.preview = null;
    if (live && !this.preview) this.chosen = live.id;
    const target = this.current();
    const doc = target ? docs.find((d) => d.id === target.id) : null;
    const isLive = this.isLive(target);
    replace($("doc-pick"), docs.map((d) => h("option", { value: d.id, selected: doc && d.id === doc.id },
      `${d.title} · ${accessLabel(d.access)}`)));
    $("page-label").textContent = doc ? fill(t("console.pageOf"), { page: target.page, pages: doc.pages }) : "";
    this.disable($("prev"), !doc ? "why.nothingLive" : target.page <= 1 ? "why.firstPage" : null);
    this.disable($("next"), !doc ? "why.nothingLive" : target.page >= doc.pages ? "why.lastPage" : null);
    this.disable($("show"), !doc ? "why.nothingLive" : isLive ? "why.alreadyLive" : null);
    this.disable($("hide"), live ? null : "why.nothingLive");
    $("back-live").hidden = !(live && this.preview);

    const badge = $("preview-badge");
    badge.dataset.mode = !doc ? "none" : isLive ? "live" : "preview";
    badge.textContent = !doc ? t("console.noneLive") : isLive ? t("console.live") : t("console.preview");
    $("preview-title").textContent = doc
      ? `${doc.title} · ${accessLabel(doc.access)}${isLive ? "" : ` — ${t("console.previewOnly")}`}`
      : "";
    $("preview").dataset.mode = badge.dataset.mode;
    this.renderPage(doc, target);
    this.renderThumbs(doc, target, live);
    this.renderAudiences();
  }

  renderPage(doc, target) {
    if (!doc) {
      replace($("preview"), h("div", { class: "placeholder" }, t("document.none")));
      return;
    }
    const source = pageUrl(this.hub.session.documents_room || this.hub.session.room, doc, target.page, 1280);
    this.latest = source;
    const current = $("preview").querySelector("img");
    if (current && current.dataset.source === source) return;
    const image = h("img", {
      class: "page-image", src: source, dataset: { source, page: String(target.page), document: doc.id },
      alt: `${doc.title}, ${t("document.page").toLowerCase()} ${target.page}`,
    });
    // The old page stays until the new one has loaded (no blank flash); a late answer for
    // a page since left is dropped.
    const swap = () => { if (this.latest === source) replace($("preview"), image); };
    if (!current) replace($("preview"), image);
    else { image.addEventListener("load", swap); image.addEventListener("error", swap); }
  }

  renderThumbs(doc, target, live) {
    if (!doc) return replace($("thumbs"));
    const first = Math.max(1, Math.min(target.page - 2, doc.pages - 4));
    const pages = [];
    for (let page = first; page <= Math.min(doc.pages, first + 4); page += 1) pages.push(page);
    replace($("thumbs"), pages.map((page) => {
      const onAir = live && live.id === doc.id && live.page === page;
      const looked = target.page === page;
      return h("button", {
        class: `thumb${onAir ? " live" : ""}${looked ? " on" : ""}`,
        "aria-pressed": looked ? "true" : "false",
        onclick: () => this.look(doc.id, page),
      },
      h("img", { src: pageUrl(this.hub.session.documents_room || this.hub.session.room, doc, page, 320), alt: "", loading: "lazy" }),
      h("span", {}, h("span", { class: "visually-hidden" }, `${t("document.page")} `),
        onAir ? `${page} · ${t("console.live")}` : String(page)));
    }));
  }

  // What each audience's screens show of the live document, by its access level.
  renderAudiences() {
    const shown = this.hub.view.document;
    const doc = shown && shown.id ? this.documents().find((d) => d.id === shown.id) : null;
    const rows = AUDIENCES.map((audience) => {
      let sees;
      if (!shown) sees = t("console.sees.nothing");
      else if (!doc || audienceMaySee(audience, doc.access)) sees = fill(t("console.sees.page"), { page: shown.page });
      else sees = t("console.sees.hidden");
      const state = !shown ? "none" : !doc || audienceMaySee(audience, doc.access) ? "page" : "hidden";
      return h("li", { dataset: { audience, sees: state } },
        h("strong", {}, t(`console.audience.${audience}`)), `: ${sees}`);
    });
    replace($("audiences"), h("span", { class: "audiences-head" }, `${t("console.whoSees")}:`), h("ul", {}, rows));
  }
}
