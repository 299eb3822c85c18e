// The delegate tablet's service worker: pages and texts from the signed-in delegate's cache.
// Served at /delegate/sw.js (scope /delegate/). It answers only from two kinds of cache:
// the shell (the display's own public files, the same for everyone) and the cache of the
// delegate the page has recorded as signed in; never from any other delegate's cache.

const SHELL = "congress-shell";
// Who is signed in: {key, token} (both hashes), written by offline.js.
const WHO = "congress-who";
const WHO_ENTRY = "/delegate/offline/who";
const DELEGATE_PREFIX = "congress-delegate-";
// A page image or a page's text: the same bytes for good at a given address (the version
// is in the path), so read from the tablet before the network.
const PAGE = /^\/api\/rooms\/[^/]+\/documents\/[^/]+\/versions\/\d+\/pages\/\d+(\.webp|\/text)$/;
// A shell file the hub does not answer within this is taken from the tablet: a Wi-Fi that
// dropped may leave a request hanging rather than failing.
const SHELL_WAIT_MS = 4000;

self.addEventListener("install", () => {
  self.skipWaiting();
});

self.addEventListener("activate", (event) => {
  // The page that registered the worker is served by it at once, not at its next load.
  event.waitUntil(self.clients.claim());
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (PAGE.test(url.pathname)) {
    event.respondWith(documentPage(request, url));
  } else if (url.pathname === "/delegate/" || url.pathname.startsWith("/static/")) {
    event.respondWith(shellFile(request, url));
  }
  // Everything else (sign-in, the documents list, search, the socket) goes to the hub.
});

async function signedIn() {
  const answer = await (await caches.open(WHO)).match(WHO_ENTRY);
  if (!answer) return null;
  try {
    const who = await answer.json();
    return typeof who.key === "string" && /^[0-9a-f]{32}$/.test(who.key) ? who : null;
  } catch {
    return null;
  }
}

async function documentPage(request, url) {
  const who = await signedIn();
  // Nobody recorded as signed in (signing in, signed out, refused): the hub answers alone.
  if (!who) return fetch(request);
  const cache = await caches.open(DELEGATE_PREFIX + who.key);
  const kept = await cache.match(url.href, { ignoreVary: true });
  if (kept) return kept;
  const answer = await fetch(request);
  // Only a whole page: never a 503 "preparing", a refusal, or an opaque answer.
  if (answer.status === 200 && answer.type === "basic") {
    const still = await signedIn();
    // Signed out or changed delegate while the page travelled: it is not kept for anyone.
    if (still && still.key === who.key) {
      try {
        await cache.put(url.href, answer.clone());
      } catch {
        // Storage full or the cache deleted meanwhile: the page is still shown.
      }
    }
  }
  return answer;
}

async function shellFile(request, url) {
  const cache = await caches.open(SHELL);
  const key = url.pathname === "/delegate/" ? "/delegate/" : url.href;
  try {
    const answer = await withDeadline(fetch(request), SHELL_WAIT_MS);
    if (answer.status === 200 && answer.type === "basic") {
      cache.put(key, answer.clone()).catch(() => {});
    }
    return answer;
  } catch (failure) {
    const kept = await cache.match(key, { ignoreVary: true });
    if (kept) return kept;
    throw failure;
  }
}

function withDeadline(promise, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no answer in time")), ms);
    promise.then(
      (value) => { clearTimeout(timer); resolve(value); },
      (error) => { clearTimeout(timer); reject(error); },
    );
  });
}
