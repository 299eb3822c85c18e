"""Printable sign-in cards: each delegate's (or board's) link with its QR code, one HTML page."""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

from .private_files import write_private


@dataclass(frozen=True)
class Card:
    name: str
    detail: str
    """Delegation and seat for a delegate; where it stands for a board."""
    secret: str
    screen: str
    """"delegate" or "board": which page the link opens."""


def link(base_url: str, card: Card) -> str:
    # The token rides in the fragment: browsers never send it to a server or a log, and
    # the page takes it out of the address bar once it has kept it.
    return f"{base_url.rstrip('/')}/{card.screen}/#token={card.secret}"


def render(title: str, base_url: str, cards: list[Card]) -> str:
    # Imported here: the hub's process makes cards once, and need not hold the QR maker.
    import segno

    items = []
    for card in cards:
        url = link(base_url, card)
        qr = segno.make(url, error="m").svg_inline(scale=3, border=2)
        items.append(
            f'<section class="card"><div class="qr">{qr}</div><div class="who">'
            f"<h2>{html.escape(card.name)}</h2><p>{html.escape(card.detail)}</p>"
            f'<p class="url">{html.escape(url)}</p></div></section>'
        )
    return f"""<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
body {{ font-family: "DejaVu Sans", sans-serif; margin: 12mm; color: #1d1f24; }}
h1 {{ font-size: 16pt; color: #b3191e; margin: 0 0 2mm; }}
.note {{ font-size: 9pt; color: #5d6470; margin: 0 0 6mm; }}
.grid {{ display: grid; grid-template-columns: 1fr 1fr; gap: 5mm; }}
.card {{ display: flex; gap: 4mm; border: 1px solid #c9ced8; border-radius: 3mm; padding: 4mm;
        break-inside: avoid; }}
.who h2 {{ font-size: 12pt; margin: 0 0 1mm; }}
.who p {{ margin: 0 0 1mm; font-size: 9.5pt; }}
.url {{ font-size: 6.5pt; color: #5d6470; word-break: break-all; }}
</style></head><body>
<h1>{html.escape(title)}</h1>
<p class="note">Mỗi thẻ mở màn hình của một người; không chia sẻ, không chụp ảnh. /
Each card opens one person's screen: do not share it.</p>
<div class="grid">{"".join(items)}</div>
</body></html>
"""


def write(path: Path, title: str, base_url: str, cards: list[Card]) -> None:
    """Write the sheet readable by its owner only: it holds every card's secret."""
    write_private(path, render(title, base_url, cards).encode("utf-8"))
