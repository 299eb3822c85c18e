// The delegate's written contributions (tham luận): a form to send one to the secretariat
// (a title and a PDF or a text), and the list of their own with where each stands.
// The file goes over HTTP (docs/protocol.md §17); the statuses come in the `you` frame.
import { CHANGE_HEADERS } from "/static/common/hub.js";
import { t } from "/static/common/i18n.js";
import { describeRefusal, h, replace } from "/static/common/ui.js";

const MAX_TEXT = 30000;
const STATUS_CLASS = { submitted: "", accepted: "ok", returned: "warn", published: "ok" };

export class Contributions {
  constructor(hub, root) {
    this.hub = hub;
    this.root = root; // a section the module owns: it draws everything in it
    this.kind = "text"; // what the form sends: "text" or "pdf"
    this.replaces = null; // the returned contribution being sent again, or null
    this.sending = false;
    this.drawn = "";
    this.build();
  }

  build() {
    this.title = h("input", { id: "contrib-title", type: "text", maxlength: "300", autocomplete: "off" });
    this.file = h("input", { id: "contrib-file", type: "file", accept: "application/pdf,.pdf" });
    this.text = h("textarea", { id: "contrib-text", rows: "6", maxlength: String(MAX_TEXT) });
    this.kindButtons = ["text", "pdf"].map((kind) => h("button", {
      type: "button", class: "btn", dataset: { contribKind: kind },
      onclick: () => { this.kind = kind; this.showKind(); },
    }));
    this.again = h("p", { class: "contrib-again", hidden: true });
    this.cancelAgain = h("button", { type: "button", class: "btn", hidden: true, onclick: () => this.sendAgain(null) });
    this.send = h("button", { type: "submit", class: "btn primary" });
    this.result = h("p", { class: "contrib-result", role: "status", "aria-live": "polite" });
    this.form = h("form", { class: "contrib-form", onsubmit: (event) => this.submit(event) },
      this.again,
      h("label", { for: "contrib-title", dataset: { i18n: "contrib.titleLabel" } }),
      this.title,
      h("div", { class: "contrib-kinds", role: "group", "aria-labelledby": "contrib-kind-name" },
        h("span", { id: "contrib-kind-name", class: "visually-hidden", dataset: { i18n: "contrib.kind" } }),
        ...this.kindButtons),
      h("div", { class: "contrib-text-field" },
        h("label", { for: "contrib-text", dataset: { i18n: "contrib.textLabel" } }), this.text),
      h("div", { class: "contrib-file-field" },
        h("label", { for: "contrib-file", dataset: { i18n: "contrib.fileLabel" } }), this.file),
      h("div", { class: "contrib-actions" }, this.send, this.cancelAgain),
      this.result);
    this.list = h("ul", { class: "contrib-list", "aria-live": "polite" });
    replace(this.root,
      h("h2", { dataset: { i18n: "contrib.title" } }),
      h("p", { class: "muted contrib-intro", dataset: { i18n: "contrib.intro" } }),
      this.form,
      h("h3", { class: "contrib-mine-title", dataset: { i18n: "contrib.mine" } }),
      this.list);
    this.showKind();
  }

  showKind() {
    for (const button of this.kindButtons) {
      button.setAttribute("aria-pressed", String(button.dataset.contribKind === this.kind));
      button.classList.toggle("chosen", button.dataset.contribKind === this.kind);
    }
    this.form.querySelector(".contrib-text-field").hidden = this.kind !== "text";
    this.form.querySelector(".contrib-file-field").hidden = this.kind !== "pdf";
  }

  // The returned contribution `entry` is sent again (its next version), or none with null.
  sendAgain(entry) {
    this.replaces = entry ? entry.id : null;
    this.again.hidden = !entry;
    this.cancelAgain.hidden = !entry;
    if (entry) {
      this.again.textContent = `${t("contrib.sendingAgain")}: ${entry.title}`;
      this.title.value = entry.title;
      this.title.focus();
    }
    this.drawn = "";
    this.render();
  }

