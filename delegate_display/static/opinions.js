// The delegate's opinions on a draft: touch a paragraph of the page being read, choose the
// kind with a big button, write, send; the list of the delegate's own opinions, each with
// its withdraw. A group's secretary may record for a member of the group (protocol §17).
import { t } from "/static/common/i18n.js";
import { describeRefusal, h, replace, toast } from "/static/common/ui.js";

const KINDS = ["agree", "amend", "add", "remove", "other"];
const NEEDS_TEXT = new Set(["add", "other"]);

export class Opinions {
  // `current()` gives what the tablet shows: {doc, page} (doc null when nothing is shown).
  constructor(hub, root, opener, current) {
    this.hub = hub;
    this.root = root; // the sheet: the module draws everything in it
    this.opener = opener;
    this.current = current;
    this.open = false;
    this.address = ""; // the page whose paragraphs are listed: room/doc/version/page
    this.paragraphs = null; // null: loading; else [{id, text, box}]
    this.failed = false;
    this.chosen = null; // the paragraph the opinion is about
    this.kind = "";
    this.sending = false;
    this.mine = { opinions: [], members: [] };
    this.mineKey = null; // the ids of `you.opinions` the list was loaded for
    // A page kept from before the sheet existed has no opener: the module then stays idle.
    if (opener) opener.addEventListener("click", () => this.show());
  }

  show() {
    this.open = true;
    this.chosen = null;
    this.kind = "";
    this.address = null; // the page's paragraphs are asked for again
    this.render();
    const first = this.root.querySelector("button");
    if (first) first.focus();
  }

  hide() {
    this.open = false;
    this.root.hidden = true;
    replace(this.root);
    document.body.classList.remove("opinions-open");
    this.opener.focus();
  }

  api(path) {
    return `/api/rooms/${encodeURIComponent(this.hub.session.room)}${path}`;
  }

  async load(address, url) {
    this.paragraphs = null;
    this.failed = false;
    try {
      const answer = await fetch(url, { credentials: "same-origin" });
      if (!answer.ok) throw new Error(String(answer.status));
      const body = await answer.json();
      if (this.address === address) this.paragraphs = body.paragraphs;
    } catch {
      if (this.address === address) this.failed = true;
    }
    if (this.address === address && this.open) this.draw();
  }

  async loadMine() {
    const ids = ((this.hub.you && this.hub.you.opinions) || []).join(",");
    if (this.mineKey === ids) return;
    this.mineKey = ids;
    try {
      const answer = await fetch(this.api("/my-opinions"), { credentials: "same-origin" });
      if (answer.ok) this.mine = await answer.json();
    } catch {
      this.mineKey = null; // asked again at the next render
    }
    if (this.open) this.draw();
  }

  // Called at every render of the tablet: the opener's state; the sheet is drawn again only
  // when what it shows changed (another page, the delegate's list), keeping what was typed.
  render() {
    if (!this.opener || !this.root) return;
    const shown = this.current();
    this.opener.disabled = !shown.doc;
    if (!this.open) return;
    this.loadMine();
    const address = shown.doc ? `${shown.doc.id}/${shown.doc.version}/${shown.page}` : "";
    if (address !== this.address) {
      this.chosen = null;
      this.address = address;
      if (shown.doc) {
        const base = `/documents/${encodeURIComponent(shown.doc.id)}/versions/${shown.doc.version}`;
        this.load(address, this.api(`${base}/pages/${shown.page}/paragraphs`));
      }
      this.draw();
    } else if (this.root.hidden) {
      this.draw();
    }
  }

  draw() {
    this.keepTyped(() => this.drawNow());
  }

  drawNow() {
    document.body.classList.add("opinions-open");
    this.root.hidden = false;
    const shown = this.current();
    let body;
    if (!shown.doc) body = [h("p", { class: "muted" }, t("opinion.noDocument"))];
    else body = this.chosen ? this.sheet(shown) : this.list(shown);
    replace(this.root,
      h("div", { class: "opinions-sheet", role: "dialog", "aria-modal": "true", "aria-labelledby": "opinions-title" },
        h("div", { class: "opinions-head" },
          h("h2", { id: "opinions-title" }, t("opinion.title")),
          h("button", { type: "button", class: "btn", onclick: () => this.hide() }, t("opinion.close"))),
        h("div", { class: "opinions-body" }, body, this.mineList())));
  }

  list(shown) {
    const intro = h("p", { class: "opinions-doc" },
      h("strong", {}, shown.doc.title), ` · ${t("document.page")} ${shown.page}`);
    if (this.failed) return [intro, h("p", { class: "muted" }, t("opinion.failed"))];
    if (this.paragraphs === null) return [intro, h("p", { class: "muted" }, t("opinion.loading"))];
    if (!this.paragraphs.length) return [intro, h("p", { class: "muted" }, t("opinion.noParagraphs"))];
    return [intro, h("p", { id: "opinion-pick" }, t("opinion.pickParagraph")),
      h("ol", { class: "paragraph-list", "aria-labelledby": "opinion-pick" },
        this.paragraphs.map((p) => h("li", {},
          h("button", {
            type: "button", class: "paragraph", dataset: { paragraph: p.id },
            onclick: () => { this.chosen = p; this.kind = ""; this.draw(); this.focusFirstKind(); },
          }, p.text))))];
  }

