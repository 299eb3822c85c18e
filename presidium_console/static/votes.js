// The console's votes: prepare a question or an election, name the counting committee,
// run the presence check, open, watch the turnout, close, publish (docs/voting.md).
import { lang, t } from "/static/common/i18n.js";
import { h, replace } from "/static/common/ui.js";
import { RollLines, RollPicker } from "./roll-picker.js";

const STATUS_ORDER = ["draft", "checking", "open", "closed", "counted", "published"];
// MAX_COMMITTEE in docs/limits.md: the hub refuses a larger committee.
const MAX_COMMITTEE = 15;

function field(id, label, control) {
  return h("div", { class: "vote-field" }, h("label", { for: id }, label), control);
}

function checkbox(id, label, checked = false) {
  return h("label", { class: "vote-check", for: id },
    h("input", { id, type: "checkbox", checked }), " ", label);
}

// "Name | Unit" per line: the candidates in the ballot's order.
export function parseCandidates(text) {
  return text.split("\n").map((line) => line.trim()).filter(Boolean).map((line, index) => {
    const [name, unit = ""] = line.split("|").map((part) => part.trim());
    return { id: `c${index + 1}`, name, unit };
  });
}

export class VotesPanel {
  // `act(name, args)` sends a command and reports; `ask(text)` resolves true when confirmed.
  constructor(hub, root, { act, ask }) {
    this.hub = hub;
    this.root = root;
    this.act = act;
    this.ask = ask;
    this.kind = "question";
    this.built = null; // the language the form was built in: rebuilt when it changes
    this.committees = new Map(); // vote id -> the committee form being filled in
    this.fromRoll = null; // candidates found in the roll, written into the list's text
  }

  buildForm() {
    const kind = h("select", { id: "vote-kind" },
      h("option", { value: "question" }, t("vote.question")),
      h("option", { value: "election" }, t("vote.election")));
    kind.value = this.kind;
    kind.addEventListener("change", () => { this.kind = kind.value; this.toggleKind(); });
    const threshold = h("select", { id: "vote-threshold" },
      h("option", { value: "half" }, t("console.vote.half")),
      h("option", { value: "two_thirds" }, t("console.vote.twoThirds")));
    const base = h("select", { id: "vote-base" },
      h("option", { value: "convened" }, t("console.vote.convened")),
      h("option", { value: "present" }, t("console.vote.present")));
    const candidates = h("textarea", { id: "vote-candidates", rows: 6, placeholder: t("console.vote.candidatesHelp") });
    this.fromRoll = new RollLines({
      id: "vote-cand-roll", legend: t("console.vote.candidatesFromRoll"), roll: () => this.hub.view.roll, textarea: candidates,
    });
    const form = h("form", { id: "vote-form", class: "vote-form" },
      field("vote-kind", t("console.vote.kind"), kind),
      field("vote-title", t("console.vote.title"), h("input", { id: "vote-title", required: true, maxlength: 300 })),
      field("vote-threshold", t("console.vote.threshold"), threshold),
      field("vote-base", t("console.vote.base"), base),
      field("vote-absent", t("console.vote.absent"), h("input", { id: "vote-absent", type: "number", min: 0, value: 0 })),
      h("div", { class: "vote-question" },
        checkbox("vote-abstain", t("console.vote.allowAbstain"), true),
        checkbox("vote-change", t("console.vote.allowChange")),
        checkbox("vote-live", t("console.vote.liveTotals"))),
      h("div", { class: "vote-election", hidden: true },
        field("vote-seats", t("console.vote.seats"), h("input", { id: "vote-seats", type: "number", min: 1, value: 1 })),
        field("vote-surplus", t("console.vote.surplus"), h("input", { id: "vote-surplus", type: "number", min: 0, max: 30, value: 20 })),
        field("vote-candidates", t("console.vote.candidates"), candidates),
        this.fromRoll.element),
      h("button", { type: "submit", class: "btn primary" }, t("console.vote.prepare")));
    form.addEventListener("submit", (event) => { event.preventDefault(); this.prepare(form); });
    return form;
  }

  toggleKind() {
    const form = this.root.querySelector("#vote-form");
    form.querySelector(".vote-question").hidden = this.kind !== "question";
    form.querySelector(".vote-election").hidden = this.kind !== "election";
  }

  async prepare(form) {
    const value = (id) => form.querySelector(`#${id}`).value;
    const checked = (id) => form.querySelector(`#${id}`).checked;
    const args = {
      kind: this.kind,
      title: value("vote-title"),
      threshold: value("vote-threshold"),
      base: value("vote-base"),
      absent_throughout: Number(value("vote-absent")) || 0,
    };
    if (this.kind === "question") {
      Object.assign(args, {
        allow_abstain: checked("vote-abstain"), allow_change: checked("vote-change"),
        show_live_totals: checked("vote-live"),
      });
    } else {
      Object.assign(args, {
        seats: Number(value("vote-seats")), surplus_percent: Number(value("vote-surplus")),
        candidates: parseCandidates(value("vote-candidates")),
      });
    }
    if (await this.act("prepare_vote", args)) {
      form.reset();
      form.querySelector("#vote-kind").value = this.kind;
      this.fromRoll.query.value = "";
      this.fromRoll.refresh();
    }
    this.toggleKind();
  }

