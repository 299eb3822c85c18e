"""The congress's Ed25519 signing key: made by `congress keys init`, kept by the operator.

Everything cryptographic is the `cryptography` package's; this module only chooses the
file format (PKCS#8 PEM, unencrypted, mode 0600), the key's id and the signed message.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .chain import HASH_BYTES

CHECKPOINT_DOMAIN = b"paperless-congress/checkpoint/v1\x00"


class KeyFileError(ValueError):
    """The key file is missing, unreadable, not an Ed25519 key, or readable by others."""


def raw_public(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(public: Ed25519PublicKey) -> str:
    """The key's fingerprint: the first 16 bytes of SHA-256 of its raw 32 bytes, in hex."""
    return hashlib.sha256(raw_public(public)).digest()[:16].hex()


def grouped(key: str) -> str:
    """A key id as an operator reads it: groups of four, upper case."""
    text = key.upper()
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def checkpoint_message(room: str, head_seq: int, head_hash: bytes) -> bytes:
    """The bytes a checkpoint signs: the room, the head's seq and the head's hash."""
    if len(head_hash) != HASH_BYTES or head_seq < 1:
        raise ValueError("a checkpoint signs a record's seq (1 or more) and 32-byte hash")
    return (
        CHECKPOINT_DOMAIN + room.encode("utf-8") + b"\x00" + head_seq.to_bytes(8, "big") + head_hash
    )


@dataclass(frozen=True)
class Signer:
    """The loaded private key: signs checkpoints, names its public half."""

    private: Ed25519PrivateKey

    @property
    def public(self) -> Ed25519PublicKey:
        return self.private.public_key()

    @property
    def key_id(self) -> str:
        return key_id(self.public)

    @property
    def public_hex(self) -> str:
        return raw_public(self.public).hex()

    def sign(self, room: str, head_seq: int, head_hash: bytes) -> str:
        """The signature of a checkpoint over record `head_seq`, in hex."""
        return self.private.sign(checkpoint_message(room, head_seq, head_hash)).hex()


def generate(path: Path) -> Signer:
    """A new key written to `path` (0600, created: never over an existing file)."""
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise KeyFileError(f"{path} exists: a signing key is never overwritten") from None
    try:
        os.fchmod(descriptor, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(pem)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return Signer(private)


def load_signer(path: Path) -> Signer:
    """The key in `path`; `KeyFileError` if it is not an Ed25519 key only its owner may read."""
    try:
        mode = path.stat().st_mode
        data = path.read_bytes()
    except OSError as error:
        raise KeyFileError(f"cannot read the signing key {path}: {error.strerror}") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyFileError(
            f"{path} may be read by others (mode {stat.S_IMODE(mode):04o}): "
            f"chmod 600 {path} after checking who copied it"
        )
    try:
        private = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as error:
        raise KeyFileError(f"{path} is not an unencrypted PEM private key ({error})") from None
    if not isinstance(private, Ed25519PrivateKey):
        raise KeyFileError(f"{path} is not an Ed25519 key")
    return Signer(private)


def load_public(path: Path) -> Ed25519PublicKey:
    """A public key from a file: the operator's key file, a PEM public key, or 64 hex digits."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise KeyFileError(f"cannot read {path}: {error.strerror}") from None
    text = data.strip()
    try:
        if b"PRIVATE KEY" in text:
            private = serialization.load_pem_private_key(text, password=None)
            if isinstance(private, Ed25519PrivateKey):
                return private.public_key()
        elif b"PUBLIC KEY" in text:
            public = serialization.load_pem_public_key(text)
            if isinstance(public, Ed25519PublicKey):
                return public
        else:
            return Ed25519PublicKey.from_public_bytes(bytes.fromhex(text.decode("ascii")))
    except (ValueError, TypeError, UnicodeDecodeError) as error:
        raise KeyFileError(f"{path} holds no Ed25519 key ({error})") from None
    raise KeyFileError(f"{path} holds no Ed25519 key")


def public_pem(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def public_from_hex(text: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(bytes.fromhex(text))


def signature_valid(public: Ed25519PublicKey, message: bytes, signature_hex: str) -> bool:
    try:
        public.verify(bytes.fromhex(signature_hex), message)
    except (InvalidSignature, ValueError):
        return False
    return True
