// The tablet that holds its documents: the service worker, the per-delegate cache, the last
// view kept for a start with no network, and search with the hub away ("preparing" pages: preparing.js).
import { CHANGE_HEADERS, pageUrl, signIn } from "/static/common/hub.js";
import { retryAfter } from "/static/display/preparing.js";

// The viewer's "preparing" state lives beside the hall's (preparing.js); delegate.js takes it
// from here.
export { preparing } from "/static/display/preparing.js";

// The names sw.js reads: keep them the same on both sides.
const WHO = "congress-who";
const WHO_ENTRY = "/delegate/offline/who";
const SHELL = "congress-shell";
const DELEGATE_PREFIX = "congress-delegate-";
// The last view the hub sent, inside the delegate's own cache: it goes with it.
const STATE_ENTRY = "/delegate/offline/state";
const TOKEN_KEY = "congress.delegate.token";
const WIDTH = 2048;
// A page the hub keeps preparing is left for the next round after this many asks.
const PREFETCH_TRIES = 8;
const SEARCH_WAIT_MS = 6000;
const SEARCH_LIMIT = 50;
const SNIPPET_AROUND = 60;
// How long the live page may take before the background fetching starts anyway.
const LIVE_PAGE_WAIT_MS = 10000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Service workers and the Cache API exist only in a secure context (HTTPS, or localhost);
// elsewhere the display works as it always has, online only.
export function offlineSupported() {
  return Boolean(window.isSecureContext && "serviceWorker" in navigator && "caches" in window
    && window.crypto && crypto.subtle);
}

async function sha256Hex(text) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

// The name of a delegate's cache: a hash of the room and the delegate id the hub gave,
// never the token (which stays a secret even to someone reading the browser's storage).
export async function delegateKey(room, delegateId) {
  return (await sha256Hex(`congress-delegate\n${room}\n${delegateId}`)).slice(0, 32);
}

async function readWho() {
  const answer = await (await caches.open(WHO)).match(WHO_ENTRY);
  if (!answer) return null;
  try {
    return await answer.json();
  } catch {
    return null;
  }
}

async function writeWho(who) {
  await (await caches.open(WHO)).put(WHO_ENTRY, jsonResponse(who));
}

async function clearWho() {
  await (await caches.open(WHO)).delete(WHO_ENTRY);
}

function jsonResponse(value) {
  return new Response(JSON.stringify(value), { headers: { "Content-Type": "application/json" } });
}

// Deletes every delegate's cache (with the state inside) but `keep`'s.
async function deleteDelegateCaches(keep = null) {
  for (const name of await caches.keys()) {
    if (name.startsWith(DELEGATE_PREFIX) && name !== DELEGATE_PREFIX + keep) await caches.delete(name);
  }
}

function setMark(state, counted = null) {
  const root = document.documentElement;
  root.dataset.offline = state;
  if (counted) root.dataset.offlinePages = counted;
}

function textUrl(room, doc, page) {
  const base = `/api/rooms/${encodeURIComponent(room)}/documents/${encodeURIComponent(doc.id)}`;
  return `${base}/versions/${doc.version}/pages/${page}/text`;
}

// Plain text folded as the hub's search folds it (session_server/documents/search_index.py):
// lower case, no diacritics, đ as d, runs of spacing as one space; with, for each folded
// character, where it came from in the text.
function foldChar(character) {
  const plain = character === "đ" ? "d" : character === "Đ" ? "D" : character;
  return plain.normalize("NFD").replace(/\p{Mn}/gu, "").toLowerCase();
}

function foldWithOrigin(text) {
  let folded = "";
  const origin = [];
  let index = 0;
  for (const character of text) {
    if (/\s/.test(character)) {
      if (folded.length && !folded.endsWith(" ")) {
        folded += " ";
        origin.push(index);
      }
    } else {
      for (const piece of foldChar(character)) {
        folded += piece;
        for (let i = 0; i < piece.length; i += 1) origin.push(index);
      }
    }
    index += character.length;
  }
  return { folded, origin };
}

export function foldPhrase(text) {
  return foldWithOrigin(text.trim()).folded.trim();
}

// The page's snippet around [start, end), as the hub makes it.
function snippet(text, start, end) {
  const left = Math.max(0, start - SNIPPET_AROUND);
  const right = Math.min(text.length, end + SNIPPET_AROUND);
  const middle = text.slice(left, right).split(/\s+/).filter(Boolean).join(" ");
  return (left ? "…" : "") + middle + (right < text.length ? "…" : "");
}

// Where `phrase` (folded) first occurs in `text`, as the hub's search finds it; or null.
export function findPhrase(text, phrase) {
  const { folded, origin } = foldWithOrigin(text);
  const at = folded.indexOf(phrase);
  if (at < 0) return null;
  return snippet(text, origin[at], origin[at + phrase.length - 1] + 1);
}

export class OfflineTablet {
  constructor(hub, token) {
    this.hub = hub;
    this.token = token;
    this.key = null; // the signed-in delegate's cache key, once the hub said who it is
    this.restored = false;
    this.wanted = false;
    this.running = false;
    this.interrupted = false;
    this.saving = null;
    this.documentsSeen = "";
    this.enabled = offlineSupported();
    setMark(this.enabled ? "waiting" : "off");
    this.registered = this.enabled ? this.register() : Promise.resolve(false);
  }

