// The delegate's notices (floor given, request accepted, list closed or reopened, speech
// ended, last 30 s) and the count of unread announcements: derived from how the view changes.
import { t } from "/static/common/i18n.js";
import { $, countdownState, formatSeconds, secondsLeft } from "/static/common/ui.js";

// What of the speakers' section concerns this delegate, as comparable values.
export function personal(view, me) {
  const speakers = view.speakers;
  if (!speakers) return { item: null, floor: null, entry: null, closed: false };
  const floor = speakers.floor && speakers.floor.delegate_id === me ? speakers.floor : null;
  const entry = (speakers.queue || []).find((e) => e.delegate_id === me) || null;
  return {
    item: speakers.item,
    floor: floor && { granted_at: floor.granted_at, allowed_seconds: floor.allowed_seconds },
    entry: entry && { accepted: Boolean(entry.accepted) },
    closed: Boolean(speakers.closed),
  };
}

// The notices between two personal states, most important first.
export function noticesBetween(before, after) {
  const found = [];
  const was = before.floor;
  const is = after.floor;
  if (is && (!was || was.granted_at !== is.granted_at)) {
    found.push({ kind: "floor", urgent: true, detail: `${t("notice.floorTime")}: ${formatSeconds(is.allowed_seconds)}` });
  } else if (was && !is) {
    found.push({ kind: "ended" });
  }
  if (before.entry && after.entry && !before.entry.accepted && after.entry.accepted) {
    found.push({ kind: "accepted" });
  }
  if (after.item !== null && before.item === after.item && before.closed !== after.closed) {
    found.push(after.closed ? { kind: "closed", detail: t("notice.closedDetail") } : { kind: "reopened" });
  }
  return found;
}

const TITLES = {
  floor: "notice.floor", ended: "notice.ended", accepted: "notice.accepted",
  closed: "speakers.closed", reopened: "notice.reopened", lastSeconds: "notice.lastSeconds",
};

// The banner at the top of the screen and the two spoken regions (assertive for the floor).
export class Notices {
  constructor(me) {
    this.me = me;
    this.state = null; // null until the first view: what is there at load is no news
    this.timeState = null;
    this.shown = null;
    $("notice-dismiss").addEventListener("click", () => this.dismiss());
    // What the keyboard focuses, or a link scrolls to, lands below the banner too.
    const banner = $("notice");
    new ResizeObserver(() => {
      document.documentElement.style.setProperty("--notice-height", `${banner.offsetHeight}px`);
    }).observe(banner);
  }

  // Each time the view changed (an event, a snapshot after a reconnect, a `you` frame).
  observe(view, now) {
    const next = personal(view, this.me);
    const before = this.state;
    this.state = next;
    if (!before) {
      this.timeState = this.countdown(now);
      return;
    }
    const found = noticesBetween(before, next);
    if (found.some((n) => n.kind === "floor")) this.timeState = this.countdown(now);
    if (found.length) this.show(found);
  }

  // Every tick: the floor's countdown entering its last 30 s is a notice once per crossing.
  tick(now) {
    if (!this.state) return;
    const state = this.countdown(now);
    if (this.timeState === "ok" && state === "warning") this.show([{ kind: "lastSeconds" }]);
    this.timeState = state;
  }

  countdown(now) {
    const floor = this.state && this.state.floor;
    return floor ? countdownState(secondsLeft(floor, now)) : null;
  }

  show(found) {
    const first = found[0];
    this.shown = found;
    const banner = $("notice");
    banner.dataset.kind = first.kind;
    $("notice-title").textContent = t(TITLES[first.kind]);
    $("notice-detail").textContent = first.detail || "";
    banner.hidden = false;
    const spoken = found.map((n) => [t(TITLES[n.kind]), n.detail].filter(Boolean).join(". ")).join(". ");
    this.say(found.some((n) => n.urgent) ? "say-urgent" : "say-polite", spoken);
  }

