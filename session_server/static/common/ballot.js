// A secret ballot made on the tablet: the same scheme as session_server/ballots (docs/voting.md).
// The group and hashes come from @noble/curves and @noble/hashes; nothing here does curve math.
import {
  bytesToNumberLE,
  numberToBytesLE,
  randomBytes,
  ristretto255,
  sha256,
  sha512,
} from "../vendor/noble/noble.mjs";

const Point = ristretto255.Point;
const L = Point.Fn.ORDER;
const RANGE = new TextEncoder().encode("paperless-congress/v1/range");
const encoder = new TextEncoder();

const mod = (n) => ((n % L) + L) % L;
const scalarBytes = (n) => numberToBytesLE(mod(n), 32);
// Uniform enough: 512 random bits reduced modulo a 253-bit order.
const randomScalar = () => mod(bytesToNumberLE(randomBytes(64)));
// s·P, with 0·P the identity (noble's constant-time multiply refuses 0).
const times = (s, p) => (mod(s) === 0n ? Point.ZERO : p.multiply(mod(s)));
const baseTimes = (s) => times(s, Point.BASE);

function concat(parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function lengthLE(n, bytes) {
  const out = new Uint8Array(bytes);
  new DataView(out.buffer).setUint32(0, n, true); // lengths fit 32 bits; the rest stays zero
  return out;
}

// SHA-512 over each part (the domain first) prefixed by its length, 8 bytes little-endian.
export function hashToScalar(domain, ...parts) {
  const input = [];
  for (const part of [domain, ...parts]) input.push(lengthLE(part.length, 8), part);
  return mod(bytesToNumberLE(sha512(concat(input))));
}

// context_of(p1, p2, ...): each part's UTF-8 text prefixed by its length, 4 bytes LE.
export function contextOf(...parts) {
  const out = [];
  for (const part of parts) {
    const raw = encoder.encode(String(part));
    out.push(lengthLE(raw.length, 4), raw);
  }
  return concat(out);
}

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
