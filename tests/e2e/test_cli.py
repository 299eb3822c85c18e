"""The `congress` command as the secretariat and the technical team use it."""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path

import pytest

from presidium_console.client import ConnectionRefused
from session_server.cli import build_parser
from session_server.protocol.codes import Close
from tests.conftest import UNIT, Clients, DemoTokens, HubProcess, cli, health, run_cli

README = Path(__file__).resolve().parents[2] / "README.md"


async def test_tokens_issue_list_revoke(hub: HubProcess, clients: Clients) -> None:
    issued = await run_cli(hub, "tokens", "issue", "--role", "board", "--label", "Cổng phụ")
    token_id = issued.split("\t")[0]
    secret = re.search(r"secret \(shown once\): (\S+)", issued)
    assert secret is not None
    board = await clients.connect(secret.group(1))
    assert board.welcome["role"] == "board"

    listing = await run_cli(hub, "tokens", "list")
    assert f"{token_id}\tboard\tactive\t-\tCổng phụ" in listing
    assert secret.group(1) not in listing, "a secret is shown once, never listed"
    assert (hub.data_dir / "congress.db").read_bytes().find(secret.group(1).encode()) == -1

    await run_cli(hub, "tokens", "revoke", token_id)
    assert f"{token_id}\tboard\trevoked" in await run_cli(hub, "tokens", "list")
    again = hub.client(secret.group(1))
    with pytest.raises(ConnectionRefused) as refused:
        await again.connect(timeout=5 * UNIT)
    assert refused.value.code == Close.UNAUTHORIZED


async def test_a_delegate_token_must_name_its_delegate(hub: HubProcess) -> None:
    with pytest.raises(RuntimeError, match="names its delegate"):
        await run_cli(hub, "tokens", "issue", "--role", "delegate")


async def test_delegates_import_registers_good_rows_and_names_bad_ones(
    hub: HubProcess, tokens: DemoTokens, clients: Clients, tmp_path: Path
) -> None:
    csv_file = tmp_path / "delegates.csv"
    csv_file.write_text(
        "id,name,unit,seat\n"
        "DB101,Trịnh Công Sơn,Đoàn huyện Năm Căn,E01\n"
        ",Không có mã,Đoàn huyện U Minh,E02\n"
        "DB102,Hồ Xuân Hương,Đoàn huyện U Minh,E03\n"
        f"DB103,{'x' * 250},Đoàn huyện U Minh,E04\n",
        encoding="utf-8",
    )
    cards = tmp_path / "the-cards.html"
    code, out, err = await cli(
        hub, "delegates", "import", str(csv_file), "--tokens", "--cards", str(cards),
        "--base-url", "https://daihoi.example",
    )  # fmt: skip
    assert code == 1, "a bad row makes the import fail, after the good ones"
    secrets = dict(line.split("\t") for line in out.splitlines())
    assert sorted(secrets) == ["DB101", "DB102"]
    assert "delegates.csv:5: DB103: refused: invalid_args: a delegate's name has 1 to 200" in err
    sheet = cards.read_text(encoding="utf-8")
    assert sheet.count('<section class="card">') == 2
    assert f"https://daihoi.example/delegate/#token={secrets['DB102']}" in sheet
    assert "Hồ Xuân Hương" in sheet
    presidium = await clients.connect(tokens.presidium)
    # The hub learns of records another process appended by following the log.
    await presidium.wait_for(lambda v: any(d["id"] == "DB102" for d in v["roll"]), timeout=5 * UNIT)
    roll = {d["id"]: d for d in presidium.view["roll"]}
    assert roll["DB101"]["name"] == "Trịnh Công Sơn"
    assert roll["DB102"]["seat"] == "E03"
    assert "DB103" not in roll
    assert presidium.view["attendance"]["total"] == 42


def test_help_reads_like_docs_and_every_command_is_in_the_readme() -> None:
    parser = build_parser()
    text = parser.format_help()
    for env in ("CONGRESS_DATA", "CONGRESS_BACKEND", "CONGRESS_ROOM", "CONGRESS_ALLOWED_ORIGINS"):
        assert env in text
    readme = README.read_text(encoding="utf-8")
    for command in (
        "congress serve",
        "congress tokens issue",
        "congress tokens list",
        "congress tokens revoke",
        "congress delegates import",
        "congress documents add",
    ):
        assert command in readme, f"README does not mention {command!r}"
    for env in ("CONGRESS_DATA", "CONGRESS_BACKEND", "CONGRESS_ALLOWED_ORIGINS"):
        assert env in readme, f"README does not document {env}"


async def test_serve_restarts_where_it_stopped(
    hub: HubProcess, tokens: DemoTokens, clients: Clients
) -> None:
    presidium = await clients.connect(tokens.presidium)
    ack = await presidium.command("set_current_item", item_id="item-3")
    await clients.close()
    hub.stop()
    logged_before = len(hub.log_path.read_text())
    hub.start()
    answer = await health(hub)
    assert answer["status"] == "ok"
    assert answer["rooms"]["camau-2025"]["seq"] == ack.seq
    assert "continues" in hub.log_path.read_text()[logged_before:]
    assert hub.tokens().presidium == tokens.presidium, "the demo is not loaded twice"
    again = await clients.connect(tokens.presidium)
    assert again.view["agenda"]["current"] == "item-3"


async def test_the_installed_congress_command_answers_help() -> None:
    congress = Path(sys.executable).parent / "congress"
    process = await asyncio.create_subprocess_exec(
        str(congress), "--help", stdout=asyncio.subprocess.PIPE
    )
    out, _ = await process.communicate()
    assert process.returncode == 0
    assert b"serve" in out
    assert b"tokens" in out
    assert b"delegates" in out