  // A live region speaks a change of its text: emptied first, so the same words twice are
  // spoken twice.
  say(region, text) {
    const element = $(region);
    element.textContent = "";
    setTimeout(() => { element.textContent = text; }, 100);
  }

  dismiss() {
    $("notice").hidden = true;
    this.shown = null;
  }

  // After a switch of language: the banner in the new one.
  retranslate() {
    if (this.shown && !$("notice").hidden) {
      const first = this.shown[0];
      $("notice-title").textContent = t(TITLES[first.kind]);
      if (first.kind === "floor" && this.state && this.state.floor) {
        $("notice-detail").textContent = `${t("notice.floorTime")}: ${formatSeconds(this.state.floor.allowed_seconds)}`;
      } else if (first.kind === "closed") {
        $("notice-detail").textContent = t("notice.closedDetail");
      }
    }
  }
}

// How long the announcements must be in view to count as read (a glance, not a scroll past).
const DWELL_MS = 2000;

// The announcements this delegate has not seen yet: a count on a badge in the bar and on
// the card, until the card has been in view a moment, or the badge is pressed. What was
// seen is kept on the device (per room and delegate), so a reload counts nothing again.
export class Unread {
  constructor(room, me, card) {
    this.key = `congress.delegate.seen.${room}.${me}`;
    this.card = card;
    this.live = [];
    this.seen = new Set(this.load());
    this.inView = false;
    this.timer = null;
    this.known = null; // ids present at load: spoken only when new
    $("unread").addEventListener("click", () => {
      this.card.scrollIntoView({ block: "start" });
      this.markSeen();
    });
    new IntersectionObserver((entries) => {
      this.inView = entries.some((e) => e.isIntersecting);
      this.wait();
    }, { threshold: 0.5 }).observe(card);
    document.addEventListener("visibilitychange", () => this.wait());
  }

  load() {
    try {
      const stored = JSON.parse(localStorage.getItem(this.key) || "[]");
      return Array.isArray(stored) ? stored : [];
    } catch {
      return [];
    }
  }

  // The announcements valid now; a new one is also spoken (politely).
  update(live) {
    this.live = live;
    const ids = live.map((a) => a.id);
    if (this.known) {
      const fresh = live.filter((a) => !this.known.has(a.id) && !this.seen.has(a.id));
      if (fresh.length) {
        const region = $("say-polite");
        region.textContent = "";
        const text = `${t("notice.newAnnouncement")}: ${fresh.map((a) => a.text).join(". ")}`;
        setTimeout(() => { region.textContent = text; }, 100);
      }
    }
    this.known = new Set(ids);
    this.render();
    this.wait();
  }

  count() {
    return this.live.filter((a) => !this.seen.has(a.id)).length;
  }

  // A timer already running goes on: the views that change every second (check-ins by the
  // hundred) must not keep putting the reading off.
  wait() {
    if (this.inView && document.visibilityState === "visible" && this.count()) {
      if (this.timer === null) {
        this.timer = setTimeout(() => {
          this.timer = null;
          this.markSeen();
        }, DWELL_MS);
      }
    } else {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }

  markSeen() {
    for (const a of this.live) this.seen.add(a.id);
    // Only the ids still valid are kept: the list stays as short as the day's announcements.
    const keep = this.live.map((a) => a.id);
    this.seen = new Set(keep);
    try {
      localStorage.setItem(this.key, JSON.stringify(keep));
    } catch {
      // Storage refused: seen until the page is reloaded.
    }
    this.render();
  }

  render() {
    const count = this.count();
    const button = $("unread");
    button.hidden = count === 0;
    $("unread-count").textContent = String(count);
    button.setAttribute("aria-label", `${t("announcements")}: ${count} ${t("announcements.unread")}`);
    const badge = $("announcements-count");
    badge.hidden = count === 0;
    badge.textContent = `${count} ${t("announcements.unread")}`;
  }
}
