// The counting committee's screen: a member's device makes its key share, checks the others'
// shares, and opens the totals with its share after the close (docs/voting.md). The secret
// parts stay on this device, in its storage, until the result is published.
import { sha256 } from "/static/vendor/noble/noble.mjs";
import {
  checkDealing, checkShare, deal, decryptShare, newSealKey, openSealed, seal, secretShare, shareFor,
} from "/static/common/committee.js";
import { contextOf } from "/static/common/group.js";
import { Hub, startWhenReachable, takeToken } from "/static/common/hub.js";
import { switchLanguage, t, translate } from "/static/common/i18n.js";
import { $, describeRefusal, h, replace, statusBadge } from "/static/common/ui.js";

const TOKEN_KEY = "congress.committee.token";
// The files a ballot's secrecy rests on: their fingerprint is compared with the release's.
const BALLOT_CODE = [
  "/static/common/group.js",
  "/static/common/ballot.js",
  "/static/common/committee.js",
  "/static/vendor/noble/noble.mjs",
];
let hub = null;
const busy = new Set(); // steps sent and not answered yet, by vote and step
const failures = new Map(); // vote id -> what went wrong on this device

const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
const unhex = (text) => Uint8Array.from(text.match(/../g) || [], (b) => parseInt(b, 16));
const encoder = new TextEncoder();

function secretsKey(voteId) {
  return `congress.committee.${hub.session.room}.${voteId}.${hub.session.delegate_id}`;
}

function loadSecrets(voteId) {
  const stored = localStorage.getItem(secretsKey(voteId));
  if (!stored) return null;
  const data = JSON.parse(stored);
  return {
    number: data.number,
    seal: { secret: unhex(data.seal_secret), public: unhex(data.seal_public) },
    coefficients: data.coefficients.map((c) => BigInt(`0x${c}`)),
    share: data.share ? BigInt(`0x${data.share}`) : null,
  };
}

function saveSecrets(voteId, secrets) {
  localStorage.setItem(secretsKey(voteId), JSON.stringify({
    number: secrets.number,
    seal_secret: hex(secrets.seal.secret),
    seal_public: hex(secrets.seal.public),
    coefficients: secrets.coefficients.map((c) => c.toString(16)),
    share: secrets.share === null ? null : secrets.share.toString(16),
  }));
}

const ceremonyOf = (voteId) => contextOf(hub.session.room, voteId, "committee");

function myMember(vote) {
  const committee = vote.committee;
  if (!committee) return null;
  return committee.members.find((m) => m.delegate_id === hub.session.delegate_id) || null;
}

async function step(vote, name, work) {
  const key = `${vote.id}:${name}`;
  if (busy.has(key)) return;
  busy.add(key);
  try {
    await work();
    failures.delete(vote.id);
  } catch (error) {
    // The hub's refusal by its code, in the screen's language (a check made here says its own).
    failures.set(vote.id, { code: error.code, reason: error.reason, message: error.message });
  } finally {
    busy.delete(key);
    render();
  }
}

async function join(vote, me) {
  const made = deal(me.number, vote.committee.threshold, ceremonyOf(vote.id));
  const secrets = { number: me.number, seal: newSealKey(), coefficients: made.secret.coefficients, share: null };
  saveSecrets(vote.id, secrets);
  await hub.command("join_committee", {
    vote_id: vote.id,
    seal_key: secrets.seal.public,
    commitments: made.dealing.commitments,
    proofs: made.dealing.proofs,
  });
}

async function deliver(vote, secrets) {
  const ceremony = ceremonyOf(vote.id);
  const polynomial = { member: secrets.number, coefficients: secrets.coefficients };
  const sealed = vote.committee.members.map((m) => (m.number === secrets.number
    ? new Uint8Array(0)
    : seal(shareFor(polynomial, m.number), m.seal_key, ceremony, secrets.number, m.number)));
  await hub.command("deliver_shares", { vote_id: vote.id, sealed });
}

async function confirm(vote, secrets) {
  const ceremony = ceremonyOf(vote.id);
  const polynomial = { member: secrets.number, coefficients: secrets.coefficients };
  const received = [shareFor(polynomial, secrets.number)];
  for (const dealer of vote.committee.members) {
    if (dealer.number === secrets.number) continue;
    const dealing = { member: dealer.number, commitments: dealer.commitments, proofs: dealer.proofs };
    checkDealing(dealing, vote.committee.threshold, ceremony);
    const share = openSealed(dealer.sealed[secrets.number - 1], secrets.seal, ceremony, dealer.number, secrets.number);
    checkShare(secrets.number, share, dealing);
    received.push(share);
  }
  saveSecrets(vote.id, { ...secrets, share: secretShare(received) });
  await hub.command("confirm_shares", { vote_id: vote.id });
}

async function decrypt(vote, secrets) {
  const ceremony = ceremonyOf(vote.id);
  const made = vote.tally.map((total, index) =>
    decryptShare(secrets.number, secrets.share, total, ceremony, contextOf("candidate", index)));
  await hub.command("submit_decryption", {
    vote_id: vote.id,
    shares: made.map((s) => s.value),
    proofs: made.map((s) => s.proof),
  });
}

// The ceremony's steps that need no decision run by themselves once their turn comes; the
// first (making the key share) and the last (opening the totals) wait for the member's tap.
function advance(vote) {
  const me = myMember(vote);
  const secrets = loadSecrets(vote.id);
  if (!me || !secrets || failures.has(vote.id)) return;
  const members = vote.committee.members;
  if (me.seal_key && !me.sealed.length && members.every((m) => m.seal_key)) {
    step(vote, "deliver", () => deliver(vote, secrets));
  } else if (me.sealed.length && !me.confirmed && members.every((m) => m.sealed.length)) {
    step(vote, "confirm", () => confirm(vote, secrets));
  }
}

