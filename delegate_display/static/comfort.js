// Reading comfort on the delegate display: zooming the page image, and larger text.
// The text size is applied before the first paint by text-size.js (same key, same steps).
const TEXT_KEY = "congress.delegate.textSize";
export const TEXT_STEPS = ["normal", "large", "larger"];

// The zoom levels the buttons and keys step through; a pinch may stop anywhere between.
const LEVELS = [1, 1.25, 1.5, 2, 2.5, 3, 4];
const MIN_ZOOM = LEVELS[0];
const MAX_ZOOM = LEVELS[LEVELS.length - 1];
// Wheel deltas (pixels) per e-fold of zoom, for a trackpad's pinch (a wheel with ctrlKey).
const WHEEL_SCALE = 120;

function currentStep() {
  const step = document.documentElement.dataset.text;
  return TEXT_STEPS.includes(step) ? step : "normal";
}

// The text-size button: each press the next step (normal, large, larger, normal…), kept
// for this device (not for the token: a tablet handed to another delegate keeps it).
export function textSizeToggle(button) {
  const show = () => {
    const step = currentStep();
    button.setAttribute("aria-pressed", String(step !== "normal"));
    button.dataset.step = step;
  };
  button.addEventListener("click", () => {
    const next = TEXT_STEPS[(TEXT_STEPS.indexOf(currentStep()) + 1) % TEXT_STEPS.length];
    document.documentElement.dataset.text = next;
    try {
      localStorage.setItem(TEXT_KEY, next);
    } catch {
      // Storage refused: the size holds until the page is reloaded.
    }
    show();
  });
  show();
}

// Keeps what the keyboard focuses, or a link scrolls to, from landing under the sticky
// session bar (WCAG 2.4.11): the page's scroll padding follows the bar's height as it wraps.
export function clearOfBar(bar) {
  const follow = () => {
    document.documentElement.style.setProperty("--bar-height", `${bar.offsetHeight}px`);
  };
  new ResizeObserver(follow).observe(bar);
  follow();
}

const clamp = (zoom) => Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, zoom));
const distance = (a, b) => Math.hypot(a.x - b.x, a.y - b.y);
const middle = (a, b) => ({ x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 });

// The zoom of the page frame: its buttons, the keys + - 0, a pinch (two pointers zoom around
// their centre, one pans), a trackpad's pinch. The image's width is CSS's (the frame's width
// times --zoom), so the frame scrolls natively and a resize needs nothing from here.
export class PageZoom {
  constructor(frame, { zoomIn, zoomOut, fit, level }) {
    this.frame = frame;
    this.buttons = { zoomIn, zoomOut, fit };
    this.level = level;
    this.zoom = MIN_ZOOM;
    this.shown = null;
    this.pointers = new Map();
    this.gesture = null;
    zoomIn.addEventListener("click", () => this.step(1));
    zoomOut.addEventListener("click", () => this.step(-1));
    fit.addEventListener("click", () => this.zoomAround(MIN_ZOOM, this.centre()));
    document.addEventListener("keydown", (event) => this.key(event));
    frame.addEventListener("pointerdown", (event) => this.down(event));
    frame.addEventListener("pointermove", (event) => this.move(event));
    for (const name of ["pointerup", "pointercancel"]) {
      frame.addEventListener(name, (event) => this.up(event));
    }
    frame.addEventListener("wheel", (event) => this.wheel(event), { passive: false });
    this.set(MIN_ZOOM);
  }

  // The viewer shows `source` (a page's URL: document, version, page), live or browsed.
  // A new page the presidium turned to starts at fit; one the delegate turned to keeps
  // the zoom they read with, from its top.
  showing(source, live) {
    if (source === this.shown) return;
    const first = this.shown === null;
    this.shown = source;
    if (first) return;
    if (live) this.set(MIN_ZOOM);
    this.frame.scrollTo(0, 0);
  }

  set(zoom) {
    this.zoom = clamp(zoom);
    this.frame.style.setProperty("--zoom", String(this.zoom));
    this.frame.dataset.zoom = String(Math.round(this.zoom * 100) / 100);
    this.frame.classList.toggle("zoomed", this.zoom > MIN_ZOOM);
    this.level.textContent = `${Math.round(this.zoom * 100)}%`;
    this.buttons.zoomIn.disabled = this.zoom >= MAX_ZOOM;
    this.buttons.zoomOut.disabled = this.zoom <= MIN_ZOOM;
    this.buttons.fit.disabled = this.zoom <= MIN_ZOOM;
  }

