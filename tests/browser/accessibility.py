"""The browser tests' accessibility checks: axe-core's scan and the 44 px touch-target rule."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page

# Pinned in delegate_display/package.json (devDependencies), installed by scripts/setup --test.
AXE = Path(__file__).resolve().parents[2] / "delegate_display/node_modules/axe-core/axe.min.js"
# axe's own scale; "moderate" and "minor" findings are advice, these two block a user.
BLOCKING = ("serious", "critical")
TARGET_PX = 44

_SCAN = """async (blocking) => {
  const result = await window.axe.run(document, {resultTypes: ["violations"]});
  return result.violations
    .filter((v) => blocking.includes(v.impact))
    .map((v) => `${v.impact} ${v.id}: ${v.help} at ` +
      v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", "));
}"""

# What a finger presses: visible, enabled or not (a disabled button still has to be found).
_TARGETS = """(minimum) => {
  const selector = 'button, a[href], input:not([type="hidden"]), select, textarea, summary, ' +
    '[role="button"], [role="tab"], [role="link"], [tabindex]:not([tabindex="-1"])';
  const small = [];
  for (const element of document.querySelectorAll(selector)) {
    const box = element.getBoundingClientRect();
    const style = getComputedStyle(element);
    if (box.width === 0 || box.height === 0 || style.visibility === "hidden") continue;
    if (element.closest("[hidden], [aria-hidden='true']")) continue;
    if (box.width < minimum - 0.5 || box.height < minimum - 0.5) {
      const name = element.id ? `#${element.id}` : element.tagName.toLowerCase() +
        (element.className ? `.${String(element.className).split(" ").join(".")}` : "");
      small.push(`${name} "${(element.textContent || "").trim().slice(0, 30)}" ` +
        `${Math.round(box.width)}x${Math.round(box.height)}`);
    }
  }
  return small;
}"""


# axe leaves disabled controls out of its contrast rule; the screens promise AA (4.5:1) for
# them too, so a greyed-out button and its reason can be read. The text's colour and the
# button's background are each laid over what is behind them: every translucent layer up to
# the first opaque one, or to a gradient (each of its colours is tried, the worst counts),
# white at the bottom; then the opacity of the button and its ancestors over that.
_DISABLED_CONTRAST = """(minimum) => {
  const parse = (text) => {
    const parts = (text.match(/rgba?\\(([^)]*)\\)/) || [null, ""])[1].split(/[\\s,/]+/)
      .filter(Boolean).map(Number);
    if (parts.length < 3) return null;
    return [parts[0], parts[1], parts[2], parts.length > 3 ? parts[3] : 1];
  };
  const WHITE = [255, 255, 255, 1];
  const over = (top, bottom) =>
    [0, 1, 2].map((i) => top[i] * top[3] + bottom[i] * (1 - top[3])).concat(1);
  // The colours an element's box may show, from its own background down.
  const behind = (element) => {
    const layers = [];
    let bases = [WHITE];
    for (let e = element; e; e = e.parentElement) {
      const style = getComputedStyle(e);
      const colour = parse(style.backgroundColor);
      const opaque = colour && colour[3] >= 1;
      if (style.backgroundImage.includes("gradient")) {
        const floor = colour && colour[3] > 0 ? over(colour, WHITE) : WHITE;
        const stops = style.backgroundImage.match(/rgba?\\([^)]*\\)/g) || [];
        bases = stops.map((stop) => over(parse(stop), floor));
        break;
      }
      if (opaque) { bases = [colour]; break; }
      if (colour && colour[3] > 0) layers.push(colour);
    }
    return bases.map((base) => layers.reduceRight((under, layer) => over(layer, under), base));
  };
  const luminance = (c) => {
    const [r, g, b] = c.slice(0, 3).map((v) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const contrast = (x, y) => {
    const [a, b] = [luminance(x), luminance(y)];
    return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  };
  const low = [];
  for (const button of document.querySelectorAll("button:disabled, input[type=submit]:disabled")) {
    const box = button.getBoundingClientRect();
    if (!box.width || !box.height || !button.textContent.trim()) continue;
    if (button.closest("[hidden], [aria-hidden='true']")) continue;
    if (getComputedStyle(button).visibility === "hidden") continue;
    let opacity = 1;
    for (let e = button; e; e = e.parentElement) opacity *= Number(getComputedStyle(e).opacity);
    const colour = parse(getComputedStyle(button).color);
    let worst = Infinity;
    for (const under of behind(button.parentElement || button)) {
      for (const background of behind(button)) {
        const seen = (c) => over([...c.slice(0, 3), opacity], under);
        worst = Math.min(worst, contrast(seen(over(colour, background)), seen(background)));
      }
    }
    if (worst < minimum) {
      const name = button.id ? `#${button.id}` : `"${button.textContent.trim().slice(0, 30)}"`;
      low.push(`${name} ${worst.toFixed(2)}:1`);
    }
  }
  return low;
}"""
AA_TEXT = 4.5


def disabled_contrast(page: Page, minimum: float = AA_TEXT) -> list[str]:
    """Every visible disabled button whose text is under `minimum`:1 against its background."""
    found: list[str] = page.evaluate(_DISABLED_CONTRAST, minimum)
    return found


def blocking_violations(page: Page) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now."""
    if not page.evaluate("() => Boolean(window.axe)"):
        page.add_script_tag(path=str(AXE))
    found: list[str] = page.evaluate(_SCAN, list(BLOCKING))
    return found


def small_targets(page: Page, minimum: int = TARGET_PX) -> list[str]:
    """Every visible control smaller than `minimum` px in either direction."""
    found: list[str] = page.evaluate(_TARGETS, minimum)
    return found


def assert_accessible(page: Page, where: str, *, touch: bool = False) -> None:
    """No blocking axe finding, no disabled button under AA contrast; on a touch screen (tablet,
    phone) no control under 44x44 px."""
    violations = blocking_violations(page)
    assert not violations, f"{where}: {violations}"
    faint = disabled_contrast(page)
    assert not faint, f"{where}: disabled buttons under {AA_TEXT}:1: {faint}"
    if touch:
        small = small_targets(page)
        assert not small, f"{where}: controls under {TARGET_PX} px: {small}"
