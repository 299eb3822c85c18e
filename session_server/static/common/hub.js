// The connection every screen shares: sign-in, hello, snapshot + events, resume, clock.
// It follows docs/protocol.md; the view is kept exactly as the server sends it.
import { decode, encode } from "../vendor/msgpack/index.mjs";

// Close codes after which reconnecting cannot help (docs/protocol.md §9); kept on one line,
// tests/protocol/test_stop_codes.py checks it against the registry's.
export const STOP_CODES = [1000, 1002, 1007, 1009, 4001, 4002, 4003, 4004, 4009, 4010, 4011, 4012];
const PROTOCOL_VERSION = 2;

export class Hub {
  constructor({ token, onChange = () => {}, onStatus = () => {}, maxBackoffMs = 10000 }) {
    this.token = token;
    this.onChange = onChange;
    this.onStatus = onStatus;
    this.maxBackoffMs = maxBackoffMs;
    this.session = null; // {role, room, delegate_id, label} from POST /api/session
    this.seq = null;
    // A sync was sent and its snapshot has not arrived: events until then are ignored.
    this.syncing = false;
    this.view = {};
    this.you = null;
    this.offsetMs = 0;
    this.bestRoundTrip = Infinity;
    this.status = "connecting";
    this.pending = new Map();
    this.attempt = 0;
    this.socket = null;
    this.stopped = false;
    this.nextId = 1;
  }

  // The server's clock now, as every screen computes it (protocol §3.4).
  now() {
    return Date.now() + this.offsetMs;
  }

  // `session`: the answer of an earlier signIn, when the caller had to check it first.
  async start(session = null) {
    this.session = session || (await signIn(this.token));
    this.connect();
    setInterval(() => this.ping(), 15000);
    return this.session;
  }

  setStatus(status, detail = "") {
    this.status = status;
    this.onStatus(status, detail);
  }

  connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}/ws`);
    socket.binaryType = "arraybuffer";
    this.socket = socket;
    // A sync sent on a lost connection is never answered.
    this.syncing = false;
    let sentAt = 0;
    socket.onopen = () => {
      sentAt = Date.now();
      this.send({
        type: "hello",
        v: PROTOCOL_VERSION,
        token: this.token,
        room: this.session.room,
        last_seq: this.seq,
        client: navigator.userAgent.slice(0, 120),
      });
    };
    socket.onmessage = (message) => {
      const frame = decode(new Uint8Array(message.data));
      if (frame.type === "welcome") {
        this.sample(frame.server_time, sentAt, Date.now());
        this.attempt = 0;
        this.setStatus("live");
      }
      this.receive(frame);
    };
    socket.onclose = (closed) => {
      for (const [, waiter] of this.pending) waiter.reject(new Error("connection lost"));
      this.pending.clear();
      if (this.stopped || STOP_CODES.includes(closed.code)) {
        this.setStatus("stopped", String(closed.code));
        return;
      }
      this.setStatus("reconnecting");
      // Jittered backoff: after a hub restart 500 tablets must not knock at once.
      const ceiling = Math.min(this.maxBackoffMs, 500 * 2 ** this.attempt);
      this.attempt += 1;
      setTimeout(() => this.connect(), ceiling / 2 + Math.random() * (ceiling / 2));
    };
  }

  sample(serverTime, sentAt, receivedAt) {
    const roundTrip = receivedAt - sentAt;
    if (roundTrip <= this.bestRoundTrip) {
      this.bestRoundTrip = roundTrip;
      this.offsetMs = serverTime - (sentAt + receivedAt) / 2;
    }
  }

  receive(frame) {
    switch (frame.type) {
      case "snapshot":
        this.syncing = false;
        this.view = frame.state;
        this.seq = frame.seq;
        this.onChange(this);
        break;
      case "event":
        // Already applied, or the snapshot on its way will hold it.
        if (this.syncing || (this.seq !== null && frame.seq <= this.seq)) return;
        if (this.seq !== null && frame.prev > this.seq) {
          // A frame was missed: ask once for the whole view again (protocol §10.2).
          this.syncing = true;
          this.send({ type: "sync" });
          return;
        }
        this.view = rebuild(this.view, frame);
        this.seq = frame.seq;
        this.onChange(this);
        break;
      case "you":
        this.you = frame.you;
        this.onChange(this);
        break;
      case "ack":
      case "error": {
        const waiter = this.pending.get(frame.id);
        if (waiter) {
          this.pending.delete(frame.id);
          if (frame.type === "ack") waiter.resolve(frame);
          // The code and reason, for describeRefusal (ui.js): screens show translated text.
          else waiter.reject(Object.assign(new Error(frame.message), { code: frame.code, reason: frame.reason ?? null }));
        }
        break;
      }
      case "pong":
        if (typeof frame.t === "number") this.sample(frame.server_time, frame.t, Date.now());
        break;
      default:
        break;
    }
  }

  send(message) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) {
      this.socket.send(encode(message));
      return true;
    }
    return false;
  }

  ping() {
    this.send({ type: "ping", t: Date.now() });
  }

  // A command; resolves with the ack, rejects with the hub's error (its `code` attached).
  command(name, args = {}) {
    const id = `${Date.now().toString(36)}-${(this.nextId++).toString(36)}`;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (!this.send({ type: "command", id, name, args })) {
        this.pending.delete(id);
        reject(Object.assign(new Error("offline"), { code: "offline" }));
      }
    });
  }
}

// The view after an event frame (protocol §5, event): the sections in `set` replaced
// whole, then each `edit` applied in order. Every map and list an edit reaches is copied
// first, so a screen holding an earlier part of the view never sees it change under it.
export function rebuild(view, frame) {
  const next = { ...view, ...frame.set };
  for (const edit of frame.edit) {
    const path = edit.path;
    let parent = next;
    for (const key of path.slice(0, -1)) {
      parent[key] = { ...parent[key] };
      parent = parent[key];
    }
    const last = path[path.length - 1];
    if (edit.op === "set") {
      parent[last] = edit.value;
    } else if (edit.op === "append") {
      parent[last] = [...parent[last], ...edit.items];
    } else if (edit.op === "splice") {
      const items = [...parent[last]];
      items.splice(edit.at, edit.remove, ...edit.insert);
      parent[last] = items;
    } else {
      throw new Error(`unknown edit op ${edit.op}`);
    }
  }
  return next;
}

// Every request that changes something carries this header: a page of another site (or of
// another port of this host) cannot set it, so the hub knows the change comes from its own
// page (docs/protocol.md §14).
export const CHANGE_HEADERS = Object.freeze({ "X-Congress-Request": "1" });

// Exchanges the token for the cookie page images are fetched with; returns who we are.
export async function signIn(token) {
  const answer = await fetch("/api/session", {
    method: "POST",
    headers: { ...CHANGE_HEADERS, "Content-Type": "application/json" },
    body: JSON.stringify({ token }),
    credentials: "same-origin",
  });
  if (answer.status === 401) throw Object.assign(new Error("unauthorized"), { code: 401 });
  if (!answer.ok) throw new Error(`sign-in failed (${answer.status})`);
  return answer.json();
}

// Runs `start` (a sign-in, then the socket) until it succeeds: while the hub cannot be
// reached (it may be restarting) it waits `waitMs` and up to 2 s more, calling `onWait`
// first. True once started; false as soon as the hub refuses the token (401), unless
// `retryRefused` (a gate board waits for ever).
export async function startWhenReachable(start, options = {}) {
  const { onWait = () => {}, waitMs = 2000, retryRefused = false } = options;
  for (;;) {
    try {
      await start();
      return true;
    } catch (error) {
      if (error.code === 401 && !retryRefused) return false;
      onWait();
      await new Promise((resolve) => setTimeout(resolve, waitMs + Math.random() * 2000));
    }
  }
}

// The token handed over in the address (#token=...), kept, then taken out of the address.
export function takeToken(storageKey) {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const fromAddress = fragment.get("token");
  if (fromAddress) {
    localStorage.setItem(storageKey, fromAddress);
    history.replaceState(null, "", location.pathname + location.search);
  }
  return localStorage.getItem(storageKey);
}

export function pageUrl(room, document, page, width) {
  const base = `/api/rooms/${encodeURIComponent(room)}/documents/${encodeURIComponent(document.id)}`;
  return `${base}/versions/${document.version}/pages/${page}.webp?width=${width}`;
}
