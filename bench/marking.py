"""What a delegate's marked copy of a page costs: decoding the page, drawing the name, encoding."""

from __future__ import annotations

import argparse
import io
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from PIL import Image

from session_server.demo import demo_pdfs
from session_server.documents import worker

NAME = "Nguyễn Văn An · DB001"


def timed(step: Callable[[], object], repeat: int) -> float:
    """Milliseconds per call, the best of three rounds of `repeat` calls."""
    rounds = []
    for _ in range(3):
        started = time.perf_counter()
        for _ in range(repeat):
            step()
        rounds.append((time.perf_counter() - started) / repeat * 1000)
    return min(rounds)


def measure(width: int, repeat: int, work: Path) -> dict[str, float]:
    pdf = work / "report.pdf"
    pdf.write_bytes(demo_pdfs()["bao-cao-chinh-tri"])
    base = str(work / f"page-{width}.webp")
    worker.render(str(pdf), 1, width, base, None, 40_000_000)
    out = str(work / "marked.webp")

    def fresh() -> None:
        worker._decoded.clear()  # as every copy was made before: the page decoded each time
        worker.mark(base, out, NAME)

    with Image.open(base) as opened:
        page = opened.convert("RGB")
    marked = worker._mark(page, NAME)
    return {
        "copy, page decoded each time": timed(fresh, repeat),
        "copy, page kept decoded": timed(lambda: worker.mark(base, out, NAME), repeat),
        "  decode the page": timed(lambda: Image.open(base).convert("RGB"), repeat),
        "  draw the name": timed(lambda: worker._mark(page, NAME), repeat),
        "  encode WebP q80 m0": timed(
            lambda: marked.save(io.BytesIO(), "WEBP", quality=80, method=0), repeat
        ),
        "  encode JPEG q80 (not used)": timed(
            lambda: marked.save(io.BytesIO(), "JPEG", quality=80), repeat
        ),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.marking", description=__doc__)
    parser.add_argument("--repeat", type=int, default=5, help="calls per round (%(default)s)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as work:
        for width in (1280, 2048):
            print(f"width {width}, a page of the demo's political report, ms:")
            for step, ms in measure(width, args.repeat, Path(work)).items():
                print(f"  {step:32} {ms:7.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
