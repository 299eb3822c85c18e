// A vote on the gate board: what is being voted, the turnout, then the published result.
// Totals only: a board never holds anything about one delegate's vote (docs/protocol.md §6).
import { t } from "/static/common/i18n.js";
import { h, replace } from "/static/common/ui.js";

// The vote the board shows now: one in its presence check or open; else the last published
// one while the agenda item it was held under is still the current one.
export function voteOnBoard(view) {
  const votes = view.votes || [];
  const running = votes.find((v) => v.status === "checking" || v.status === "open");
  if (running) return running;
  const current = view.agenda && view.agenda.current;
  const published = votes.filter((v) => v.status === "published" && v.result && v.item === current);
  return published.length ? published[published.length - 1] : null;
}

function resultLines(vote) {
  const result = vote.result;
  if (vote.kind === "question") {
    const [yes, no, abstain] = result.counts;
    return [
      h("p", { class: "vote-verdict", dataset: { passed: result.passed ? "yes" : "no" } },
        t(result.passed ? "board.vote.passed" : "board.vote.notPassed")),
      h("ul", { class: "vote-counts" },
        h("li", {}, `${t("vote.choice.for")}: ${yes}`),
        h("li", {}, `${t("vote.choice.against")}: ${no}`),
        vote.allow_abstain ? h("li", {}, `${t("vote.choice.abstain")}: ${abstain}`) : null),
      h("p", { class: "vote-base" }, t("board.vote.base").replace("{n}", result.base)),
    ];
  }
  const byId = new Map(vote.candidates.map((c, index) => [c.id, { ...c, votes: result.counts[index] }]));
  return [
    h("h3", { class: "vote-subhead" }, t("board.vote.elected").replace("{n}", result.elected.length)),
    h("ol", { class: "vote-elected fit-list" }, result.elected.map((id) => {
      const c = byId.get(id);
      return h("li", {}, h("span", { class: "name" }, c.name),
        h("span", { class: "votes" }, t("board.vote.votes").replace("{n}", c.votes)));
    })),
    result.unfilled ? h("p", { class: "vote-base" }, t("board.vote.unfilled").replace("{n}", result.unfilled)) : null,
    h("p", { class: "vote-base" }, t("board.vote.base").replace("{n}", result.base)),
  ];
}

export function renderVote(vote, turnout, element) {
  // A published result is no longer "in progress": the heading says it is the result.
  const done = vote.status === "published";
  const heading = h("h2", { id: "vote-label" }, t(vote.kind === "election"
    ? (done ? "board.vote.electionResult" : "board.vote.election")
    : (done ? "board.vote.questionResult" : "board.vote.question")));
  const title = h("div", { class: "key vote-title" }, vote.title);
  let body;
  if (vote.status === "published") {
    body = resultLines(vote);
  } else if (vote.status === "checking") {
    body = [h("p", { class: "vote-turnout" }, t("board.vote.checking").replace("{n}", turnout ? turnout.confirmed : 0))];
  } else {
    const cast = turnout ? turnout.cast : 0;
    const issued = turnout && turnout.issued !== null ? turnout.issued : 0;
    body = [
      h("p", { class: "vote-turnout key" }, `${cast} / ${issued}`),
      h("p", { class: "vote-base" }, t("board.vote.turnout")),
      turnout && turnout.totals && vote.kind === "question"
        ? h("ul", { class: "vote-counts" }, ["for", "against", "abstain"].map((choice, index) =>
          (choice === "abstain" && !vote.allow_abstain) ? null
            : h("li", {}, `${t(`vote.choice.${choice}`)}: ${turnout.totals[index]}`)))
        : null,
    ];
  }
  replace(element, h("section", { class: "panel vote-panel", "aria-labelledby": "vote-label", "aria-live": "polite" },
    heading, title, body));
}
