// A page image the hub is still preparing (503 "preparing" with Retry-After): shown as such,
// and asked again when the hub says; shared by the delegate's tablet and the hall's screens.
import { t } from "/static/common/i18n.js";
import { h, replace } from "/static/common/ui.js";

// A page "preparing" is asked again after Retry-After seconds, within these bounds: a hub
// asking for an hour must not leave the room before a blank frame.
const RETRY_MIN_S = 1;
const RETRY_MAX_S = 30;
const RETRY_DEFAULT_S = 5;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Seconds to wait from a 503's Retry-After (seconds; a date or nothing: the default).
export function retryAfter(answer) {
  const given = Number.parseInt(answer.headers.get("Retry-After") || "", 10);
  const seconds = Number.isFinite(given) ? given : RETRY_DEFAULT_S;
  return Math.min(RETRY_MAX_S, Math.max(RETRY_MIN_S, seconds));
}

// What the hub says of a page image now: {ready}, {wait: s} (preparing), or null (another
// failure). `ready` answers were read whole, so the browser (or the tablet's worker) has
// kept them.
async function probe(source) {
  let answer;
  try {
    answer = await fetch(source, { credentials: "same-origin" });
  } catch {
    return { wait: RETRY_MAX_S, unreachable: true };
  }
  if (answer.ok) {
    await answer.arrayBuffer();
    return { ready: true };
  }
  if (answer.status === 503) {
    const body = await answer.json().catch(() => ({}));
    if (body.error === "preparing") return { wait: retryAfter(answer) };
  }
  return null;
}

// Called when a page's image failed to load in `frame` (whose data-loading is `source` while
// it is the page wanted): when the hub answers "preparing", shows that in `frame` (announced,
// in place of the last page, which is not the one the screen says it shows) and calls
// `again` once the page can be had; true then. False for any other failure (the caller
// shows its own message). `placeholder`: the screen's own class for the message.
export async function preparing(frame, source, again, { placeholder = "placeholder" } = {}) {
  let state = await probe(source);
  // Ready at once yet the image failed: tried once more, not for ever.
  if (!state || state.unreachable || (state.ready && frame.dataset.retried === source)) return false;
  let tries = 0;
  while (!state.ready) {
    if (frame.dataset.loading !== source) return true;
    if (!frame.querySelector(".preparing")) {
      replace(frame, h("div", {
        class: `${placeholder} preparing`, role: "status", "aria-live": "polite",
        dataset: { i18n: "offline.preparing" },
      }, t("offline.preparing")));
    }
    // A hub that keeps asking is asked less often, within the cap.
    await sleep(Math.min(RETRY_MAX_S, state.wait + tries) * 1000);
    tries += 1;
    if (frame.dataset.loading !== source) return true;
    state = (await probe(source)) || { wait: RETRY_MAX_S };
  }
  if (frame.dataset.loading === source) {
    delete frame.dataset.loading;
    frame.dataset.retried = source;
    again();
  }
  return true;
}
