"""The demo congress with the scripted session played onto its log, made once per worker."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

import pytest

from session_server.backends.base import LogRecord
from session_server.backends.sqlite import SQLiteBackend
from session_server.demo import DEMO_ROOM
from session_server.minutes.jobs import read_log
from session_server.record.keys import generate
from tests.conftest import copy_demo
from tests.minutes.session import play


@dataclass(frozen=True)
class Scripted:
    data_dir: Path
    items: list[str]
    key_file: Path
    """The key the script's checkpoints were signed with (outside the data directory)."""


@pytest.fixture(scope="session")
def scripted_template(tmp_path_factory: pytest.TempPathFactory, demo_template: Path) -> Scripted:
    base = tmp_path_factory.mktemp("minutes")
    data_dir = copy_demo(demo_template, base / "data")
    key_file = base / "keys" / "signing-key.pem"
    items = asyncio.run(play(data_dir, generate(key_file)))
    return Scripted(data_dir, items, key_file)


@pytest.fixture(scope="session")
def scripted_records(scripted_template: Scripted) -> list[LogRecord]:
    """The demo room's whole log after the script, read back from SQLite."""

    async def read() -> list[LogRecord]:
        backend = await SQLiteBackend.open(scripted_template.data_dir / "congress.db")
        try:
            return await read_log(backend, DEMO_ROOM)
        finally:
            await backend.close()

    return asyncio.run(read())
