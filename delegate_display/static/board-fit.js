// What fits on the board, measured in the page: whole list entries only, a ticker with no gap.
import { h, replace } from "/static/common/ui.js";

// Fills `list` with the leading `entries` that fit in it entirely; the rest are counted on
// the `more` line (`moreText(hidden, shown)`), which is kept in view below them. The list's
// box is fixed by the layout (it takes what its panel leaves), so an entry fits when its
// box ends inside the list's. `always`: entries shown even when they do not fit (an empty
// list's one line).
export function fitList(list, more, entries, moreText, always = 0) {
  replace(list, entries);
  // Measured with the more line in place, so the entries kept leave room for it.
  more.hidden = false;
  more.textContent = moreText(entries.length, 0);
  const limit = list.getBoundingClientRect().bottom + 0.5;
  let shown = entries.length;
  for (let index = always; index < entries.length; index += 1) {
    if (entries[index].getBoundingClientRect().bottom > limit) {
      shown = index;
      break;
    }
  }
  if (shown === entries.length) {
    more.hidden = true;
    more.textContent = "";
    return shown;
  }
  for (const entry of entries.slice(shown)) entry.remove();
  more.textContent = moreText(entries.length - shown, shown);
  return shown;
}

// The ticker's pixels per second, per pixel of the screen's shorter side: the same pace on
// every board, slow enough to read from the gate.
const PACE = 0.1;
let laidOut = "";

// One pass of the ticker shows text all the way across: the announcements, in a unit, are
// repeated until one half of the track is at least the band's width, and the track is two
// such halves; it moves by one half and starts again where it looks the same. Text that
// fits the band stands still.
export function fillTicker(band, track, texts) {
  band.hidden = texts.length === 0;
  if (!texts.length) {
    laidOut = "";
    replace(track);
    return;
  }
  const width = band.clientWidth;
  const key = `${width}\n${texts.join("\n")}`;
  if (key === laidOut) return;
  laidOut = key;
  const unit = (hidden) =>
    h("span", { class: "ticker-unit", "aria-hidden": hidden ? "true" : null },
      texts.flatMap((text, index) => [
        index ? h("span", { class: "ticker-sep", "aria-hidden": "true" }, "•") : null,
        text,
      ]));
  const first = unit(false);
  replace(track, first);
  track.dataset.mode = "static";
  track.style.removeProperty("--shift");
  track.style.removeProperty("--duration");
  // Standing still, the line keeps a margin at both ends (the track's padding).
  if (track.getBoundingClientRect().width <= width) return;
  track.dataset.mode = "scroll";
  // Each unit ends with a separator, so the seam reads like the other joins.
  first.append(h("span", { class: "ticker-sep", "aria-hidden": "true" }, "•"));
  const copies = Math.max(1, Math.ceil(width / first.getBoundingClientRect().width));
  const units = [first];
  for (let index = 1; index < 2 * copies; index += 1) {
    const copy = first.cloneNode(true);
    copy.setAttribute("aria-hidden", "true");
    units.push(copy);
  }
  replace(track, units);
  const half = units[copies].getBoundingClientRect().left - units[0].getBoundingClientRect().left;
  const pace = PACE * Math.min(window.innerWidth, window.innerHeight);
  track.style.setProperty("--shift", `${-half}px`);
  track.style.setProperty("--duration", `${half / pace}s`);
  // A new animation from the start, for the new text.
  track.style.animation = "none";
  void track.offsetWidth;
  track.style.animation = "";
}