  // Zoom to `zoom` keeping the point of the page under `at` (client coordinates) under it.
  zoomAround(zoom, at) {
    const anchor = this.anchor(at);
    this.set(zoom);
    this.pin(anchor, at);
  }

  // Where `at` falls on the image, as fractions of its width and height; null: no image.
  anchor(at) {
    const image = this.frame.querySelector("img");
    if (!image) return null;
    const box = image.getBoundingClientRect();
    if (!box.width || !box.height) return null;
    return { u: (at.x - box.left) / box.width, v: (at.y - box.top) / box.height };
  }

  // Scrolls the frame so that the image's `anchor` is under `at`.
  pin(anchor, at) {
    const image = this.frame.querySelector("img");
    if (!anchor || !image) return;
    const box = image.getBoundingClientRect();
    this.frame.scrollLeft += box.left + anchor.u * box.width - at.x;
    this.frame.scrollTop += box.top + anchor.v * box.height - at.y;
  }

  // The middle of the part of the frame on screen: where the buttons and keys zoom.
  centre() {
    const box = this.frame.getBoundingClientRect();
    const top = Math.max(box.top, 0);
    const bottom = Math.min(box.bottom, window.innerHeight);
    return { x: box.left + box.width / 2, y: top < bottom ? (top + bottom) / 2 : box.top };
  }

  step(direction) {
    const next = direction > 0
      ? LEVELS.find((level) => level > this.zoom + 0.001) ?? MAX_ZOOM
      : [...LEVELS].reverse().find((level) => level < this.zoom - 0.001) ?? MIN_ZOOM;
    this.zoomAround(next, this.centre());
  }

  key(event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (["INPUT", "SELECT", "TEXTAREA"].includes(event.target.tagName)) return;
    const direction = { "+": 1, "=": 1, "-": -1, "_": -1 }[event.key];
    if (direction) this.step(direction);
    else if (event.key === "0") this.zoomAround(MIN_ZOOM, this.centre());
    else return;
    event.preventDefault();
  }

  down(event) {
    // A mouse drags the page only when it is zoomed; a finger or a pen always moves it.
    if (event.pointerType === "mouse" && (event.button !== 0 || this.zoom <= MIN_ZOOM)) return;
    event.preventDefault();
    this.pointers.set(event.pointerId, { x: event.clientX, y: event.clientY });
    try {
      this.frame.setPointerCapture(event.pointerId);
    } catch {
      // A pointer the browser no longer knows: its events simply stop.
    }
    this.begin();
  }

  // The gesture of the pointers down now: a pinch for two, a pan for one.
  begin() {
    const points = [...this.pointers.values()];
    this.frame.classList.toggle("panning", points.length > 0);
    if (points.length >= 2) {
      const centre = middle(points[0], points[1]);
      this.gesture = {
        pinch: true, distance: Math.max(distance(points[0], points[1]), 1), zoom: this.zoom,
        anchor: this.anchor(centre),
      };
    } else {
      this.gesture = points.length ? { pinch: false } : null;
    }
  }

  move(event) {
    const last = this.pointers.get(event.pointerId);
    if (!last || !this.gesture) return;
    const now = { x: event.clientX, y: event.clientY };
    this.pointers.set(event.pointerId, now);
    if (this.gesture.pinch) {
      const [a, b] = this.pointers.values();
      const centre = middle(a, b);
      this.set(this.gesture.zoom * (distance(a, b) / this.gesture.distance));
      this.pin(this.gesture.anchor, centre);
    } else {
      this.pan(now.x - last.x, now.y - last.y);
    }
  }

  // Moves the page with the finger; what the frame cannot take vertically scrolls the
  // screen, as a swipe anywhere else would.
  pan(dx, dy) {
    this.frame.scrollLeft -= dx;
    const before = this.frame.scrollTop;
    this.frame.scrollTop = before - dy;
    const rest = -dy - (this.frame.scrollTop - before);
    if (Math.abs(rest) >= 1) window.scrollBy(0, rest);
  }

  up(event) {
    if (!this.pointers.delete(event.pointerId)) return;
    this.begin();
  }

  wheel(event) {
    if (!event.ctrlKey) return;
    event.preventDefault();
    this.zoomAround(this.zoom * Math.exp(-event.deltaY / WHEEL_SCALE), { x: event.clientX, y: event.clientY });
  }
}
