"""The accessibility checks themselves find what they are meant to find."""

from __future__ import annotations

from playwright.sync_api import Browser

from tests.browser.accessibility import blocking_violations, small_targets

_FLAWED = """<!doctype html><html lang="vi"><head><title>t</title></head><body><main>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
<button id="tiny" style="width:30px;height:30px">+</button>
<button id="fine" style="width:48px;height:48px">Mở</button>
<p style="color:#999;background:#aaa">Chữ mờ</p>
</main></body></html>"""


def test_the_checks_find_a_missing_label_low_contrast_and_a_small_target(browser: Browser) -> None:
    context = browser.new_context(viewport={"width": 800, "height": 600})
    try:
        page = context.new_page()
        page.set_content(_FLAWED)
        found = " ".join(blocking_violations(page))
        assert "image-alt" in found
        assert "color-contrast" in found
        small = small_targets(page)
        assert any(entry.startswith("#tiny") for entry in small), small
        assert not any(entry.startswith("#fine") for entry in small), small
    finally:
        context.close()
