"""scripts/bundle: installed into an empty directory with no registry reachable, the hub serves."""

from __future__ import annotations

import os
import signal
import subprocess
import tarfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import UNIT, free_port

ROOT = Path(__file__).resolve().parent.parent
NOWHERE = "http://127.0.0.1:9/"
"""A registry address on which nothing answers, as on a closed venue network."""


def _clean_env(**changes: str) -> dict[str, str]:
    # Nothing of this checkout may be imported by what the bundle installed.
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return {**env, **changes}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundle built once, carried as one file, unpacked and installed offline."""
    work = tmp_path_factory.mktemp("bundle")
    carried = work / "congress-bundle.tar.gz"
    built = subprocess.run(
        ["scripts/bundle", str(carried)], cwd=ROOT, env=_clean_env(),
        capture_output=True, text=True, timeout=600 * UNIT,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    with tarfile.open(carried) as archive:
        archive.extractall(work / "unpacked", filter="data")
    bundle = work / "unpacked" / "congress-bundle"
    target = work / "empty" / "congress"
    target.parent.mkdir()
    offline = _clean_env(
        PIP_INDEX_URL=NOWHERE + "simple",
        PIP_EXTRA_INDEX_URL="",
        PIP_FIND_LINKS="",
        npm_config_registry=NOWHERE,
    )
    done = subprocess.run(
        [str(bundle / "install.sh"), str(target)], cwd=work / "empty", env=offline,
        capture_output=True, text=True, timeout=600 * UNIT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return target


@pytest.fixture(scope="module")
def served(installed: Path) -> Iterator[str]:
    port = free_port()
    log = installed.parent / "hub.log"
    with log.open("wb") as out:
        hub = subprocess.Popen(
            [str(installed / "venv" / "bin" / "congress"), "--data", str(installed / "data"),
             "serve", "--port", str(port), "--no-prerender", "--log-level", "warning"],
            cwd=installed.parent, env=_clean_env(npm_config_registry=NOWHERE),
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60 * UNIT
        while True:
            assert hub.poll() is None, log.read_text()
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=1) as answer:
                    assert answer.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.1)
        yield base
    finally:
        os.killpg(hub.pid, signal.SIGINT)
        hub.wait(30 * UNIT)


def _get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=10 * UNIT) as answer:
        return answer.status, answer.read()


def test_the_installed_bundle_runs_from_its_own_venv(installed: Path) -> None:
    venv = installed / "venv"
    where = "import session_server; print(session_server.__file__)"
    found = subprocess.run(
        [str(venv / "bin" / "python"), "-c", where],
        cwd=installed.parent, env=_clean_env(), capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert Path(found.stdout.strip()).is_relative_to(venv)


def test_the_offline_install_serves_health_and_the_front_page(served: str) -> None:
    status, health = _get(served + "/healthz")
    assert status == 200
    assert b'"status":"ok"' in health.replace(b" ", b"")
    status, front = _get(served + "/")
    assert status == 200
    assert b"/console/" in front
    # The screens' browser library from npm, built into the bundle.
    status, library = _get(served + "/static/vendor/msgpack/index.mjs")
    assert status == 200
    assert b"export" in library
