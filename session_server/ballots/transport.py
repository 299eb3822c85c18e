"""Sealing a key share from one committee member's device to another's, through the hub.

The hub carries the shares but must not read them: each is sealed to the recipient's
X25519 key (an ephemeral key agreement, HKDF-SHA256, ChaCha20-Poly1305; all from the
`cryptography` package), with the ceremony and both members bound as associated data.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from . import proofs

_INFO = b"paperless-congress/v1/share-seal"
_RAW = serialization.Encoding.Raw, serialization.PublicFormat.Raw
_NONCE = bytes(12)  # every key is used once: the ephemeral key is new for each seal


class SealError(ValueError):
    """A sealed share that was not made for this member, or was changed on the way."""


def new_key() -> tuple[X25519PrivateKey, bytes]:
    """A member's device's sealing key pair (the public half, raw, goes to the hub)."""
    private = X25519PrivateKey.generate()
    return private, private.public_key().public_bytes(*_RAW)


def _aad(ceremony: bytes, dealer: int, recipient: int) -> bytes:
    return ceremony + proofs.context_of("seal", dealer, recipient)


def _key(shared: bytes, ephemeral: bytes, recipient: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=ephemeral + recipient, info=_INFO
    ).derive(shared)


def seal(share: bytes, recipient_key: bytes, ceremony: bytes, dealer: int, recipient: int) -> bytes:
    ephemeral = X25519PrivateKey.generate()
    ephemeral_public = ephemeral.public_key().public_bytes(*_RAW)
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(recipient_key))
    box = ChaCha20Poly1305(_key(shared, ephemeral_public, recipient_key))
    return ephemeral_public + box.encrypt(_NONCE, share, _aad(ceremony, dealer, recipient))


def open_sealed(
    sealed: bytes, private: X25519PrivateKey, ceremony: bytes, dealer: int, recipient: int
) -> bytes:
    if len(sealed) < 32 + 16:
        raise SealError("too short to be a sealed share")
    ephemeral_public, body = sealed[:32], sealed[32:]
    own = private.public_key().public_bytes(*_RAW)
    try:
        shared = private.exchange(X25519PublicKey.from_public_bytes(ephemeral_public))
        box = ChaCha20Poly1305(_key(shared, ephemeral_public, own))
        return box.decrypt(_NONCE, body, _aad(ceremony, dealer, recipient))
    except (InvalidTag, ValueError):
        raise SealError(f"the share from member {dealer} does not open") from None
