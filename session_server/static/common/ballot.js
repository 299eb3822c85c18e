// A secret ballot made on the tablet: the same scheme as session_server/ballots (docs/voting.md).
// The group and hashes come from @noble/curves and @noble/hashes; nothing here does curve math.
import { sha256 } from "../vendor/noble/noble.mjs";
import {
  Point,
  baseTimes,
  concat,
  contextOf,
  encodeText,
  hashToScalar,
  lengthLE,
  mod,
  randomScalar,
  scalarBytes,
  times,
} from "./group.js";

export { contextOf, hashToScalar };

const RANGE = encodeText("paperless-congress/v1/range");

function encrypt(count, key) {
  const r = randomScalar();
  return { pad: baseTimes(r), data: baseTimes(BigInt(count)).add(times(r, key)), r };
}

function proveRange(c, count, nonce, key, upper, context) {
  const challenges = [];
  const responses = [];
  const commitments = [];
  const w = randomScalar();
  for (let value = 0; value <= upper; value += 1) {
    if (value === count) {
      challenges.push(null);
      responses.push(null);
      commitments.push(baseTimes(w), times(w, key));
      continue;
    }
    const ch = randomScalar();
    const z = randomScalar();
    challenges.push(ch);
    responses.push(z);
    const shifted = c.data.subtract(baseTimes(BigInt(value)));
    commitments.push(baseTimes(z).subtract(times(ch, c.pad)), times(z, key).subtract(times(ch, shifted)));
  }
  const whole = hashToScalar(
    RANGE,
    context,
    key.toBytes(),
    c.pad.toBytes(),
    c.data.toBytes(),
    lengthLE(upper, 4),
    ...commitments.map((p) => p.toBytes()),
  );
  const others = challenges.reduce((sum, ch) => (ch === null ? sum : sum + ch), 0n);
  challenges[count] = mod(whole - others);
  responses[count] = mod(w + challenges[count] * nonce);
  return concat([...challenges.map(scalarBytes), ...responses.map(scalarBytes)]);
}

// The ballot a delegate casts: `kept[i]` true keeps candidate i. `context` names the vote
// and the voter (contextOf(voteId, delegateId)). Returns what the wire carries.
export function makeBallot(kept, keyBytes, seats, context) {
  const kept_count = kept.filter(Boolean).length;
  if (kept_count > seats) throw new RangeError("a ballot keeps at most as many names as seats");
  const key = Point.fromBytes(keyBytes);
  const choices = [];
  const proofs = [];
  let padSum = Point.ZERO;
  let dataSum = Point.ZERO;
  let nonceSum = 0n;
  kept.forEach((keep, index) => {
    const c = encrypt(keep ? 1 : 0, key);
    choices.push(concat([c.pad.toBytes(), c.data.toBytes()]));
    proofs.push(
      proveRange(c, keep ? 1 : 0, c.r, key, 1, concat([context, contextOf("candidate", index)])),
    );
    padSum = padSum.add(c.pad);
    dataSum = dataSum.add(c.data);
    nonceSum = mod(nonceSum + c.r);
  });
  const keptProof = proveRange(
    { pad: padSum, data: dataSum },
    kept_count,
    nonceSum,
    key,
    seats,
    concat([context, contextOf("kept")]),
  );
  return { choices, choice_proofs: proofs, kept_proof: keptProof };
}

// The delegate's receipt: SHA-256 of the ciphertexts, the first 16 hex digits in fours.
// (noble's SHA-256: WebCrypto is missing from pages served over plain http on the LAN.)
export function fingerprint(ballot) {
  const digest = sha256(concat(ballot.choices));
  const hex = Array.from(digest.slice(0, 8), (b) => b.toString(16).padStart(2, "0")).join("");
  return hex.toUpperCase().match(/.{4}/g).join("-");
}