  focusKind(kind) {
    const button = this.root.querySelector(`[data-opinion-kind="${kind}"]`);
    if (button) button.focus();
  }

  focusFirstKind() {
    const first = this.root.querySelector(".opinion-kinds button");
    if (first) first.focus();
  }

  sheet(shown) {
    const paragraph = this.chosen;
    const members = this.mine.members || [];
    const me = this.hub.session.delegate_id;
    const picker = members.length
      ? h("div", { class: "field" },
          h("label", { for: "opinion-for" }, t("opinion.onBehalf")),
          h("select", { id: "opinion-for" },
            h("option", { value: "" }, t("opinion.self")),
            members.filter((m) => m.id !== me).map((m) => h("option", { value: m.id }, m.name))))
      : null;
    return [
      h("p", { class: "opinions-doc" }, h("strong", {}, shown.doc.title), ` · ${t("document.page")} ${shown.page}`),
      h("blockquote", { class: "chosen-paragraph" }, paragraph.text),
      h("button", { type: "button", class: "btn", onclick: () => { this.chosen = null; this.draw(); } },
        t("opinion.otherParagraph")),
      h("div", { class: "opinion-kinds", role: "group", "aria-label": t("opinion.kind") },
        KINDS.map((kind) => h("button", {
          type: "button", class: `btn kind${this.kind === kind ? " primary" : ""}`,
          "aria-pressed": this.kind === kind ? "true" : "false", dataset: { opinionKind: kind },
          onclick: () => { this.kind = kind; this.draw(); this.focusKind(kind); },
        }, t(`opinion.kind.${kind}`)))),
      this.kind === "amend"
        ? h("div", { class: "field" },
            h("label", { for: "opinion-wording" }, t("opinion.wording")),
            h("textarea", { id: "opinion-wording", rows: 3, maxlength: 2000 }))
        : null,
      this.kind
        ? h("div", { class: "field" },
            h("label", { for: "opinion-text" }, t("opinion.text")),
            h("textarea", { id: "opinion-text", rows: 4, maxlength: 2000 }))
        : null,
      picker,
      h("p", { id: "opinion-error", class: "why", role: "alert" }),
      h("button", {
        type: "button", class: "btn primary send", disabled: !this.kind || this.sending,
        onclick: () => this.send(shown),
      }, t("opinion.send")),
    ];
  }

  // Redraws without losing what the delegate typed (the fields are drawn anew).
  keepTyped(redraw) {
    const kept = {};
    for (const id of ["opinion-text", "opinion-wording", "opinion-for"]) {
      const field = document.getElementById(id);
      if (field) kept[id] = field.value;
    }
    redraw();
    for (const [id, value] of Object.entries(kept)) {
      const field = document.getElementById(id);
      if (field) field.value = value;
    }
  }

  async send(shown) {
    const text = (document.getElementById("opinion-text") || {}).value || "";
    const wording = (document.getElementById("opinion-wording") || {}).value || "";
    const behalf = (document.getElementById("opinion-for") || {}).value || "";
    const error = document.getElementById("opinion-error");
    if (this.kind === "amend" && !wording.trim()) { error.textContent = t("opinion.needWording"); return; }
    if (NEEDS_TEXT.has(this.kind) && !text.trim()) { error.textContent = t("opinion.needText"); return; }
    this.sending = true;
    error.textContent = "";
    const args = {
      document_id: shown.doc.id, version: shown.doc.version, paragraph_id: this.chosen.id,
      kind: this.kind, text, wording: this.kind === "amend" ? wording : "",
    };
    if (behalf) args.on_behalf_of = behalf;
    try {
      await this.hub.command("record_opinion", args);
      toast(t("opinion.sent"), "ok");
      this.chosen = null;
      this.kind = "";
    } catch (refused) {
      this.sending = false;
      error.textContent = describeRefusal(refused);
      return;
    }
    this.sending = false;
    this.draw();
  }

  mineList() {
    const listed = (this.mine.opinions || []);
    const me = this.hub.session.delegate_id;
    return h("section", { class: "opinions-mine", "aria-labelledby": "opinions-mine-title" },
      h("h3", { id: "opinions-mine-title" }, `${t("opinion.mine")} (${listed.length})`),
      listed.length
        ? h("ul", { class: "mine-list" }, listed.map((o) => h("li", { dataset: { opinion: o.id } },
            h("div", {},
              h("span", { class: "pill" }, t(`opinion.kind.${o.kind}`)), " ",
              h("strong", {}, o.title), ` · ${t("opinion.on")} ${o.paragraph_id}`),
            o.author.delegate_id !== me ? h("div", { class: "muted" }, `${t("opinion.forMember")}: ${o.author.name}`) : null,
            o.text ? h("div", {}, o.text) : null,
            o.wording ? h("div", { class: "muted" }, `${t("opinion.wording")}: «${o.wording}»`) : null,
            h("button", {
              type: "button", class: "btn", onclick: () => this.withdraw(o.id),
            }, t("opinion.withdraw")))))
        : h("p", { class: "muted" }, t("opinion.mineNone")));
  }

  async withdraw(id) {
    if (!confirm(t("opinion.withdrawConfirm"))) return;
    try {
      await this.hub.command("withdraw_opinion", { opinion_id: id });
      toast(t("opinion.withdrawn"), "ok");
    } catch (refused) {
      toast(describeRefusal(refused), "error");
    }
  }
}
