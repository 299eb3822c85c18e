"""Running `congress` as an operator does, in a child process, on a data directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import UNIT


def congress(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "session_server.cli", "--data", str(data_dir), *args],
        capture_output=True,
        text=True,
        timeout=120 * UNIT,
        # The demo room, the data directory's log: whatever this shell has set.
        env={k: v for k, v in os.environ.items() if not k.startswith("CONGRESS_")},
        check=False,
    )
