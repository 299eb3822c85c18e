"""A delegate or a board learns nothing about commands: any name it may not send is forbidden."""

from __future__ import annotations

import pytest

from presidium_console.client import CommandRefused
from tests.conftest import Clients, DemoTokens


@pytest.mark.parametrize("role", ["delegate", "board"])
async def test_an_unknown_command_is_forbidden_to_a_delegate_and_a_board(
    role: str, tokens: DemoTokens, clients: Clients
) -> None:
    token = tokens.delegates[0][0] if role == "delegate" else tokens.boards[0]
    client = await clients.connect(token)
    answers = []
    for name in ("dissolve_congress", "open_session", "register_document", "revoke_token"):
        with pytest.raises(CommandRefused) as refused:
            await client.command(name, anything="x")
        answers.append((refused.value.code, refused.value.message))
    # The same answer whether the command exists or not, and whatever its arguments.
    assert {code for code, _ in answers} == {"forbidden"}
    assert len({message for _, message in answers}) == 1


async def test_the_presidium_is_told_a_command_does_not_exist(
    tokens: DemoTokens, clients: Clients
) -> None:
    presidium = await clients.connect(tokens.presidium)
    with pytest.raises(CommandRefused) as refused:
        await presidium.command("dissolve_congress")
    assert refused.value.code == "unknown_command"
