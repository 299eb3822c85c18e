"""The disabled-button contrast check finds a faded button and passes the screens' grey one."""

from __future__ import annotations

from playwright.sync_api import Browser

from tests.browser.accessibility import disabled_contrast

_BUTTONS = """<!doctype html><html lang="vi"><head><title>t</title></head><body><main>
<button id="faded" disabled style="opacity:.4">Mời phát biểu</button>
<button id="pale" disabled style="background:#fff;color:#aaa">Tạm nghỉ</button>
<button id="grey" disabled style="background:#eef0f4;color:#4a505b">Bế mạc</button>
<div style="background:linear-gradient(90deg, #8f1a22, #b3202a)">
<div style="background:rgba(0,0,0,.18)">
  <button id="bar" disabled style="background:transparent;color:#f1d9da">Khai mạc</button>
  <button id="washed" disabled style="background:rgba(255,255,255,.5);color:#f1d9da">Đổi</button>
</div></div>
<div style="background:linear-gradient(90deg, #8f1a22, #fff)">
  <button id="half" disabled style="background:transparent;color:#f1d9da">Bế mạc</button>
</div>
<button id="hidden" disabled hidden style="color:#eee">Ẩn</button>
<button id="enabled" style="color:#eee">Không bị khóa</button>
</main></body></html>"""


def test_a_faded_or_pale_disabled_button_is_found_and_an_aa_one_is_not(browser: Browser) -> None:
    context = browser.new_context(viewport={"width": 800, "height": 600})
    try:
        page = context.new_page()
        page.set_content(_BUTTONS)
        found = {entry.split()[0] for entry in disabled_contrast(page)}
        assert found == {"#faded", "#pale", "#washed", "#half"}, disabled_contrast(page)
    finally:
        context.close()