  async submit(event) {
    event.preventDefault();
    if (this.sending) return;
    const title = this.title.value.trim();
    let body;
    let type;
    if (this.kind === "pdf") {
      body = this.file.files[0];
      type = "application/pdf";
      if (!body) return this.say(t("contrib.needFile"), "error");
    } else {
      body = this.text.value.trim();
      type = "text/plain; charset=utf-8";
      if (!body) return this.say(t("contrib.needText"), "error");
    }
    if (!title) return this.say(t("contrib.needTitle"), "error");
    const query = new URLSearchParams({ title });
    if (this.replaces) query.set("replaces", this.replaces);
    // What was sent: the form is emptied after the hub's answer only if it still holds it.
    // The hub's `you` frame can show the new entry before that answer, and a delegate (or
    // a test) who has meanwhile begun the next contribution must not see it wiped.
    const sent = [this.title.value, this.text.value, this.file.files[0]];
    this.sending = true;
    this.send.disabled = true;
    this.say(t("contrib.sending"), "");
    try {
      const answer = await fetch(`/api/rooms/${encodeURIComponent(this.hub.session.room)}/contributions?${query}`, {
        method: "POST", body, headers: { ...CHANGE_HEADERS, "Content-Type": type }, credentials: "same-origin",
      });
      const answered = await answer.json().catch(() => ({}));
      if (answer.ok) {
        const now = [this.title.value, this.text.value, this.file.files[0]];
        if (now.every((value, index) => value === sent[index])) this.form.reset();
        this.sendAgain(null);
        this.say(t("contrib.sent"), "ok");
      } else {
        this.say(`${t("contrib.refused")}: ${describeRefusal({ code: answered.error, reason: answered.reason, message: answered.message })}`, "error");
      }
    } catch {
      this.say(t("contrib.offline"), "error");
    } finally {
      this.sending = false;
      this.send.disabled = false;
    }
  }

  say(text, kind) {
    this.result.textContent = text;
    this.result.dataset.kind = kind;
  }

  statusText(entry) {
    if (entry.status === "published") {
      return `${t("contrib.status.published")} (${t(`access.${entry.access}`)})`;
    }
    return t(`contrib.status.${entry.status}`);
  }

  // Drawn again only when the delegate's own list changed (or the language).
  render() {
    for (const element of this.root.querySelectorAll("[data-i18n]")) element.textContent = t(element.dataset.i18n);
    for (const button of this.kindButtons) button.textContent = t(`contrib.kind.${button.dataset.contribKind}`);
    this.send.textContent = t(this.replaces ? "contrib.sendAgain" : "contrib.send");
    this.cancelAgain.textContent = t("contrib.cancelAgain");
    const mine = (this.hub.you && this.hub.you.contributions) || [];
    const key = JSON.stringify([document.documentElement.lang, this.replaces, mine]);
    if (key === this.drawn) return;
    this.drawn = key;
    if (!mine.length) {
      replace(this.list, h("li", { class: "muted" }, t("contrib.none")));
      return;
    }
    replace(this.list, [...mine].reverse().map((entry) => h("li", { class: "contrib-entry", dataset: { id: entry.id, status: entry.status } },
      h("div", { class: "contrib-entry-title" }, entry.title),
      h("div", { class: "muted" }, `${t(`contrib.kind.${entry.kind}`)} · ${entry.pages} ${t("contrib.pages")}${entry.version > 1 ? ` · ${t("contrib.version")} ${entry.version}` : ""}`),
      h("div", { class: `contrib-status ${STATUS_CLASS[entry.status] || ""}` }, this.statusText(entry)),
      entry.status === "returned" && entry.reason ? h("div", { class: "contrib-reason" }, `${t("contrib.reason")}: ${entry.reason}`) : null,
      entry.status === "returned" && this.replaces !== entry.id
        ? h("button", { type: "button", class: "btn", onclick: () => this.sendAgain(entry) }, t("contrib.sendAgain"))
        : null)));
  }
}