  async register() {
    try {
      await navigator.serviceWorker.register("/delegate/sw.js", { scope: "/delegate/" });
      return true;
    } catch {
      this.enabled = false;
      setMark("off");
      return false;
    }
  }

  async tokenHash() {
    return sha256Hex(`congress-token\n${this.token}`);
  }

  // The sign-in (the hub's answer says which delegate), then the hub's socket. Before it,
  // a record of another token's delegate is dropped, so the worker serves nobody's pages;
  // after it, every other delegate's cache goes and this one's is recorded for the worker.
  async start() {
    if (!(await this.registered)) return this.hub.start();
    const tokenHash = await this.tokenHash();
    const who = await readWho();
    if (who && who.token !== tokenHash) await clearWho();
    let session;
    try {
      session = await signIn(this.token);
    } catch (error) {
      if (error.code === 401) await this.refused();
      throw error;
    }
    if (session.role === "delegate" && session.delegate_id) {
      const key = await delegateKey(session.room, session.delegate_id);
      await deleteDelegateCaches(key);
      await writeWho({ key, token: tokenHash });
      this.key = key;
    } else {
      await this.forget();
    }
    await this.hub.start(session);
    if (this.key) this.followInBackground();
    return session;
  }

  // With no hub to sign in to: the last view this token's delegate was sent, if kept. True
  // when it was put in place (the caller draws it).
  async restore() {
    if (!(await this.registered) || this.restored) return false;
    const who = await readWho();
    if (!who || who.token !== (await this.tokenHash())) return false;
    const kept = await (await caches.open(DELEGATE_PREFIX + who.key)).match(STATE_ENTRY);
    if (!kept) return false;
    const state = await kept.json().catch(() => null);
    // The hub answered meanwhile: its view, not the kept one.
    if (!state || this.hub.seq !== null || this.hub.view.session) return false;
    this.hub.session = this.hub.session || state.session;
    this.hub.view = state.view;
    this.hub.you = state.you;
    this.restored = true;
    return true;
  }

  // After each change from the hub: the view kept (at most once a second), and new
  // documents or versions fetched.
  remember() {
    if (!this.key) return;
    if (!this.saving) {
      this.saving = setTimeout(() => {
        this.saving = null;
        this.save().catch(() => {});
      }, 1000);
    }
    const documents = (this.hub.view.documents || []).map((d) => `${d.id}@${d.version}`).join(",");
    if (documents !== this.documentsSeen && this.documentsSeen) this.want();
    this.documentsSeen = documents;
  }

  async save() {
    const key = this.key;
    if (!key || !this.hub.view.session) return;
    const who = await readWho();
    if (!who || who.key !== key) return;
    const state = { session: this.hub.session, view: this.hub.view, you: this.hub.you, saved_at: Date.now() };
    await (await caches.open(DELEGATE_PREFIX + key)).put(STATE_ENTRY, jsonResponse(state));
  }

  // The hub's connection changed: a refused token (4003 unknown or revoked, 4010 revoked
  // while connected) clears everything; back live, an interrupted fetching goes on.
  status(status, detail) {
    if (status === "stopped" && (detail === "4003" || detail === "4010")) {
      this.refused().catch(() => {});
    } else if (status === "live" && this.interrupted && this.key) {
      this.interrupted = false;
      this.want();
    }
  }

  async refused() {
    await this.forget();
    if (this.restored) {
      // What was drawn from the kept view is no longer this tablet's to show.
      this.hub.view = {};
      this.hub.you = null;
    }
  }

  // Every delegate's cache and kept view, and the record of who is signed in.
  async forget() {
    this.key = null;
    clearTimeout(this.saving);
    this.saving = null;
    if (!("caches" in window)) return;
    await clearWho();
    await deleteDelegateCaches();
  }

  async signOut() {
    await this.forget().catch(() => {});
    localStorage.removeItem(TOKEN_KEY);
    await fetch("/api/session", { method: "DELETE", headers: CHANGE_HEADERS, credentials: "same-origin" })
      .catch(() => {});
    location.replace("/delegate/");
  }

