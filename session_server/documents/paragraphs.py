"""A PDF's text layer cut into paragraphs, each with an id made from its text.

How a page is split (docs/protocol.md §14, "Paragraphs"): PDFium's text of the page is cut
into lines where it puts its line breaks; each line's box is the union of its characters'
boxes. A line starts a new paragraph when its baseline is more than 1.25 times the page's
usual line spacing below the line before (the smallest baseline-to-baseline distance found
twice), when its glyphs are clearly taller or shorter than the line before's (a heading),
or when it starts like a numbered heading or list entry ("1.", "1.1", "2.3.4", "a)", "IV.",
"-", "Điều 3"). A paragraph's text is its lines joined by one space.

A paragraph's id is `p<page>-<first 8 hex digits of the SHA-256 of its text>` (the text
in Unicode NFC, its spacing made single spaces), with `-2`, `-3`... for the same text again
on the same page. The same file always gives the same ids, and a new version of a draft
keeps the id of every paragraph whose text and page did not change.

The extraction runs in a render worker (`worker.paragraphs`); the grouping and the ids
are pure and run anywhere.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

MAX_PARAGRAPHS_PER_PAGE = 400
"""Paragraphs kept of one page; the rest of a (hostile or odd) page joins the last one."""

_GAP_FACTOR = 1.25
"""A line whose baseline is this many times the usual spacing below the last starts anew."""
_SIZE_FACTOR = 1.25
"""A line this much taller or shorter than the one before (a heading) starts anew."""

_NUMBERED = re.compile(
    r"""^\s*(?:
        \d{1,3}(?:\.\d{1,3})*\.?\s      # 1.  1.1  2.3.4
      | [a-zđ]\)\s                      # a)  đ)
      | [IVXLC]{1,6}\.\s                # IV.
      | [-\u2013\u2022+]\s                        # a list's dash or bullet
      | (?:Điều|Chương|Mục|Phần)\s+\S  # Điều 3, Chương II
    )""",
    re.VERBOSE,
)


@dataclass(frozen=True, slots=True)
class Line:
    """One line of a page's text and its box in PDF points (origin bottom-left)."""

    text: str
    left: float
    bottom: float
    right: float
    top: float


@dataclass(frozen=True, slots=True)
class Block:
    """A paragraph found on a page: its text and its box as fractions of the page
    (x0, y0, x1, y1 from the top-left corner), which any page image's size scales."""

    text: str
    box: tuple[float, float, float, float]


@dataclass(frozen=True, slots=True)
class Paragraph:
    id: str
    page: int
    text: str
    box: tuple[float, float, float, float]


def normalised(text: str) -> str:
    """What a paragraph's id is made from: NFC, runs of spacing one space, no ends."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def lines_of(text: str, boxes: Sequence[tuple[float, float, float, float] | None]) -> list[Line]:
    """The lines of a page's text, with `boxes[i]` (left, bottom, right, top) the box of
    character i (None for a character PDFium made up, such as a line break)."""
    lines: list[Line] = []
    start = 0
    for piece in re.split(r"(\r\n|\n|\r)", text):
        end = start + len(piece)
        if piece and piece not in ("\r\n", "\n", "\r") and piece.strip():
            found = [
                boxes[i]
                for i in range(start, min(end, len(boxes)))
                if not text[i].isspace() and boxes[i] is not None
            ]
            owned = [b for b in found if b is not None and b[2] > b[0] and b[3] > b[1]]
            if owned:
                lines.append(
                    Line(
                        normalised(piece),
                        min(b[0] for b in owned),
                        min(b[1] for b in owned),
                        max(b[2] for b in owned),
                        max(b[3] for b in owned),
                    )
                )
            elif lines:
                # Text without a box of its own belongs with the line before.
                last = lines[-1]
                lines[-1] = Line(normalised(f"{last.text} {piece}"), *_edges(last))
            else:
                lines.append(Line(normalised(piece), 0.0, 0.0, 0.0, 0.0))
        start = end
    return lines


def _edges(line: Line) -> tuple[float, float, float, float]:
    return line.left, line.bottom, line.right, line.top


def _starts_anew(previous: Line, line: Line, spacing: float) -> bool:
    if _NUMBERED.match(line.text):
        return True
    pitch = previous.bottom - line.bottom
    if pitch <= 0 or pitch > spacing * _GAP_FACTOR:
        # Above the last line (a new column) or well below it (a blank line).
        return True
    before, now = previous.top - previous.bottom, line.top - line.bottom
    return bool(before and now and max(before, now) / min(before, now) > _SIZE_FACTOR)


def group(lines: Sequence[Line], width: float, height: float) -> list[Block]:
    """The paragraphs of a page's lines, in reading order (PDFium's)."""
    if not lines:
        return []
    pitches = [
        round(2 * (a.bottom - b.bottom)) / 2
        for a, b in itertools.pairwise(lines)
        if a.bottom > b.bottom
    ]
    # The body text's line spacing: the smallest distance found twice or more (a lone
    # smaller one is a header's small print), else the smallest.
    repeated = [p for p in set(pitches) if pitches.count(p) > 1]
    spacing = min(repeated or pitches) if pitches else 0.0
    runs: list[list[Line]] = [[lines[0]]]
    for previous, line in itertools.pairwise(lines):
        if len(runs) < MAX_PARAGRAPHS_PER_PAGE and _starts_anew(previous, line, spacing):
            runs.append([line])
        else:
            runs[-1].append(line)
    return [_block(run, width, height) for run in runs]


def _block(run: Sequence[Line], width: float, height: float) -> Block:
    def share(value: float, whole: float) -> float:
        return round(min(1.0, max(0.0, value / whole)), 4) if whole > 0 else 0.0

    left = min(line.left for line in run)
    right = max(line.right for line in run)
    top = max(line.top for line in run)
    bottom = min(line.bottom for line in run)
    return Block(
        " ".join(line.text for line in run),
        (
            share(left, width),
            share(height - top, height),
            share(right, width),
            share(height - bottom, height),
        ),
    )


def identify(page: int, texts: Sequence[str]) -> list[str]:
    """The ids of a page's paragraphs, in order."""
    seen: dict[str, int] = {}
    ids = []
    for text in texts:
        digest = hashlib.sha256(normalised(text).encode("utf-8")).hexdigest()[:8]
        base = f"p{page}-{digest}"
        seen[base] = seen.get(base, 0) + 1
        ids.append(base if seen[base] == 1 else f"{base}-{seen[base]}")
    return ids


def paragraphs_of(pages: Sequence[Sequence[Block]]) -> list[list[Paragraph]]:
    """Every page's paragraphs with their ids (page 1 first)."""
    out = []
    for number, blocks in enumerate(pages, start=1):
        ids = identify(number, [b.text for b in blocks])
        out.append([Paragraph(i, number, b.text, b.box) for i, b in zip(ids, blocks, strict=True)])
    return out
