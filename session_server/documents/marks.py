"""Whose name is marked across a page: the one rule the page server and the preparer share."""

from __future__ import annotations

from ..backends.base import TokenRecord
from ..core.state import Access, DocumentVersion, Role


def watermark_for(token: TokenRecord, version: DocumentVersion) -> str | None:
    """The name marked across a confidential page: the delegate's own, so a photo is traced."""
    if version.access is Access.PUBLIC or token.role is not Role.DELEGATE:
        return None
    return f"{token.label} · {token.delegate_id}"
