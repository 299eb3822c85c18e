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
    """No blocking axe finding; on a touch screen (tablet, phone) no control under 44x44 px."""
    violations = blocking_violations(page)
    assert not violations, f"{where}: {violations}"
    if touch:
        small = small_targets(page)
        assert not small, f"{where}: controls under {TARGET_PX} px: {small}"
