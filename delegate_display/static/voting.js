// The delegate's votes: the presence check, an open vote's big buttons, and the secret
// ballot (gạch tên) that takes over the tablet while a vote is open (docs/voting.md).
// A secret ballot is encrypted here, on the tablet, before it leaves it; the choices are
// never stored, on the tablet or anywhere.
import { contextOf, fingerprint, makeBallot } from "/static/common/ballot.js";
import { lang, t } from "/static/common/i18n.js";
import { describeRefusal, h, replace } from "/static/common/ui.js";

const OPTIONS = ["for", "against", "abstain"];

export class Voting {
  constructor(hub, root) {
    this.hub = hub;
    this.root = root; // an element the module owns: the overlay is drawn in it
    this.struck = new Map(); // vote id -> Set of struck candidate ids (this page only)
    this.pending = null; // {voteId, choice} or {voteId, ballot: true}: the confirmation shown
    this.sending = false;
    this.error = "";
    this.hiddenFor = new Set(); // votes whose overlay the delegate put aside after voting
    this.changing = null; // the open vote whose choice the delegate is changing
  }

  // The vote that needs this delegate now: a presence check to confirm, or an open vote.
  active() {
    const votes = this.hub.view.votes || [];
    const mine = (this.hub.you && this.hub.you.votes) || {};
    for (const vote of votes) {
      const own = mine[vote.id];
      if (!own) continue;
      if (vote.status === "checking") return { vote, own };
      if (vote.status === "open" && own.in_electorate) return { vote, own };
    }
    return null;
  }

  async send(name, args) {
    this.sending = true;
    this.error = "";
    this.render();
    try {
      await this.hub.command(name, args);
      this.pending = null;
      this.changing = null;
    } catch (error) {
      // Kept as the hub said it, told in the sheet's language when drawn.
      this.error = { code: error.code, reason: error.reason, message: error.message };
    } finally {
      this.sending = false;
      this.render();
    }
  }

  render() {
    const found = this.active();
    if (!found || (found.own.voted && this.hiddenFor.has(found.vote.id) && this.changing === null)) {
      this.drawn = null;
      this.root.hidden = true;
      replace(this.root);
      document.body.classList.remove("voting");
      return;
    }
    const { vote, own } = found;
    // Every event (another delegate's ballot moves the turnout) renders again: the sheet is
    // redrawn only when what it shows changed, so the focus stays where the delegate put it
    // and a screen reader does not hear the sheet again.
    const shown = [vote.id, vote.status, vote.kind, vote.title, vote.seats, vote.candidates, vote.allow_abstain,
      vote.allow_change, Boolean(vote.committee && vote.committee.key)];
    const drawn = JSON.stringify([lang(), shown, own, this.pending, this.sending, this.error, this.changing,
      [...(this.struck.get(vote.id) || [])]]);
    if (drawn === this.drawn) return;
    this.drawn = drawn;
    const focused = this.root.contains(document.activeElement) ? document.activeElement.dataset.key : null;
    this.root.hidden = false;
    document.body.classList.add("voting");
    const title = h("h2", { id: "vote-title", class: "vote-title" }, vote.title);
    const kind = h("p", { class: "vote-kind" }, t(vote.kind === "election" ? "vote.election" : "vote.question"));
    // The page's own language switch is under the sheet: this one reaches it.
    const language = h("button", {
      type: "button", class: "vote-lang", dataset: { key: "lang" },
      onclick: () => { const page = document.getElementById("lang"); if (page) page.click(); },
    }, t("lang.switch"));
    let body;
    if (vote.status === "checking") body = this.presence(vote, own);
    else if (own.voted && this.changing !== vote.id) body = this.done(vote, own);
    else if (vote.kind === "question") body = this.question(vote, own);
    else body = this.ballot(vote);
    const error = this.error ? h("p", { class: "vote-error", role: "alert" }, this.refusal()) : null;
    replace(this.root, h("div", {
      class: "vote-sheet", role: "dialog", "aria-modal": "true", "aria-labelledby": "vote-title",
    }, h("div", { class: "vote-head" }, kind, language), title, body, error));
    const again = focused && this.root.querySelector(`[data-key="${CSS.escape(focused)}"]`);
    if (again) again.focus({ preventScroll: true });
  }

  refusal() {
    return this.error.code === "offline" ? t("vote.offline") : describeRefusal(this.error);
  }

  presence(vote, own) {
    if (own.confirmed) return h("p", { class: "vote-note", role: "status" }, t("vote.presenceConfirmed"));
    return h("div", { class: "vote-actions" },
      h("p", { class: "vote-note" }, t("vote.presenceAsk")),
      h("button", {
        type: "button", class: "vote-button primary", disabled: this.sending, dataset: { key: "presence" },
        onclick: () => this.send("confirm_presence", { vote_id: vote.id }),
      }, t("vote.presenceConfirm")));
  }

