"""A hub for the attacks: the demo congress, documents small enough to upload quickly."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

# The browser tests' Chromium, for the attacks that need a real browser (forgery, framing).
from tests.browser.conftest import browser
from tests.conftest import DemoTokens, HubProcess, copy_demo

__all__ = ["browser", "demo", "target"]


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory, demo_template: Path) -> Iterator[HubProcess]:
    hub = HubProcess(copy_demo(demo_template, tmp_path_factory.mktemp("security") / "data"))
    hub.start("--max-document-mb", "2")
    try:
        yield hub
    finally:
        hub.stop()


@pytest.fixture(scope="module")
def demo(target: HubProcess) -> DemoTokens:
    return target.tokens()