  render() {
    // The whole tab is drawn again at every event: the element that had the focus is put
    // back (a kept form's field) so typing and the keyboard are not interrupted.
    const focused = this.root.contains(document.activeElement) ? document.activeElement : null;
    if (this.built !== lang()) {
      const before = this.root.querySelector("#vote-form");
      const opened = this.root.querySelector(".vote-new") ? this.root.querySelector(".vote-new").open : false;
      const form = this.buildForm();
      if (before) {
        for (const control of before.querySelectorAll("input, select, textarea")) {
          const now = form.querySelector(`#${control.id}`);
          if (!now) continue;
          if (control.type === "checkbox") now.checked = control.checked; else now.value = control.value;
        }
      }
      this.fromRoll.sync();
      replace(this.root, h("div", { id: "vote-list", class: "vote-list", "aria-live": "polite" }),
        h("details", { class: "vote-new", open: opened }, h("summary", {}, t("console.vote.new")), form));
      this.toggleKind();
      this.built = lang();
    }
    this.fromRoll.refresh();
    const view = this.hub.view;
    const votes = [...(view.votes || [])].sort(
      (a, b) => STATUS_ORDER.indexOf(a.status) - STATUS_ORDER.indexOf(b.status) || a.id.localeCompare(b.id));
    for (const id of this.committees.keys()) {
      if (!votes.some((v) => v.id === id && v.status === "draft" && !v.committee)) this.committees.delete(id);
    }
    replace(this.root.querySelector("#vote-list"), votes.length
      ? votes.map((vote) => this.card(vote, (view.turnout || {})[vote.id]))
      : h("p", { class: "muted" }, t("console.vote.none")));
    if (focused && focused.isConnected && document.activeElement !== focused) focused.focus({ preventScroll: true });
  }

  button(label, name, args, question = null, primary = false, waitingFor = null) {
    return h("button", {
      type: "button", class: primary ? "btn primary" : "btn",
      disabled: Boolean(waitingFor), "aria-describedby": waitingFor,
      onclick: async () => {
        if (question && !(await this.ask(question))) return;
        this.act(name, args);
      },
    }, label);
  }

  card(vote, turnout) {
    const id = { vote_id: vote.id };
    const actions = [];
    const lines = [];
    const election = vote.kind === "election";
    if (vote.status === "draft" || vote.status === "checking") {
      if (election) lines.push(this.committee(vote));
      // An election waits for its ballot box's key: the steps before it say so, not a refusal.
      const waiting = election && !(vote.committee && vote.committee.key) ? `wait-${vote.id}` : null;
      if (waiting) lines.push(h("p", { id: waiting, class: "muted" }, t("console.vote.needKey")));
      if (vote.status === "draft") actions.push(this.button(t("console.vote.check"), "start_presence_check", id, null, false, waiting));
      actions.push(this.button(t(election ? "console.vote.openElection" : "console.vote.open"), "open_vote", id,
        t("console.vote.confirmOpen").replace("{title}", vote.title), true, waiting));
      actions.push(this.button(t("console.vote.withdraw"), "withdraw_vote", id,
        t("console.vote.confirmWithdraw").replace("{title}", vote.title)));
    }
    if (turnout) {
      lines.push(h("p", { class: "vote-turnout" }, vote.status === "checking"
        ? t("console.vote.confirmed").replace("{n}", turnout.confirmed)
        : t("console.vote.cast").replace("{cast}", turnout.cast).replace("{issued}", turnout.issued ?? 0)));
      if (turnout.totals) {
        lines.push(h("p", { class: "vote-totals" }, ["for", "against", "abstain"]
          .map((c, i) => `${t(`vote.choice.${c}`)}: ${turnout.totals[i]}`).join(" · ")));
      }
    }
    if (vote.status === "open") {
      actions.push(this.button(t("console.vote.close"), "close_vote", id,
        t("console.vote.confirmClose").replace("{title}", vote.title), true));
    }
    if (vote.status === "closed" && election && vote.committee) {
      const opened = vote.committee.members.filter((m) => m.decrypted).length;
      lines.push(h("p", {}, t("console.vote.waitingCommittee")
        .replace("{n}", opened).replace("{k}", vote.committee.threshold)));
    }
    if (vote.result) lines.push(this.result(vote));
    if (vote.status === "counted") {
      actions.push(this.button(t("console.vote.publish"), "publish_result", id,
        t("console.vote.confirmPublish").replace("{title}", vote.title), true));
    }
    return h("article", { class: "vote-card", dataset: { status: vote.status }, "aria-labelledby": `vc-${vote.id}` },
      h("h3", { id: `vc-${vote.id}` }, vote.title,
        h("span", { class: "vote-status" }, ` · ${t(`console.vote.status.${vote.status}`)}`)),
      lines, h("div", { class: "vote-actions" }, actions));
  }

