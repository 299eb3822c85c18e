"""A run's figures per server and N, their ratios, the table printed and the target's verdict."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bench.day import DayReport


@dataclass
class Phase:
    server: str
    n: int
    connected: int = 0
    failed: int = 0
    connect_seconds: float = 0.0
    turns: int = 0
    turns_complete: int = 0
    last_ms: list[float] = field(default_factory=list)
    """Per measured turn: command sent -> the last screen has the frame."""
    first_ms: list[float] = field(default_factory=list)
    """Per measured turn: command sent -> the first screen has the frame."""
    p50_ms: float = math.nan
    p99_ms: float = math.nan
    first_p50_ms: float = math.nan
    cpu_seconds: float = math.nan
    rss_mb: float = math.nan
    client_cpu_seconds: float = math.nan
    missed_screens: int = 0
    missed_frames: int = 0
    resyncs: int = 0
    lost: int = 0
    frame_bytes: int = 0
    error: str = ""
    workers: int = 0
    """Client processes the N screens (and the other server's N) were spread over."""
    delivered_frames: int = 0
    """Event frames the screens received in the measured turns."""
    cpu_us_per_frame: float = math.nan
    """Server CPU during the measured turns / frames delivered, microseconds."""
    rss_idle_mb: float = math.nan
    """The server's resident memory before any screen connected (after the day, if any)."""
    rss_per_screen_kb: float = math.nan
    """(RSS with N screens - RSS with none) / screens connected."""
    arrival_ms: list[float] = field(default_factory=list)
    """With `--client arrival`, per measured turn: command sent -> the last screen's socket
    has the frame (the kernel's receive stamp), however long its client process took to
    read it."""
    arrival_p50_ms: float = math.nan
    arrival_p99_ms: float = math.nan
    arrival_first_p50_ms: float = math.nan


@dataclass
class Impairment:
    """The hub's screens with and without a stalled and a slow screen among them, same N."""

    n: int
    clean_turns: int = 0
    impaired_turns: int = 0
    clean_ms: list[float] = field(default_factory=list)
    impaired_ms: list[float] = field(default_factory=list)
    clean_p50_ms: float = math.nan
    clean_p99_ms: float = math.nan
    impaired_p50_ms: float = math.nan
    impaired_p99_ms: float = math.nan
    clean_spread_ms: list[float] = field(default_factory=list)
    """Per turn, the last screen's receipt less the first's: the fan-out alone. A turn that
    waited before any frame went out (a slow synced append) is as late for the first screen
    as for the last, and does not move it."""
    impaired_spread_ms: list[float] = field(default_factory=list)
    missed_screens: int = 0
    """Of the other screens, those that missed a frame in either phase."""
    missed_frames: int = 0
    stalled: dict[str, Any] = field(default_factory=dict)
    slow: dict[str, Any] = field(default_factory=dict)
    error: str = ""

    @property
    def p99_ratio(self) -> float:
        return ratio(self.impaired_p99_ms, self.clean_p99_ms)

    def shifts(self) -> dict[str, float]:
        """With laggards / without, at p50, p95 and p99, of the latency and of the spread."""
        return {
            f"{name}_p{round(q * 100)}_ratio": ratio(percentile(impaired, q), percentile(clean, q))
            for name, clean, impaired in (
                ("last", self.clean_ms, self.impaired_ms),
                ("spread", self.clean_spread_ms, self.impaired_spread_ms),
            )
            for q in (0.50, 0.95, 0.99)
        }


@dataclass
class SizeResult:
    """Everything measured at one N."""

    hub: Phase
    baseline: Phase
    day: DayReport | None = None
    impairment: Impairment | None = None


def percentile(values: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks, as numpy's default."""
    if not values:
        return math.nan
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def ratio(hub: float, baseline: float) -> float:
    if math.isnan(hub) or math.isnan(baseline) or baseline <= 0:
        return math.nan
    return hub / baseline


def _cell(value: float, spec: str, width: int, suffix: str = "") -> str:
    if math.isnan(value):
        return f"{'-':>{width}}"
    return f"{format(value, spec) + suffix:>{width}}"


def table(results: list[tuple[Phase, Phase]]) -> str:
    """The figures, one row per server and one for hub/baseline ratios."""
    header = (
        f"{'N':>6}  {'server':<8}{'screens':>8}{'missed':>7}{'frame B':>8}{'p50 ms':>9}"
        f"{'p99 ms':>9}{'first p50':>10}{'CPU s':>8}{'us/frame':>9}{'RSS MB':>8}"
        f"{'idle MB':>8}{'KB/scr':>7}{'clients CPU s':>14}"
    )
    lines = [header, "-" * len(header)]
    for hub, baseline in results:
        for phase in (hub, baseline):
            lines.append(
                f"{phase.n:>6}  {phase.server:<8}{phase.connected:>8}{phase.missed_screens:>7}"
                f"{phase.frame_bytes:>8}"
                + _cell(phase.p50_ms, ".2f", 9)
                + _cell(phase.p99_ms, ".2f", 9)
                + _cell(phase.first_p50_ms, ".2f", 10)
                + _cell(phase.cpu_seconds, ".3f", 8)
                + _cell(phase.cpu_us_per_frame, ".2f", 9)
                + _cell(phase.rss_mb, ".1f", 8)
                + _cell(phase.rss_idle_mb, ".1f", 8)
                + _cell(phase.rss_per_screen_kb, ".1f", 7)
                + _cell(phase.client_cpu_seconds, ".3f", 14)
                + (f"  ERROR {phase.error}" if phase.error else "")
            )
        lines.append(
            f"{hub.n:>6}  {'hub/base':<8}{'':>23}"
            + _cell(ratio(hub.p50_ms, baseline.p50_ms), ".2f", 9, "x")
            + _cell(ratio(hub.p99_ms, baseline.p99_ms), ".2f", 9, "x")
            + _cell(ratio(hub.first_p50_ms, baseline.first_p50_ms), ".1f", 10, "x")
            + _cell(ratio(hub.cpu_seconds, baseline.cpu_seconds), ".2f", 8, "x")
            + _cell(ratio(hub.cpu_us_per_frame, baseline.cpu_us_per_frame), ".2f", 9, "x")
            + _cell(ratio(hub.rss_mb, baseline.rss_mb), ".2f", 8, "x")
            + _cell(ratio(hub.rss_idle_mb, baseline.rss_idle_mb), ".2f", 8, "x")
            + _cell(ratio(hub.rss_per_screen_kb, baseline.rss_per_screen_kb), ".2f", 7, "x")
        )
    return "\n".join(lines)