function stepItem(text, state) {
  return h("li", { dataset: { state } }, text);
}

function electionCard(vote, turnout) {
  const me = myMember(vote);
  const committee = vote.committee;
  const members = committee.members;
  const secrets = loadSecrets(vote.id);
  const closed = ["closed", "counted", "published"].includes(vote.status);
  const states = {
    joined: me.seal_key ? "done" : "now",
    delivered: me.sealed.length ? "done" : me.seal_key ? "now" : "todo",
    confirmed: me.confirmed ? "done" : me.sealed.length ? "now" : "todo",
    key: committee.key ? "done" : "todo",
    // Only while the vote is closed: once counted, the members who sent no share are not due.
    decrypted: me.decrypted ? "done" : vote.status === "closed" ? "now" : "todo",
  };
  const card = h("article", { class: "card election", "aria-labelledby": `title-${vote.id}` },
    h("h2", { id: `title-${vote.id}` }, vote.title || t("committee.untitled")),
    h("p", {}, t("committee.member").replace("{n}", me.number).replace("{total}", members.length)
      .replace("{k}", committee.threshold)),
    h("ol", { class: "steps" },
      stepItem(t("committee.step.join"), states.joined),
      stepItem(t("committee.step.deliver"), states.delivered),
      stepItem(t("committee.step.confirm"), failures.has(vote.id) ? "failed" : states.confirmed),
      stepItem(t("committee.step.key"), states.key),
      stepItem(t("committee.step.decrypt"), states.decrypted)));
  if (failures.has(vote.id)) card.append(h("p", { class: "error", role: "alert" }, describeRefusal(failures.get(vote.id))));
  if (!me.seal_key) {
    card.append(h("button", { type: "button", class: "primary", onclick: () => step(vote, "join", () => join(vote, me)) },
      t("committee.makeShare")));
  } else if (closed && !me.decrypted && vote.tally && secrets && secrets.share !== null) {
    card.append(h("button", { type: "button", class: "primary", onclick: () => step(vote, "decrypt", () => decrypt(vote, secrets)) },
      t("committee.openTotals")));
  } else if (me.seal_key && !secrets) {
    card.append(h("p", { class: "error", role: "alert" }, t("committee.lostShare")));
  }
  if (turnout && turnout.issued !== null) {
    // The committee's check: ballots issued = ballots cast + ballots not cast.
    card.append(h("p", { class: "turnout" }, t("committee.turnout")
      .replace("{issued}", turnout.issued).replace("{cast}", turnout.cast)
      .replace("{missing}", turnout.issued - turnout.cast)));
  }
  if (vote.result) card.append(resultTable(vote));
  return card;
}

function resultTable(vote) {
  const elected = new Set(vote.result.elected);
  return h("table", { class: "result-table" },
    h("caption", {}, t("committee.result").replace("{base}", vote.result.base)),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("committee.candidate")),
      h("th", { scope: "col" }, t("committee.votes")), h("th", { scope: "col" }, t("committee.elected")))),
    h("tbody", {}, vote.candidates.map((c, index) => h("tr", {},
      h("td", {}, c.name), h("td", {}, String(vote.result.counts[index])),
      h("td", {}, elected.has(c.id) ? t("committee.yes") : "")))));
}

function render() {
  if (!hub || !hub.view.votes) return;
  const mine = hub.view.votes.filter((v) => v.kind === "election" && myMember(v));
  for (const vote of mine) advance(vote);
  replace($("elections"), mine.length
    ? mine.map((v) => electionCard(v, (hub.view.turnout || {})[v.id]))
    : h("p", { class: "card" }, t("committee.none")));
  // A published result closes the member's part: its secrets leave the device.
  for (const vote of mine) if (vote.status === "published") localStorage.removeItem(secretsKey(vote.id));
}

async function codeFingerprint() {
  const parts = [];
  for (const path of BALLOT_CODE) {
    const answer = await fetch(path, { cache: "no-store" });
    parts.push(encoder.encode(`${path}\n`), new Uint8Array(await answer.arrayBuffer()));
  }
  const joined = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) { joined.set(part, at); at += part.length; }
  return hex(sha256(joined).slice(0, 10)).toUpperCase().match(/.{4}/g).join("-");
}

async function begin(token) {
  hub = new Hub({ token, onChange: render, onStatus: (s) => statusBadge($("status"), s) });
  const started = await startWhenReachable(() => hub.start(), {
    onWait: () => statusBadge($("status"), "reconnecting"),
  });
  if (!started || hub.session.role !== "delegate") {
    localStorage.removeItem(TOKEN_KEY);
    hub = null;
    $("sign-in").hidden = false;
    $("sign-in-error").textContent = t("committee.refused");
    statusBadge($("status"), "stopped");
    return;
  }
  $("who").textContent = hub.session.label || hub.session.delegate_id;
}

function main() {
  translate(document);
  $("lang").addEventListener("click", () => { switchLanguage(); render(); });
  $("print").addEventListener("click", () => window.print());
  codeFingerprint().then((text) => { $("code-fingerprint").textContent = text; })
    .catch(() => { $("code-fingerprint").textContent = t("committee.fingerprintFailed"); });
  $("sign-in").addEventListener("submit", (event) => {
    event.preventDefault();
    const token = $("token").value.trim();
    localStorage.setItem(TOKEN_KEY, token);
    $("sign-in").hidden = true;
    begin(token);
  });
  const token = takeToken(TOKEN_KEY);
  if (token) begin(token);
  else {
    $("sign-in").hidden = false;
    statusBadge($("status"), "stopped");
  }
}

main();
