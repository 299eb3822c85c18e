"""Whose name is marked across a page: the one rule the page server and the preparer share."""

from __future__ import annotations

from ..backends.base import TokenRecord
from ..core.state import Access, DocumentVersion, Role

HALL_MARK = "Màn hình hội trường"
"""Marked across a confidential page on the hall's screens, which no delegate holds: one
copy for every hall screen, and a photo of one says where it was taken."""


def watermark_for(token: TokenRecord, version: DocumentVersion) -> str | None:
    """The name marked across a confidential page: the delegate's own, so a photo is traced;
    on the hall's screens, that they are the hall's."""
    if version.access is Access.PUBLIC:
        return None
    if token.role is Role.DELEGATE:
        return f"{token.label} · {token.delegate_id}"
    if token.role is Role.HALL:
        return HALL_MARK
    return None
