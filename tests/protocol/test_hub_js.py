"""The screens' `rebuild` (hub.js) turns snapshot + events into the very views the hub projected."""

from __future__ import annotations

import json
import random
import subprocess
from itertools import pairwise
from pathlib import Path
from typing import Any

import msgpack

from bench.frame_sizes import ACTIONS, VIEWS, Day
from session_server.core.delta import view_delta
from session_server.core.projection import SECTIONS, View, project
from session_server.protocol import messages

ROOT = Path(__file__).resolve().parent.parent.parent
HUB_JS = ROOT / "session_server" / "static" / "common" / "hub.js"

# Reads {"start": view, "frames": [event, ...]} and prints the view after each frame.
REBUILD_ALL = """
import { rebuild } from %s;
let input = "";
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  const { start, frames } = JSON.parse(input);
  let view = start;
  const views = [];
  for (const frame of frames) {
    const held = view;
    const before = JSON.stringify(held);
    view = rebuild(held, frame);
    // The view the screen held before must be left as it was.
    if (JSON.stringify(held) !== before) throw new Error("changed in place");
    views.push(view);
  }
  process.stdout.write(JSON.stringify(views));
});
"""


def rebuilt_by_hub_js(start: View, frames: list[dict[str, Any]]) -> list[View]:
    script = REBUILD_ALL % json.dumps(HUB_JS.as_uri())
    done = subprocess.run(
        ["node", "--input-type=module", "--experimental-default-type=module", "-e", script],
        input=json.dumps({"start": start, "frames": frames}),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    views: list[View] = json.loads(done.stdout)
    return views


def frames_between(views: list[View]) -> list[dict[str, Any]]:
    frames = []
    for seq, (before, after) in enumerate(pairwise(views), start=2):
        changes, edits = view_delta(before, after)
        raw = messages.event(seq, seq - 1, 0, changes, edits)
        frames.append(msgpack.unpackb(raw, raw=False))
    return frames


def test_hub_js_rebuilds_a_congress_day_for_every_audience() -> None:
    day = Day(delegates=60)
    views: dict[Any, list[View]] = {view: [project(day.state, view)] for view in VIEWS}
    for round_ in range(40):
        day.action(ACTIONS[round_ % len(ACTIONS)])()
        for view in VIEWS:
            views[view].append(project(day.state, view))
    for view in VIEWS:
        frames = frames_between(views[view])
        assert any(frame["edit"] for frame in frames)
        assert rebuilt_by_hub_js(views[view][0], frames) == views[view][1:]


def random_value(rng: random.Random, depth: int = 0) -> Any:
    pick = rng.randrange(6 if depth < 2 else 3)
    if pick == 0:
        return rng.choice([None, True, False, 2, 3, "", "a", "b"])
    if pick == 1:
        return {"id": rng.choice("xyz"), "on": rng.random() < 0.5}
    if pick == 2:
        return rng.choice(["", "a", "ă", "đồng chí"])
    if pick in (3, 4):
        return [random_value(rng, depth + 1) for _ in range(rng.randrange(8))]
    keys = rng.sample(["k", "m", "n"], rng.randrange(4))
    return {key: random_value(rng, depth + 1) for key in sorted(keys)}


def test_hub_js_rebuilds_random_views() -> None:
    rng = random.Random(20251201)
    for _ in range(20):
        views = [
            {name: random_value(rng) for name in SECTIONS} for _ in range(rng.randrange(2, 12))
        ]
        assert rebuilt_by_hub_js(views[0], frames_between(views)) == views[1:]
