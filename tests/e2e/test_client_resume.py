"""The Python control client resumes correctly whatever its last connection left pending."""

from __future__ import annotations

from tests.conftest import UNIT, Clients, DemoTokens


async def test_a_resume_applies_its_catch_up_after_a_sync_went_unanswered(
    clients: Clients, tokens: DemoTokens
) -> None:
    board = await clients.connect(tokens.boards[0])
    presidium = await clients.connect(tokens.presidium)
    # As when a gap was seen and the socket dropped before the snapshot came.
    board._syncing = True
    await board.close()
    ack = await presidium.command("open_session")
    await board.connect(timeout=10 * UNIT)
    await board.wait_for(lambda view: view.seq >= ack.seq, timeout=5 * UNIT)
    assert board.view["session"]["status"] == "in_session"
