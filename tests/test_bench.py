"""The fan-out benchmark: its arithmetic, and a short real run that must end with every frame."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from bench.figures import Phase, percentile, ratio, verdict

ROOT = Path(__file__).resolve().parent.parent


def test_percentile_interpolates_between_closest_ranks() -> None:
    assert percentile([4.0, 1.0, 3.0, 2.0], 0.5) == 2.5
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0], 0.99) == pytest.approx(4.96)
    assert percentile([7.0], 0.99) == 7.0
    assert math.isnan(percentile([], 0.5))


def test_ratio_of_missing_figures_is_nan() -> None:
    assert ratio(3.0, 2.0) == 1.5
    assert math.isnan(ratio(3.0, 0.0))
    assert math.isnan(ratio(math.nan, 2.0))


def phases(n: int, hub_p50: float, baseline_p50: float) -> tuple[Phase, Phase]:
    return Phase("hub", n, p50_ms=hub_p50), Phase("baseline", n, p50_ms=baseline_p50)


def test_verdict_holds_the_hub_to_the_target_ratio_at_the_target_sizes_only() -> None:
    assert verdict([phases(100, 9.0, 1.0)]) == (None, [])
    assert verdict([phases(1000, 1.2, 1.0), phases(4000, 1.25, 1.0)]) == (True, [])
    met, reasons = verdict([phases(1000, 1.2, 1.0), phases(4000, 2.0, 1.0)])
    assert met is False
    assert reasons == ["N=4000: hub p50 is 2.00x the baseline's (target 1.25x)"]


def test_a_screen_that_missed_a_frame_fails_the_verdict_at_any_size() -> None:
    hub, baseline = phases(100, 1.0, 1.0)
    hub.missed_screens, hub.missed_frames = 2, 3
    assert verdict([(hub, baseline)]) == (False, ["N=100 hub: 2 screens missed 3 frames"])


def test_a_quick_run_reaches_every_screen_on_both_servers(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "bench.fanout", "--quick", "--results", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=110,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    (figures,) = tmp_path.glob("fanout-*.json")
    (result,) = json.loads(figures.read_text())["results"]
    for server in ("hub", "baseline"):
        phase = result[server]
        assert phase["connected"] == 50
        assert phase["missed_screens"] == 0
        assert phase["turns_complete"] == 5
        assert phase["p50_ms"] > 0
    # Equal bytes on the wire is what makes the two comparable.
    assert result["hub"]["frame_bytes"] == result["baseline"]["frame_bytes"]
