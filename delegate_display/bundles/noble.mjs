// The ballot cryptography's libraries from npm (@noble/curves, @noble/hashes, @noble/ciphers,
// pinned in package.json), bundled by scripts/web-assets into one ES module pages can import.
export { ristretto255, x25519 } from "@noble/curves/ed25519.js";
export { bytesToNumberLE, numberToBytesLE } from "@noble/curves/utils.js";
export { sha256, sha512 } from "@noble/hashes/sha2.js";
export { hkdf } from "@noble/hashes/hkdf.js";
export { randomBytes } from "@noble/hashes/utils.js";
export { chacha20poly1305 } from "@noble/ciphers/chacha.js";
