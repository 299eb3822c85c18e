"""What a secret ballot costs: making it (a tablet's work), checking it (the hub's), its size."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence

import msgpack

from session_server.ballots import ballot, committee, elgamal, group, proofs

CEREMONY = proofs.context_of("bench", "committee")


def timed(step: Callable[[], object], repeat: int) -> float:
    """Milliseconds per call, the best of three rounds of `repeat` calls."""
    rounds = []
    for _ in range(3):
        started = time.perf_counter()
        for _ in range(repeat):
            step()
        rounds.append((time.perf_counter() - started) / repeat * 1000)
    return min(rounds)


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


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ballots", description=__doc__)
    parser.add_argument("--candidates", type=int, default=60, help="(%(default)s)")
    parser.add_argument("--seats", type=int, default=53, help="(%(default)s)")
    parser.add_argument("--repeat", type=int, default=5, help="calls per round (%(default)s)")
    args = parser.parse_args(argv)
    print(f"a ballot of {args.candidates} candidates for {args.seats} seats, ms:")
    for step, figure in measure(args.candidates, args.seats, args.repeat).items():
        print(f"  {step:38} {figure:8.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
