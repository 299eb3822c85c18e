"""The memory benchmark, run small: a real hub, screens, a session's mix, RSS at each step."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bench.memory import session, summary
from tests.conftest import UNIT

ROOT = Path(__file__).resolve().parent.parent


def test_the_session_mix_takes_up_items_of_business_and_every_kind_of_command() -> None:
    steps = list(zip(range(400), session([f"DB{n:03d}" for n in range(1, 41)], 5), strict=False))
    names = {name for _, (_, name, _) in steps}
    assert {"check_in", "show_page", "request_floor", "grant_floor", "end_speech"} <= names
    assert {"post_announcement", "add_agenda_item", "set_current_item"} <= names
    pages = {args["page"] for _, (_, name, args) in steps if name == "show_page"}
    assert pages == {1, 2, 3, 4, 5}


def test_the_summary_gives_the_growth_per_record_over_the_second_half() -> None:
    said = summary([0, 1000, 2000, 3000, 4000], [70_000, 80_000, 81_000, 81_000, 81_500])
    assert said.endswith("+256 bytes per record over the second half")
    assert summary([0], [70_000]) == "too few figures for a slope"


def test_a_small_run_drives_its_records_through_a_real_hub_and_reports_rss(tmp_path: Path) -> None:
    figures = tmp_path / "memory.json"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.memory",
            *("--records", "600", "--screens", "10", "--every", "200"),
            *("--json", str(figures)),
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=40 * UNIT,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    result = json.loads(figures.read_text())
    assert result["records"] == [0, 200, 400, 600]
    assert all(kb > 10_000 for kb in result["rss_kb"]), "the hub's RSS, in KiB"
    assert "bytes per record over the second half" in run.stdout
    assert "Traceback" not in run.stderr