  // The hub's search; with the hub away, the same search over the texts on the tablet.
  async search(doc, query) {
    const room = this.hub.session.room;
    const url = `/api/rooms/${encodeURIComponent(room)}/documents/${encodeURIComponent(doc.id)}/search?q=${encodeURIComponent(query)}`;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), SEARCH_WAIT_MS);
    let answer = null;
    try {
      answer = await fetch(url, { credentials: "same-origin", signal: controller.signal });
    } catch {
      // Unreachable: searched on the tablet below.
    } finally {
      clearTimeout(timer);
    }
    // 502-504: a proxy in front of a hub that is down; searched on the tablet too.
    if (answer && (answer.status < 502 || answer.status > 504)) {
      if (answer.ok) return (await answer.json()).results;
      // A refusal (a search too many, a document gone): the screen says why.
      throw Object.assign(new Error("refused"), { refusal: await answer.json().catch(() => ({})) });
    }
    return this.searchKept(room, doc, query);
  }

  async searchKept(room, doc, query) {
    const phrase = foldPhrase(query.slice(0, 200));
    if (!this.key || !phrase || !doc.version) return [];
    const cache = await caches.open(DELEGATE_PREFIX + this.key);
    const results = [];
    for (let page = 1; page <= doc.pages && results.length < SEARCH_LIMIT; page += 1) {
      const kept = await cache.match(textUrl(room, doc, page), { ignoreVary: true });
      if (!kept) continue;
      const { text } = await kept.json();
      const found = findPhrase(text, phrase);
      if (found !== null) results.push({ page, snippet: found });
    }
    return results;
  }

  // Once the worker serves this page and the live page has been shown (or has not come in
  // time): the display's own files kept, then every document page fetched in the background.
  async followInBackground() {
    if (!(await this.controlled())) {
      setMark("off");
      return;
    }
    await this.keepShell();
    await this.livePageShown();
    this.documentsSeen = (this.hub.view.documents || []).map((d) => `${d.id}@${d.version}`).join(",");
    this.want();
  }

  async controlled() {
    if (navigator.serviceWorker.controller) return true;
    await Promise.race([
      new Promise((resolve) => navigator.serviceWorker.addEventListener("controllerchange", resolve, { once: true })),
      sleep(LIVE_PAGE_WAIT_MS),
    ]);
    return Boolean(navigator.serviceWorker.controller);
  }

  // The page and every file of this origin it loaded, for a start with no network.
  async keepShell() {
    const cache = await caches.open(SHELL);
    const files = performance.getEntriesByType("resource").map((entry) => new URL(entry.name))
      .filter((url) => url.origin === location.origin && url.pathname.startsWith("/static/"))
      .map((url) => url.href);
    for (const file of ["/delegate/", ...new Set(files)]) {
      await cache.add(file).catch(() => {});
    }
  }

  async livePageShown() {
    for (let waited = 0; waited < LIVE_PAGE_WAIT_MS; waited += 250) {
      const image = document.querySelector("#page img.page-image");
      if (image && image.complete && image.naturalWidth > 0) return;
      const shown = this.hub.view.document;
      if (this.hub.view.session && (!shown || shown.hidden)) return;
      await sleep(250);
    }
  }

  want() {
    this.wanted = true;
    this.kick();
  }

  async kick() {
    if (this.running) return;
    this.running = true;
    try {
      while (this.wanted && this.key) {
        this.wanted = false;
        await this.fetchAll();
      }
    } finally {
      this.running = false;
    }
  }

  // Every page image (the tablet's width) and text of every document the delegate may
  // read, one request at a time, the live document first; what the tablet holds is skipped.
  async fetchAll() {
    const key = this.key;
    const room = this.hub.session.room;
    setMark("fetching");
    let documents;
    try {
      const answer = await fetch(`/api/rooms/${encodeURIComponent(room)}/documents`, { credentials: "same-origin" });
      if (!answer.ok) throw new Error(String(answer.status));
      documents = (await answer.json()).documents;
    } catch {
      this.interrupted = true;
      return;
    }
    const live = this.hub.view.document && this.hub.view.document.id;
    documents.sort((a, b) => (b.id === live) - (a.id === live));
    const addresses = [];
    for (const doc of documents) {
      if (!doc.version) continue;
      for (let page = 1; page <= doc.pages; page += 1) {
        addresses.push(pageUrl(room, doc, page, WIDTH), textUrl(room, doc, page));
      }
    }
    const cache = await caches.open(DELEGATE_PREFIX + key);
    let held = 0;
    for (const address of addresses) {
      if (this.key !== key) return;
      if (await cache.match(address, { ignoreVary: true })) {
        held += 1;
        continue;
      }
      const outcome = await this.fetchOne(address);
      if (outcome === "stop") {
        this.interrupted = true;
        setMark("fetching", `${held}/${addresses.length}`);
        return;
      }
      if (outcome === "kept") held += 1;
      setMark("fetching", `${held}/${addresses.length}`);
    }
    setMark(held === addresses.length ? "ready" : "partial", `${held}/${addresses.length}`);
    // Pages still preparing (or refused) are asked again later, gently.
    if (held < addresses.length) setTimeout(() => this.want(), 60000);
  }

  // One address through the worker (which keeps a whole answer): "kept", "skip" (refused
  // for good, or still preparing after several asks) or "stop" (no network, or signed out).
  async fetchOne(address) {
    for (let tries = 0; tries < PREFETCH_TRIES; tries += 1) {
      let answer;
      try {
        answer = await fetch(address, { credentials: "same-origin" });
      } catch {
        return "stop";
      }
      if (answer.ok) {
        await answer.arrayBuffer();
        return "kept";
      }
      if (answer.status === 401) return "stop";
      if (answer.status !== 503 && answer.status !== 429) return "skip";
      // Preparing, or busy: back off as asked, never keep the refusal.
      await sleep(retryAfter(answer) * 1000);
      if (!this.key) return "stop";
    }
    return "skip";
  }
}
