// Small helpers the three screens share: building elements, countdowns, clocks.
import { hasString, lang, t } from "./i18n.js";

export const $ = (id) => document.getElementById(id);

// h("div", {class: "x", onclick: f}, child, "text", ...) -> element
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(element.dataset, value);
    else element.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

export function replace(container, ...children) {
  container.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined));
}

// The instant a countdown is read at: the server's now, but during a break the instant the
// break began (docs/protocol.md §11: the countdown stands still at `since`; resuming gives
// the speaker the break's time back, so the same reading goes on from there).
export function countdownNow(session, serverNow) {
  if (!session || session.status !== "suspended" || typeof session.since !== "number") return serverNow;
  return Math.min(serverNow, session.since);
}

// Seconds left for the speaker now (negative when over time), on the server's clock; with
// the view's `session`, standing still during a break. Never more than the time given: a
// screen whose estimate of the server's clock runs a little behind would otherwise show
// 2:01 for a two-minute point of order.
export function secondsLeft(floor, serverNow, session = null) {
  const at = countdownNow(session, serverNow);
  const left = Math.ceil((floor.granted_at + floor.allowed_seconds * 1000 - at) / 1000);
  return Math.min(left, floor.allowed_seconds);
}

export function formatSeconds(seconds) {
  const sign = seconds < 0 ? "−" : "";
  const value = Math.abs(seconds);
  return `${sign}${Math.floor(value / 60)}:${String(value % 60).padStart(2, "0")}`;
}

// "ok", "warning" (last 30 s) or "over": the countdown's colour on every screen.
export function countdownState(seconds) {
  if (seconds < 0) return "over";
  if (seconds <= 30) return "warning";
  return "ok";
}

// The clock in the screen's language: Vietnamese, or English with the hall's 24 hours.
export function clockText(serverNow) {
  const locale = lang() === "en" ? "en-GB" : "vi-VN";
  return new Date(serverNow).toLocaleTimeString(locale, { hour: "2-digit", minute: "2-digit" });
}

export function kindLabel(kind) {
  return t(`kind.${kind}`);
}

// The announcements still valid at the server's now (protocol §6: screens hide expired ones).
export function liveAnnouncements(view, serverNow) {
  return (view.announcements || []).filter((a) => a.expires_at > serverNow);
}

export function currentItem(view) {
  const agenda = view.agenda;
  if (!agenda || !agenda.current) return null;
  return agenda.items.find((item) => item.id === agenda.current) || null;
}

// A banner for the connection's state, always visible, never in the way.
// Marked for translate() too, so a switch of language re-words it at once.
export function statusBadge(element, status) {
  element.dataset.status = status;
  element.dataset.i18n = `status.${status}`;
  element.textContent = t(`status.${status}`);
}

// Sets an element's text only when it changed: a live region speaks each change once, not
// at every render.
export function setText(element, text) {
  if (element.textContent !== text) element.textContent = text;
}

// What to tell a person when the hub refused: the refusal's `reason` (why the rules said
// no), else its code (an error frame's `code`, an HTTP refusal's `error`), translated; the
// hub's English `message` only when the screens have no string for either.
export function describeRefusal(error) {
  const refusal = error || {};
  if (refusal.reason && hasString(`reason.${refusal.reason}`)) return t(`reason.${refusal.reason}`);
  const code = refusal.code ?? refusal.error;
  if (code !== undefined && code !== null && hasString(`error.${code}`)) return t(`error.${code}`);
  return refusal.message || t("error.unknown");
}

// A short message in the corner: what the hub answered to the last action.
export function toast(text, kind = "") {
  const element = $("toast");
  // A refusal interrupts a screen reader; the rest waits its turn.
  element.setAttribute("aria-live", kind === "error" ? "assertive" : "polite");
  element.textContent = text;
  element.dataset.kind = kind;
  element.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { element.hidden = true; }, 3500);
}
