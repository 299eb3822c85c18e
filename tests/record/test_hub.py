"""A hub started with `--signing-key`: checkpoints at an item's end and on the presidium's word,
their fingerprint on every screen, and the running hub's log verified from outside."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from presidium_console.client import CommandRefused
from session_server.record.keys import generate
from tests.conftest import Clients, DemoTokens, HubProcess, cli, health


@pytest.fixture
def signed_hub(demo_data: Path, tmp_path: Path) -> Iterator[tuple[HubProcess, Path]]:
    key = tmp_path / "keys" / "signing-key.pem"
    generate(key)
    hub = HubProcess(demo_data)
    hub.start("--signing-key", str(key))
    try:
        yield hub, key
    finally:
        hub.stop()


async def test_a_signed_hub_checkpoints_and_every_screen_shows_the_fingerprint(
    signed_hub: tuple[HubProcess, Path],
) -> None:
    hub, key = signed_hub
    clients = Clients(hub)
    try:
        await _checkpoints_on_every_screen(hub, key, clients)
    finally:
        await clients.close()


async def _checkpoints_on_every_screen(hub: HubProcess, key: Path, clients: Clients) -> None:
    tokens: DemoTokens = hub.tokens()
    assert (await health(hub))["signing_key"] is not None
    presidium = await clients.connect(tokens.presidium)
    board = await clients.connect(tokens.boards[0])
    await presidium.command("set_current_item", item_id="item-2")
    closed = await presidium.command("set_current_item", item_id="item-3")
    # The item's end is followed by its checkpoint, before the ack.
    view = await presidium.wait_for(lambda v: v.seq >= closed.seq + 1)
    fingerprint = view["session"]["checkpoint"]
    assert isinstance(fingerprint, str)
    assert len(fingerprint) == 19
    on_board = await board.wait_for(lambda v: v["session"]["checkpoint"] == fingerprint)
    assert on_board.seq >= closed.seq + 1
    # The head is that checkpoint: asking now signs nothing new.
    assert (await presidium.command("checkpoint")).seq == closed.seq + 1
    await presidium.command("post_announcement", text="Giải lao 15 phút", minutes=15)
    asked = await presidium.command("checkpoint")
    view = await presidium.wait_for(lambda v: v.seq >= asked.seq)
    assert view["session"]["checkpoint"] != fingerprint
    # Asked again with nothing new: acknowledged, nothing appended.
    again = await presidium.command("checkpoint")
    assert again.seq == asked.seq
    delegate = await clients.connect(tokens.delegates[0][0])
    with pytest.raises(CommandRefused) as refused:
        await delegate.command("checkpoint")
    assert refused.value.code == "forbidden"
    code, out, err = await cli(hub, "verify", str(hub.data_dir), "--public-key", str(key))
    assert code == 0, out + err
    assert ", 2 checkpoints, last checkpoint " + view["session"]["checkpoint"] in out


async def test_a_hub_without_a_key_refuses_the_checkpoint_command(
    hub: HubProcess, tokens: DemoTokens, clients: Clients
) -> None:
    assert (await health(hub))["signing_key"] is None
    presidium = await clients.connect(tokens.presidium)
    await presidium.command("set_current_item", item_id="item-2")
    await presidium.command("set_current_item", item_id="item-3")
    with pytest.raises(CommandRefused) as refused:
        await presidium.command("checkpoint")
    assert refused.value.code == "invalid_state"
    assert presidium.view["session"]["checkpoint"] is None
    code, out, _ = await cli(hub, "verify", str(hub.data_dir))
    assert code == 0, out
    assert " 0 checkpoints" in out


def test_keys_init_writes_a_private_key_once(tmp_path: Path) -> None:
    import subprocess
    import sys

    command = [sys.executable, "-m", "session_server.cli", "--data", str(tmp_path), "keys", "init"]
    made = subprocess.run(command, capture_output=True, text=True, check=False)
    assert made.returncode == 0, made.stderr
    key = tmp_path / "signing-key.pem"
    assert key.stat().st_mode & 0o777 == 0o600
    assert "PRIVATE KEY" in key.read_text()
    assert "PUBLIC KEY" in (tmp_path / "signing-key.pem.pub").read_text()
    assert "key id" in made.stdout
    before = key.read_bytes()
    again = subprocess.run(command, capture_output=True, text=True, check=False)
    assert again.returncode == 2
    assert "exists" in again.stderr
    assert key.read_bytes() == before, "never overwritten"


def test_serve_refuses_a_key_others_may_read(demo_data: Path, tmp_path: Path) -> None:
    import subprocess
    import sys

    key = tmp_path / "k.pem"
    generate(key)
    key.chmod(0o644)
    served = subprocess.run(
        [
            sys.executable,
            "-m",
            "session_server.cli",
            "--data",
            str(demo_data),
            "serve",
            "--no-demo",
            "--signing-key",
            str(key),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert served.returncode == 2
    assert "may be read by others" in served.stderr


def test_a_congress_served_without_a_key_says_so_at_warning_level(demo_data: Path) -> None:
    # The congress already in the data directory, not the demo's loading: as on the day.
    hub = HubProcess(demo_data)
    hub.start("--no-demo")
    try:
        started = hub.log_path.read_text(errors="replace")
    finally:
        hub.stop()
    warnings = [line for line in started.splitlines() if "WARNING" in line]
    assert any(
        "no signing key" in line and "no checkpoint is signed" in line for line in warnings
    ), started