  committee(vote) {
    const committee = vote.committee;
    if (!committee) return this.committeeForm(vote);
    this.committees.delete(vote.id);
    const ready = committee.members.filter((m) => m.confirmed).length;
    const names = committee.members.map((m) => m.name || m.delegate_id).join(", ");
    return h("div", { class: "vote-committee-state" },
      h("p", {}, t("console.vote.committeeOf").replace("{names}", names)
        .replace("{k}", committee.threshold).replace("{n}", committee.members.length)),
      h("p", {}, committee.key
        ? t("console.vote.keyReady")
        : t("console.vote.keyPending").replace("{n}", ready).replace("{total}", committee.members.length)));
  }

  // The committee's members picked from the roll, and how many of them open the totals.
  // Built once per vote (and language) and kept across renders: a half-made pick, the
  // search typed and the focus survive every event that arrives meanwhile.
  committeeForm(vote) {
    const kept = this.committees.get(vote.id);
    if (kept && kept.lang === lang()) {
      kept.picker.refresh();
      return kept.element;
    }
    const id = `committee-${vote.id}`;
    const made = { lang: lang(), picker: null, thresholdChosen: kept ? kept.thresholdChosen : false, element: null };
    const threshold = h("select", { id: `${id}-k`, onchange: () => { made.thresholdChosen = true; } });
    const why = h("p", { id: `${id}-why`, class: "muted" });
    const submit = h("button", { type: "submit", class: "btn primary", "aria-describedby": `${id}-why` },
      t("console.vote.setCommittee"));
    const drawThreshold = (chosen) => {
      const n = chosen.length;
      const before = Number(threshold.value);
      replace(threshold, n
        ? Array.from({ length: n }, (_, i) => h("option", { value: String(i + 1) },
          t("console.vote.kOfN").replace("{k}", i + 1).replace("{n}", n)))
        : h("option", { value: "" }, t("console.vote.kNone")));
      // A majority of the members unless the chair chose otherwise (and it still fits).
      threshold.value = String(made.thresholdChosen && before >= 1 && before <= n ? before : Math.floor(n / 2) + 1);
      threshold.disabled = n === 0;
      submit.disabled = n === 0;
      why.textContent = n === 0 ? t("console.vote.pickFirst") : "";
      why.hidden = n !== 0;
    };
    const picker = new RollPicker({
      id, legend: t("console.vote.committeePick"), roll: () => this.hub.view.roll, limit: MAX_COMMITTEE,
      onChange: drawThreshold,
    });
    made.picker = picker;
    // A language switch rebuilds the form: the members picked so far stay picked.
    if (kept) for (const member of kept.picker.chosen) picker.toggle(member, true);
    if (kept && kept.thresholdChosen) threshold.value = kept.threshold.value;
    made.threshold = threshold;
    made.element = h("form", {
      class: "vote-committee",
      onsubmit: async (event) => {
        event.preventDefault();
        if (!picker.chosen.length) return;
        await this.act("set_committee", {
          vote_id: vote.id, members: [...picker.chosen], threshold: Number(threshold.value),
        });
      },
    }, picker.element,
    field(`${id}-k`, t("console.vote.committeeThreshold"), threshold),
    why, h("div", { class: "vote-actions" }, submit));
    drawThreshold(picker.chosen);
    this.committees.set(vote.id, made);
    return made.element;
  }

  result(vote) {
    const result = vote.result;
    if (vote.kind === "question") {
      const [yes, no, abstain] = result.counts;
      return h("p", { class: "vote-result" },
        `${t(result.passed ? "board.vote.passed" : "board.vote.notPassed")} — ${t("vote.choice.for")}: ${yes}, `
        + `${t("vote.choice.against")}: ${no}, ${t("vote.choice.abstain")}: ${abstain} (${t("board.vote.base").replace("{n}", result.base)})`);
    }
    const elected = new Set(result.elected);
    const tied = new Set(result.tied);
    return h("table", { class: "vote-result-table" },
      h("caption", {}, t("board.vote.base").replace("{n}", result.base)),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("committee.candidate")),
        h("th", { scope: "col" }, t("committee.votes")), h("th", { scope: "col" }, t("committee.elected")))),
      h("tbody", {}, vote.candidates.map((c, i) => h("tr", {}, h("td", {}, c.name),
        h("td", {}, String(result.counts[i])),
        h("td", {}, elected.has(c.id) ? t("committee.yes") : tied.has(c.id) ? t("console.vote.tied") : "")))));
  }
}
