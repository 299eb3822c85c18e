// The ballot cryptography's libraries from npm (@noble/curves, @noble/hashes, pinned in
// package.json), bundled by scripts/web-assets into one ES module the pages can import.
export { ristretto255 } from "@noble/curves/ed25519.js";
export { bytesToNumberLE, numberToBytesLE } from "@noble/curves/utils.js";
export { sha512 } from "@noble/hashes/sha2.js";
export { randomBytes } from "@noble/hashes/utils.js";
export { sha256 } from "@noble/hashes/sha2.js";
