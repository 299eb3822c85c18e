"""Searching what a hub leaves behind (files, Redis dumps, logs, backups) for a secret choice.

The test that runs an election knows each delegate's choice; these functions look for it
in every form a careless change could store it in, in the raw bytes of each artefact, and
check the decoded records and snapshots: a stored ballot is ciphertexts and proofs only.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import msgpack

from session_server.ballots import elgamal, group

BALLOT_FIELDS = frozenset(
    {"kind", "vote_id", "delegate_id", "choices", "choice_proofs", "kept_proof", "receipt"}
)
"""What docs/voting.md and core/vote_events.py say a `ballot_cast` record holds."""

FORBIDDEN_KEYS = frozenset(
    {"kept", "struck", "plaintext", "nonce", "nonces", "randomness", "selection", "marks"}
)
"""Names a field holding a choice, or the secret that opens one, would likely have."""


@dataclass(frozen=True, slots=True)
class Voter:
    delegate_id: str
    kept: tuple[bool, ...]


class Searcher:
    """Every encoding of each voter's choice, and where any of them turns up."""

    def __init__(self, voters: Sequence[Voter], candidates: Sequence[Mapping[str, str]]) -> None:
        self.voters = voters
        self.candidates = candidates
        self.encodings = {v.delegate_id: list(self._encodings(v)) for v in voters}

    def _encodings(self, voter: Voter) -> Iterator[bytes]:
        kept = list(voter.kept)
        bits = [int(k) for k in kept]
        for marks in (kept, bits, [not k for k in kept], [1 - b for b in bits]):
            yield msgpack.packb(marks)
            yield json.dumps(marks).encode()
            yield json.dumps(marks, separators=(",", ":")).encode()
            yield repr(marks).encode()
        yield "".join(str(b) for b in bits).encode()
        yield "".join(str(1 - b) for b in bits).encode()
        for field in ("id", "name"):
            for wanted in (True, False):
                chosen = [
                    c[field] for c, k in zip(self.candidates, kept, strict=True) if k is wanted
                ]
                yield msgpack.packb(chosen)
                for ascii_only in (True, False):
                    yield json.dumps(chosen, ensure_ascii=ascii_only).encode()
                    yield json.dumps(
                        chosen, ensure_ascii=ascii_only, separators=(",", ":")
                    ).encode()
                for joiner in (",", ", ", " ", ";", "\t", "|"):
                    yield joiner.join(chosen).encode()
                yield repr(chosen).encode()

    def search(self, name: str, data: bytes) -> list[str]:
        """Each place in `data` holding a voter's choice, said with the delegate it links to."""
        found = []
        for delegate_id, encodings in self.encodings.items():
            for encoding in encodings:
                at = data.find(encoding)
                if at >= 0:
                    near = delegate_id.encode() in data[max(0, at - 4096) : at + 4096]
                    found.append(
                        f"{name} @{at}: {delegate_id}'s choice as {encoding[:40]!r}"
                        + (" next to their id" if near else "")
                    )
        return found


def walk(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every map and list inside a decoded msgpack value, with where it is."""
    if isinstance(value, dict):
        yield path, value
        for key, inner in value.items():
            yield from walk(inner, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        yield path, value
        for index, inner in enumerate(value):
            yield from walk(inner, f"{path}[{index}]")


def _strings(mapping: Mapping[Any, Any]) -> set[str]:
    """The strings a map holds directly: its keys, its values, and lists of strings in it."""
    held = {k for k in mapping if isinstance(k, str)}
    for value in mapping.values():
        if isinstance(value, str):
            held.add(value)
        elif isinstance(value, list | tuple):
            held.update(v for v in value if isinstance(v, str))
    return held


def structure_problems(
    name: str,
    decoded: Any,
    voters: Sequence[Voter],
    candidates: Sequence[Mapping[str, str]],
    seats: int,
) -> list[str]:
    """What in a decoded record or snapshot could hold or link a choice."""
    problems = []
    delegate_ids = {v.delegate_id for v in voters}
    candidate_ids = {c["id"] for c in candidates}
    kept_sets = [{c["id"] for c, k in zip(candidates, v.kept, strict=True) if k} for v in voters]
    for path, found in walk(decoded):
        where = f"{name}{path}"
        if isinstance(found, dict):
            if found.get("kind") == "ballot_cast":
                problems.extend(ballot_problems(where, found, len(candidates), seats))
            if found.get("kind") != "open_vote_cast" and "choice" in found:
                problems.append(f"{where}: a 'choice' field outside an open vote")
            problems.extend(
                f"{where}: a field named {key!r}" for key in found if key in FORBIDDEN_KEYS
            )
            held = _strings(found)
            if held & delegate_ids and held & candidate_ids:
                problems.append(f"{where}: a delegate and a candidate in one map")
        else:
            items = list(found)
            if len(items) == len(candidates) and all(
                isinstance(i, bool) or i in (0, 1) for i in items
            ):
                problems.append(f"{where}: {len(items)} marks, one per candidate")
            if items and all(isinstance(i, str) for i in items) and set(items) in kept_sets:
                problems.append(f"{where}: a delegate's kept names")
    return problems


def ballot_problems(where: str, event: Mapping[str, Any], candidates: int, seats: int) -> list[str]:
    """A stored ballot holds only the documented fields, each a ciphertext or a proof."""
    problems = []
    if set(event) != BALLOT_FIELDS:
        problems.append(f"{where}: ballot fields {sorted(set(event) ^ BALLOT_FIELDS)} differ")
    choices = event.get("choices")
    if not isinstance(choices, list) or len(choices) != candidates:
        return [*problems, f"{where}: not one ciphertext per candidate"]
    for index, raw in enumerate(choices):
        try:
            elgamal.Ciphertext.from_bytes(raw)
        except group.GroupError:
            problems.append(f"{where}: choice {index} is not two group elements")
    proofs = event.get("choice_proofs")
    if not isinstance(proofs, list) or [len(p) for p in proofs] != [128] * candidates:
        problems.append(f"{where}: choice proofs are not 128 bytes each")
    kept_proof = event.get("kept_proof")
    if not isinstance(kept_proof, bytes) or len(kept_proof) != 64 * (seats + 1):
        problems.append(f"{where}: the kept proof is not 64·(seats+1) bytes")
    receipt = event.get("receipt")
    if not (isinstance(receipt, str) and len(receipt) == 19 and receipt.count("-") == 3):
        problems.append(f"{where}: the receipt is not a fingerprint")
    return problems


def ballots_in(decoded_records: Iterable[Any]) -> list[dict[str, Any]]:
    """Every `ballot_cast` event among decoded record bodies."""
    return [
        found
        for record in decoded_records
        for _, found in walk(record)
        if isinstance(found, dict) and found.get("kind") == "ballot_cast"
    ]