  question(vote) {
    if (this.pending && this.pending.voteId === vote.id) {
      const choice = this.pending.choice;
      return h("div", { class: "vote-actions" },
        h("p", { class: "vote-note", role: "status" }, t("vote.confirmChoice").replace("{choice}", t(`vote.choice.${choice}`))),
        h("button", {
          type: "button", class: "vote-button primary", disabled: this.sending, dataset: { key: "confirm" },
          onclick: () => this.send("cast_vote", { vote_id: vote.id, choice }),
        }, t("vote.confirm")),
        h("button", { type: "button", class: "vote-button", dataset: { key: "back" }, onclick: () => { this.pending = null; this.render(); } },
          t("vote.back")));
    }
    const options = OPTIONS.filter((option) => option !== "abstain" || vote.allow_abstain);
    return h("div", { class: "vote-options", role: "group", "aria-labelledby": "vote-title" },
      options.map((choice) => h("button", {
        type: "button", class: `vote-button choice-${choice}`, dataset: { key: choice },
        onclick: () => { this.pending = { voteId: vote.id, choice }; this.render(); },
      }, t(`vote.choice.${choice}`))));
  }

  ballot(vote) {
    const struck = this.struck.get(vote.id) || new Set();
    this.struck.set(vote.id, struck);
    const kept = vote.candidates.length - struck.size;
    const over = kept - vote.seats;
    if (this.pending && this.pending.voteId === vote.id) return this.confirmBallot(vote, struck);
    const counter = h("p", { class: "vote-counter", role: "status", "aria-live": "polite" },
      t("vote.kept").replace("{kept}", kept).replace("{seats}", vote.seats));
    const list = h("ul", { class: "ballot-list" }, vote.candidates.map((c) => {
      const isStruck = struck.has(c.id);
      return h("li", {}, h("button", {
        type: "button", class: "candidate", "aria-pressed": isStruck ? "true" : "false",
        dataset: { candidate: c.id, key: `candidate-${c.id}`, struck: isStruck ? "yes" : "no" },
        onclick: () => {
          if (isStruck) struck.delete(c.id); else struck.add(c.id);
          this.render();
        },
      }, h("span", { class: "candidate-name" }, c.name), h("span", { class: "candidate-unit" }, c.unit),
      h("span", { class: "candidate-state" }, t(isStruck ? "vote.struck" : "vote.keep"))));
    }));
    const reason = over > 0 ? t("vote.tooMany").replace("{n}", over) : "";
    const next = h("button", {
      type: "button", class: "vote-button primary", disabled: over > 0, dataset: { key: "review" },
      "aria-describedby": over > 0 ? "ballot-reason" : null,
      onclick: () => { this.pending = { voteId: vote.id, ballot: true }; this.render(); },
    }, t("vote.review"));
    return h("div", { class: "ballot" },
      h("p", { class: "vote-note" }, t("vote.strikeHelp").replace("{seats}", vote.seats)),
      counter, list,
      over > 0 ? h("p", { id: "ballot-reason", class: "vote-error" }, reason) : null,
      h("div", { class: "vote-actions" }, next));
  }

  confirmBallot(vote, struck) {
    const keptNames = vote.candidates.filter((c) => !struck.has(c.id)).map((c) => c.name);
    const struckNames = vote.candidates.filter((c) => struck.has(c.id)).map((c) => c.name);
    return h("div", { class: "vote-actions" },
      h("h3", {}, t("vote.keptList").replace("{n}", keptNames.length)),
      h("ul", { class: "summary" }, keptNames.map((name) => h("li", {}, name))),
      h("h3", {}, t("vote.struckList").replace("{n}", struckNames.length)),
      h("ul", { class: "summary struck" }, struckNames.map((name) => h("li", {}, name))),
      h("button", {
        type: "button", class: "vote-button primary", disabled: this.sending, dataset: { key: "cast" },
        onclick: () => this.castBallot(vote, struck),
      }, this.sending ? t("vote.encrypting") : t("vote.cast")),
      h("button", { type: "button", class: "vote-button", disabled: this.sending, dataset: { key: "back" }, onclick: () => { this.pending = null; this.render(); } },
        t("vote.back")));
  }

  castBallot(vote, struck) {
    this.sending = true;
    this.render();
    // Let the "encrypting" state be drawn before the work (about a second on a tablet).
    setTimeout(() => {
      const kept = vote.candidates.map((c) => !struck.has(c.id));
      const context = contextOf(this.hub.session.room, vote.id, this.hub.session.delegate_id);
      const made = makeBallot(kept, vote.committee.key, vote.seats, context);
      this.receipt = fingerprint(made);
      this.send("cast_ballot", { vote_id: vote.id, ballot: made }).then(() => {
        if (!this.error) this.struck.delete(vote.id);
      });
    }, 30);
  }

  done(vote, own) {
    const text = vote.kind === "election"
      ? t("vote.ballotCast").replace("{receipt}", own.receipt || "")
      : t("vote.voted").replace("{choice}", t(`vote.choice.${own.choice}`));
    return h("div", { class: "vote-actions" },
      h("p", { class: "vote-done", role: "status" }, text),
      vote.kind === "question" && vote.allow_change
        ? h("button", { type: "button", class: "vote-button", dataset: { key: "change" }, onclick: () => { this.changing = vote.id; this.render(); } },
          t("vote.change"))
        : null,
      h("button", { type: "button", class: "vote-button", dataset: { key: "documents" }, onclick: () => { this.hiddenFor.add(vote.id); this.render(); } },
        t("vote.backToDocuments")));
  }
}
