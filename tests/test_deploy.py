"""deploy/: the systemd unit passes systemd's own check, and the nginx site proxies a real hub."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import msgpack
import pytest
from websockets.asyncio.client import connect

from session_server.demo import DEMO_ROOM
from tests.conftest import UNIT, HubProcess, copy_demo, free_port

ROOT = Path(__file__).resolve().parent.parent
UNIT_FILE = ROOT / "deploy" / "congress.service"
SITE = ROOT / "deploy" / "nginx-congress.conf"
INSTALLED = "/opt/congress"
"""Where the unit expects the installed hub (docs/operations.md); the test puts its own."""


def test_the_systemd_unit_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    text = UNIT_FILE.read_text()
    assert f"ExecStart={INSTALLED}/venv/bin/congress " in text
    # verify wants the ExecStart program to exist: this test's own install directory,
    # holding the venv's real `congress` command.
    install = tmp_path / "congress"
    (install / "venv" / "bin").mkdir(parents=True)
    (install / "venv" / "bin" / "congress").symlink_to(Path(sys.executable).parent / "congress")
    unit = tmp_path / "congress.service"
    unit.write_text(text.replace(INSTALLED, str(install)))
    done = subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60 * UNIT
    )
    # Unknown keys and bad values are only warnings to systemd: none is accepted here.
    assert (done.returncode, done.stderr) == (0, ""), done.stderr
    for needed in (
        "User=congress",
        "Restart=on-failure",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "ReadWritePaths=/var/lib/congress",
        "PrivateTmp=yes",
        "--data /var/lib/congress",
    ):
        assert needed in text, needed
    limit = re.search(r"^LimitNOFILE=(\d+)$", text, re.MULTILINE)
    assert limit is not None
    assert int(limit.group(1)) >= 16384


@dataclass
class Proxy:
    """The site as installed, but on free loopback ports, with a certificate of the test's."""

    config: Path
    http_port: int
    https_port: int
    tls: ssl.SSLContext

    @property
    def origin(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"


def _site_for_test(site: str, hub_port: int, http_port: int, https_port: int, cert: Path) -> str:
    """The site with ports and certificate paths replaced, each exactly where expected."""
    replacements = [
        (r"(?m)^\s*listen \[::\]:.*\n", ""),
        (r"listen 80;", f"listen 127.0.0.1:{http_port};"),
        (r"listen 443 ssl", f"listen 127.0.0.1:{https_port} ssl"),
        (r"server 127\.0\.0\.1:8000;", f"server 127.0.0.1:{hub_port};"),
        (r"ssl_certificate +\S+;", f"ssl_certificate {cert};"),
        (r"ssl_certificate_key +\S+;", f"ssl_certificate_key {cert.with_suffix('.key')};"),
    ]
    for pattern, replacement in replacements:
        site, count = re.subn(pattern, replacement, site)
        assert count >= 1, f"the site has no {pattern!r}"
    return site


def _proxy(tmp_path: Path, hub_port: int) -> Proxy:
    cert = tmp_path / "site.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(cert.with_suffix(".key")), "-out", str(cert)],
        check=True, capture_output=True, timeout=60 * UNIT,
    )  # fmt: skip
    http_port, https_port = free_port(), free_port()
    site = tmp_path / "congress-site.conf"
    site.write_text(_site_for_test(SITE.read_text(), hub_port, http_port, https_port, cert))
    temp = "".join(
        f"    {kind}_temp_path {tmp_path / kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    config = tmp_path / "nginx.conf"
    # As root, nginx would hand the workers to `nobody`, who cannot reach the test's files.
    user = "user root;\n" if os.geteuid() == 0 else ""
    config.write_text(
        f"{user}daemon off;\npid {tmp_path / 'nginx.pid'};\nerror_log {tmp_path / 'error.log'};\n"
        f"events {{ worker_connections 256; }}\n"
        f"http {{\n    access_log {tmp_path / 'access.log'};\n{temp}"
        f"    include {site};\n}}\n"
    )
    return Proxy(config, http_port, https_port, ssl.create_default_context(cafile=str(cert)))


def _nginx(proxy: Proxy, *args: str) -> list[str]:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    log = proxy.config.parent / "error.log"
    return [nginx, "-e", str(log), "-p", str(proxy.config.parent), "-c", str(proxy.config), *args]


def test_the_nginx_site_passes_nginx_t(tmp_path: Path) -> None:
    proxy = _proxy(tmp_path, free_port())
    done = subprocess.run(_nginx(proxy, "-t"), capture_output=True, text=True, timeout=60 * UNIT)
    assert done.returncode == 0, done.stderr
    assert "test is successful" in done.stderr
    site = SITE.read_text()
    # The hub's upload limit (docs/limits.md: max_file_bytes, 50 MiB).
    assert "client_max_body_size 50m;" in site
    read_timeout = re.search(r"proxy_read_timeout (\d+)s;", site)
    assert read_timeout is not None
    assert int(read_timeout.group(1)) > 20 + 20  # heartbeat_interval + heartbeat_timeout


@pytest.fixture
def proxied(tmp_path: Path, demo_template: Path) -> Iterator[tuple[HubProcess, Proxy]]:
    """A hub on loopback and the site in front of it, as deploy/ sets them up."""
    hub = HubProcess(copy_demo(demo_template, tmp_path / "data"))
    proxy = _proxy(tmp_path, hub.port)
    hub.start("--public-url", proxy.origin)
    nginx = subprocess.Popen(_nginx(proxy), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30 * UNIT
        while True:
            assert nginx.poll() is None, (tmp_path / "error.log").read_text()
            try:
                with urllib.request.urlopen(
                    proxy.origin + "/healthz", timeout=1, context=proxy.tls
                ) as answer:
                    assert answer.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline, (tmp_path / "error.log").read_text()
                time.sleep(0.05)
        yield hub, proxy
    finally:
        nginx.terminate()
        nginx.wait(10 * UNIT)
        hub.stop()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


async def test_a_screen_gets_its_snapshot_through_nginx(
    proxied: tuple[HubProcess, Proxy],
) -> None:
    hub, proxy = proxied
    board = hub.tokens().boards[0]
    # As a browser opens it: the page's own origin, over TLS, through the proxy.
    async with connect(
        f"wss://127.0.0.1:{proxy.https_port}/ws",
        ssl=proxy.tls,
        origin=proxy.origin,  # type: ignore[arg-type]
        ping_interval=None,
        max_size=None,
    ) as ws:
        hello = {"type": "hello", "v": 2, "token": board, "room": DEMO_ROOM}
        await ws.send(msgpack.packb(hello))
        welcome = msgpack.unpackb(await ws.recv(decode=False))
        assert (welcome["type"], welcome["role"]) == ("welcome", "board")
        snapshot = msgpack.unpackb(await ws.recv(decode=False))
        assert snapshot["type"] == "snapshot"
        assert snapshot["seq"] > 0
    await asyncio.to_thread(_front_page_and_redirect, proxy)


def _front_page_and_redirect(proxy: Proxy) -> None:
    # The front page over HTTPS, with the hub's HTTPS headers: it saw X-Forwarded-Proto.
    with urllib.request.urlopen(proxy.origin + "/", timeout=10 * UNIT, context=proxy.tls) as page:
        assert page.status == 200
        assert page.headers["strict-transport-security"].startswith("max-age=")
    # Plain HTTP is sent to HTTPS.
    opener = urllib.request.build_opener(_NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as redirected:
        opener.open(f"http://127.0.0.1:{proxy.http_port}/console/", timeout=10 * UNIT)
    with redirected.value as answer:
        assert answer.code == 301
        assert answer.headers["location"] == "https://127.0.0.1/console/"
