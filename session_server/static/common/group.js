// The ristretto255 group as the ballot scheme uses it (docs/voting.md): encodings, hashes.
// Every group operation is @noble/curves'; this module only fixes encodings and helpers.
import {
  bytesToNumberLE,
  numberToBytesLE,
  randomBytes,
  ristretto255,
  sha512,
} from "../vendor/noble/noble.mjs";

export const Point = ristretto255.Point;
const L = Point.Fn.ORDER;
const encoder = new TextEncoder();

export const mod = (n) => ((n % L) + L) % L;
export const scalarBytes = (n) => numberToBytesLE(mod(n), 32);
export const scalarFrom = (bytes) => {
  const n = bytesToNumberLE(bytes);
  if (bytes.length !== 32 || n >= L) throw new RangeError("not a canonical scalar");
  return n;
};
// Uniform enough: 512 random bits reduced modulo a 253-bit order.
export const randomScalar = () => mod(bytesToNumberLE(randomBytes(64)));
// s·P, with 0·P the identity (noble's constant-time multiply refuses 0).
export const times = (s, p) => (mod(s) === 0n ? Point.ZERO : p.multiply(mod(s)));
export const baseTimes = (s) => times(s, Point.BASE);
export const encodeText = (text) => encoder.encode(text);

export function concat(parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

export function lengthLE(n, bytes) {
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
