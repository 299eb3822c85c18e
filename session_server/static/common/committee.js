// The counting committee's device: its part of the key ceremony and of opening the totals.
// The same scheme as session_server/ballots/committee.py and transport.py (docs/voting.md).
import { chacha20poly1305, hkdf, sha256, x25519 } from "../vendor/noble/noble.mjs";
import {
  Point,
  baseTimes,
  concat,
  contextOf,
  encodeText,
  hashToScalar,
  mod,
  randomScalar,
  scalarBytes,
  scalarFrom,
  times,
} from "./group.js";

const KNOWLEDGE = encodeText("paperless-congress/v1/knowledge");
const EQUAL_LOGS = encodeText("paperless-congress/v1/equal-logs");
const SEAL_INFO = encodeText("paperless-congress/v1/share-seal");
const ZERO_NONCE = new Uint8Array(12); // each sealing key is used once

const coefficientContext = (ceremony, member, index) =>
  concat([ceremony, contextOf("coefficient", member, index)]);

function proveKnowledge(secret, pub, context) {
  const w = randomScalar();
  const ch = hashToScalar(KNOWLEDGE, context, pub.toBytes(), baseTimes(w).toBytes());
  return concat([scalarBytes(ch), scalarBytes(w + ch * secret)]);
}

function checkKnowledge(pub, context, proof) {
  if (proof.length !== 64) return false;
  const ch = scalarFrom(proof.slice(0, 32));
  const z = scalarFrom(proof.slice(32, 64));
  const t = baseTimes(z).subtract(times(ch, pub));
  return hashToScalar(KNOWLEDGE, context, pub.toBytes(), t.toBytes()) === ch;
}

// A member's first step: a fresh polynomial of degree threshold-1, and its commitments.
export function deal(member, threshold, ceremony) {
  const coefficients = Array.from({ length: threshold }, randomScalar);
  const commitments = coefficients.map((a) => baseTimes(a));
  const proofs = coefficients.map((a, i) =>
    proveKnowledge(a, commitments[i], coefficientContext(ceremony, member, i)),
  );
  return {
    dealing: { member, commitments: commitments.map((c) => c.toBytes()), proofs },
    secret: { member, coefficients },
  };
}

// f(recipient) by Horner's rule, as 32 bytes: what this member gives `recipient`.
export function shareFor(secret, recipient) {
  let value = 0n;
  for (const a of [...secret.coefficients].reverse()) value = mod(value * BigInt(recipient) + a);
  return scalarBytes(value);
}

export function checkDealing(dealing, threshold, ceremony) {
  if (dealing.commitments.length !== threshold || dealing.proofs.length !== threshold) {
    throw new Error(`member ${dealing.member}: ${threshold} commitments expected`);
  }
  dealing.commitments.forEach((bytes, i) => {
    const c = Point.fromBytes(bytes);
    if (c.is0() || !checkKnowledge(c, coefficientContext(ceremony, dealing.member, i), dealing.proofs[i])) {
      throw new Error(`member ${dealing.member}: coefficient ${i} unproven`);
    }
  });
}

function evaluate(commitments, at) {
  let result = Point.ZERO;
  let power = 1n;
  for (const bytes of commitments) {
    result = result.add(times(power, Point.fromBytes(bytes)));
    power = mod(power * BigInt(at));
  }
  return result;
}

export function checkShare(recipient, share, dealing) {
  if (!baseTimes(scalarFrom(share)).equals(evaluate(dealing.commitments, recipient))) {
    throw new Error(`the share from member ${dealing.member} does not match`);
  }
}

export const jointKey = (dealings) =>
  dealings.reduce((key, d) => key.add(Point.fromBytes(d.commitments[0])), Point.ZERO).toBytes();

export const secretShare = (shares) => shares.reduce((sum, s) => mod(sum + scalarFrom(s)), 0n);

// The X25519 key pair shares are sealed to; the public half goes to the hub.
export function newSealKey() {
  const secret = x25519.utils.randomSecretKey();
  return { secret, public: x25519.getPublicKey(secret) };
}

const sealAad = (ceremony, dealer, recipient) => concat([ceremony, contextOf("seal", dealer, recipient)]);

export function seal(share, recipientPublic, ceremony, dealer, recipient) {
  const ephemeral = x25519.utils.randomSecretKey();
  const ephemeralPublic = x25519.getPublicKey(ephemeral);
  const shared = x25519.getSharedSecret(ephemeral, recipientPublic);
  const key = hkdf(sha256, shared, concat([ephemeralPublic, recipientPublic]), SEAL_INFO, 32);
  const box = chacha20poly1305(key, ZERO_NONCE, sealAad(ceremony, dealer, recipient));
  return concat([ephemeralPublic, box.encrypt(share)]);
}

export function openSealed(sealed, own, ceremony, dealer, recipient) {
  const ephemeralPublic = sealed.slice(0, 32);
  const shared = x25519.getSharedSecret(own.secret, ephemeralPublic);
  const key = hkdf(sha256, shared, concat([ephemeralPublic, own.public]), SEAL_INFO, 32);
  const box = chacha20poly1305(key, ZERO_NONCE, sealAad(ceremony, dealer, recipient));
  try {
    return box.decrypt(sealed.slice(32));
  } catch {
    throw new Error(`the share from member ${dealer} does not open`);
  }
}

// A member's part of opening one total (A ‖ B, 64 bytes), with its proof of honesty.
export function decryptShare(member, secret, total, ceremony, label) {
  const pad = Point.fromBytes(total.slice(0, 32));
  const value = times(secret, pad);
  const pub = baseTimes(secret);
  const w = randomScalar();
  const context = concat([ceremony, contextOf("decrypt", member), label]);
  const ch = hashToScalar(
    EQUAL_LOGS,
    context,
    pub.toBytes(),
    pad.toBytes(),
    value.toBytes(),
    baseTimes(w).toBytes(),
    times(w, pad).toBytes(),
  );
  return {
    member,
    value: value.toBytes(),
    proof: concat([scalarBytes(ch), scalarBytes(w + ch * secret)]),
  };
}
