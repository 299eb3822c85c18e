"""Document figures: a demo page's first render and its cached serve, over HTTP on a real hub;
and the hall (`--hall`): 500 delegates' marked copies prepared, then a newly shown page."""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from bench.servers import ROOT, Server, demo_tokens, free_port

ROOM = "camau-2025"
DOCUMENTS = ("chuong-trinh", "bao-cao-chinh-tri", "de-an-nhan-su")
WIDTHS = (320, 1280, 2048)


def get(url: str, token: str) -> tuple[float, int]:
    """Milliseconds for one GET and the bytes it brought."""
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as answer:
        body = answer.read()
    return (time.perf_counter() - started) * 1000, len(body)


def pages_of(base: str, token: str, document: str) -> int:
    request = urllib.request.Request(
        f"{base}/api/rooms/{ROOM}/documents/{document}",
        headers={"Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return int(json.loads(answer.read())["pages"])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.documents", description=__doc__)
    parser.add_argument("--repeat", type=int, default=20, help="cached requests per page")
    parser.add_argument(
        "--hall", action="store_true", help="the hall scenario (bench/hall.py) instead"
    )
    parser.add_argument(
        "--delegates", type=int, default=500, help="delegates in the hall (%(default)s)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="with --hall: 3 delegates, a smoke test"
    )
    parser.add_argument(
        "--prepare-seconds",
        type=float,
        default=3600.0,
        help="with --hall: longest wait for every copy to be made (%(default)s)",
    )
    args = parser.parse_args(argv)
    if args.hall:
        from bench.hall import run_hall

        return run_hall(3 if args.quick else args.delegates, args.prepare_seconds)
    return pages(args)


def pages(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="congress-documents-") as work:
        data = Path(work) / "data"
        port = free_port()
        command = [
            sys.executable, "-m", "session_server.cli", "--data", str(data), "serve",
            "--port", str(port), "--log-level", "warning", "--no-prerender",
        ]  # fmt: skip
        server = Server(command, Path(work) / "hub.log", port)
        base = f"http://127.0.0.1:{port}"

        def healthy() -> bool:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=1) as answer:
                    return bool(answer.status == 200)
            except OSError:
                return False

        try:
            asyncio.run(server.wait_ready(healthy))
            presidium, _, delegates = demo_tokens(data)
            rows = []
            baseline = [get(f"{base}/healthz", presidium)[0] for _ in range(args.repeat)]
            for document in DOCUMENTS:
                pages = pages_of(base, presidium, document)
                for width in WIDTHS:
                    first, cached, size = [], [], 0
                    for page in range(1, pages + 1):
                        url = (
                            f"{base}/api/rooms/{ROOM}/documents/{document}/versions/1/pages/"
                            f"{page}.webp?width={width}"
                        )
                        elapsed, size = get(url, presidium)
                        first.append(elapsed)
                        cached += [get(url, presidium)[0] for _ in range(args.repeat)]
                    rows.append((document, width, pages, first, cached, size))
            marked = []
            for n, token in enumerate(delegates[:10]):
                url = (
                    f"{base}/api/rooms/{ROOM}/documents/bao-cao-chinh-tri/versions/1/pages/"
                    f"{n % 6 + 1}.webp?width=2048"
                )
                marked.append(get(url, token)[0])
        finally:
            asyncio.run(server.stop())
    health = statistics.median(baseline)
    print("Document pages over HTTP on one hub (PDFium in 2 worker processes), milliseconds")
    print(f"baseline: GET /healthz p50 {health:.2f} ms ({args.repeat} requests)")
    print(
        f"{'document':<20}{'width':>6}{'pages':>6}{'first p50':>11}{'first max':>11}"
        f"{'cached p50':>12}{'cached/base':>12}{'last KB':>9}"
    )
    for document, width, pages, first, cached, size in rows:
        p50 = statistics.median(cached)
        print(
            f"{document:<20}{width:>6}{pages:>6}{statistics.median(first):>11.1f}"
            f"{max(first):>11.1f}{p50:>12.2f}{p50 / health:>11.2f}x{size / 1024:>9.1f}"
        )
    print(
        f"watermarked first view (a delegate, delegates-only report, 2048 px): "
        f"p50 {statistics.median(marked):.1f} ms, max {max(marked):.1f} ms over {len(marked)}"
    )
    print(f"\ncommand: python -m bench.documents (from {ROOT})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
