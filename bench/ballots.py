"""What a secret ballot costs: making it (a tablet's work), checking it (the hub's), its size."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import msgpack

from bench.marking import timed
from session_server.ballots import ballot, committee, elgamal, group, proofs

CEREMONY = proofs.context_of("bench", "committee")


def measure(candidates: int, seats: int, repeat: int) -> dict[str, float]:
    dealt = [committee.deal(m, 3, CEREMONY) for m in (1, 2, 3, 4, 5)]
    key = committee.joint_key([d for d, _ in dealt])
    context = proofs.context_of("vote", "delegate")
    kept = [i < seats - 3 for i in range(candidates)]
    cast = ballot.make(kept, key, seats, context)
    secret = dealt[0][1].share_for(1)
    share = committee.decrypt_share(1, secret, cast.choices[0], CEREMONY, b"c")
    public = group.base_times(secret)
    return {
        "one scalar multiplication": timed(
            lambda: group.times(group.from_int(12345), key), repeat * 20
        ),
        "make a ballot (a tablet's work)": timed(
            lambda: ballot.make(kept, key, seats, context), repeat
        ),
        "check a ballot (the hub's work)": timed(
            lambda: ballot.check(cast, key, seats, context), repeat
        ),
        "add a ballot to the running tally": timed(
            lambda: [elgamal.add(a, b) for a, b in zip(cast.choices, cast.choices, strict=True)],
            repeat,
        ),
        "check one member's decryption share": timed(
            lambda: committee.check_decryption_share(
                share, public, cast.choices[0], CEREMONY, b"c"
            ),
            repeat,
        ),
        "ballot size packed, KB": len(msgpack.packb(cast.to_plain())) / 1000,
    }


def in_browser(candidates: int, seats: int, repeat: int) -> dict[str, float]:
    """The tablet's code making the same ballot in Chromium, at full speed and slowed 4x.

    Chromium's CPU throttling (DevTools' Emulation.setCPUThrottlingRate) stands in for a
    tablet's slower cores; the figure is an estimate of a tablet, not a measurement of one.
    """
    from playwright.sync_api import sync_playwright

    from tests.browser.ballot_page import MAKE, open_ballot_page
    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

    key = group.base_times(group.random_scalar())
    kept = [i < seats - 3 for i in range(candidates)]
    figures: dict[str, float] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            context, page = open_ballot_page(browser)
            devtools = context.new_cdp_session(page)
            for rate in (1, 4):
                devtools.send("Emulation.setCPUThrottlingRate", {"rate": rate})
                times = [
                    page.evaluate(MAKE, [list(key), kept, seats, "vote", "delegate"])["ms"]
                    for _ in range(repeat + 1)  # the first loads and compiles the code
                ]
                figures[f"make a ballot in Chromium, CPU slowed {rate}x"] = min(times[1:])
            context.close()
        finally:
            browser.close()
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ballots", description=__doc__)
    parser.add_argument("--candidates", type=int, default=60, help="(%(default)s)")
    parser.add_argument("--seats", type=int, default=53, help="(%(default)s)")
    parser.add_argument("--repeat", type=int, default=5, help="calls per round (%(default)s)")
    parser.add_argument(
        "--browser", action="store_true", help="also time the tablet's code in Chromium"
    )
    args = parser.parse_args(argv)
    print(f"a ballot of {args.candidates} candidates for {args.seats} seats, ms:")
    figures = measure(args.candidates, args.seats, args.repeat)
    if args.browser:
        figures |= in_browser(args.candidates, args.seats, args.repeat)
    for step, figure in figures.items():
        print(f"  {step:38} {figure:8.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
