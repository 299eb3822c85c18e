"""The minutes as a PDF (fpdf2): a heading, then each section of the model in order, with tables."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from ..paper import GREY, Paper
from .entries import Minutes, PageTurn, Showing, SpeechEntry, StatusChange
from .text import Lang, clock, day, duration, word

_RED = (170, 20, 20)
_HEAD_FILL = (235, 235, 235)
_TURNS_PER_ROW = 12
_MOST_RUNS = 96
"""Page runs listed for one showing; a paper flipped back and forth all day lists the first
and last halves of this and says how many turns were between."""
_TABLE_SIZE = 8.5
"""Points, the tables' text."""
_LINE = 4.2
_PAD = 1.0
"""Millimetres: a table line's height and a cell's padding."""


class _Paper(Paper):
    """A4, DejaVu for the Vietnamese letters, the copy's name and page numbers at the foot."""

    def __init__(self, lang: Lang, foot: str) -> None:
        super().__init__()
        self.language = lang
        self.foot = foot
        self._widths: dict[tuple[str, str], float] = {}

    def footer(self) -> None:
        self.start_foot()
        self.cell(0, 5, self.t(self.foot))
        page = word("page", self.language, n=self.page_no(), total="{nb}")
        self.cell(0, 5, self.t(page), align="R")

    def section(self, title: str) -> None:
        # A heading never stands alone at a page's foot: its table starts under it.
        if self.y > self.h - 60:
            self.add_page()
        else:
            self.ln(3)
        self.set_font(self.face, "B", 12)
        self.set_text_color(*_RED)
        self.multi_cell(0, 7, self.t(title), new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(0, 0, 0)
        self.set_font(self.face, "", 9)

    def note(self, text: str) -> None:
        self.set_font(self.face, "", 9)
        self.multi_cell(0, 5, self.t(text), new_x="LMARGIN", new_y="NEXT")

    def grid(
        self, widths: Sequence[int], head: Sequence[str], rows: Sequence[Sequence[str]]
    ) -> None:
        """A table, its heading row repeated on each page it runs onto.

        Laid out here rather than by fpdf2's `table`: that one breaks each cell's lines
        character by character, twice, and a day of speeches and page turns took minutes.
        """
        scale = self.epw / sum(widths)
        columns = [w * scale for w in widths]
        heading = [self.t(text) for text in head]
        self._row(columns, heading, bold=True)
        for values in rows:
            cells = [self.t(value) for value in values]
            if self.y + self._height(columns, cells) > self.page_break_trigger:
                self.add_page()
                self._row(columns, heading, bold=True)
            self._row(columns, cells, bold=False)
        self.ln(2)

    def _lines(self, text: str, width: float) -> list[str]:
        """`text` broken into lines no wider than `width` (mm): at spaces, or inside a word
        too long for a line; a newline in `text` always breaks."""
        room = width - 2 * _PAD
        lines: list[str] = []
        for paragraph in text.split("\n"):
            line = ""
            for piece in paragraph.split(" "):
                candidate = f"{line} {piece}" if line else piece
                if self._width(candidate) <= room:
                    line = candidate
                    continue
                if line:
                    lines.append(line)
                line = ""
                for char in piece:
                    if line and self._width(line + char) > room:
                        lines.append(line)
                        line = ""
                    line += char
            lines.append(line)
        return lines

    def _width(self, text: str) -> float:
        key = (self.font_style, text)
        known = self._widths.get(key)
        if known is None:
            known = self._widths[key] = self.get_string_width(text)
        return known

    def _height(self, columns: Sequence[float], cells: Sequence[str]) -> float:
        self.set_font(self.face, "", _TABLE_SIZE)
        tallest = max(len(self._lines(text, w)) for text, w in zip(cells, columns, strict=True))
        return tallest * _LINE + 2 * _PAD

    def _row(self, columns: Sequence[float], cells: Sequence[str], *, bold: bool) -> None:
        self.set_font(self.face, "B" if bold else "", _TABLE_SIZE)
        wrapped = [self._lines(text, w) for text, w in zip(cells, columns, strict=True)]
        height = max(len(lines) for lines in wrapped) * _LINE + 2 * _PAD
        x, y = self.l_margin, self.y
        self.set_draw_color(0, 0, 0)
        self.set_line_width(0.2)
        if bold:
            self.set_fill_color(*_HEAD_FILL)
        for lines, width in zip(wrapped, columns, strict=True):
            self.rect(x, y, width, height, style="DF" if bold else "D")
            for number, line in enumerate(lines):
                if line:
                    # Baseline: a line's height below its top, less the descent.
                    self.text(x + _PAD, y + _PAD + (number + 1) * _LINE - 1.2, line)
            x += width
        self.set_xy(self.l_margin, y + height)


def render_pdf(minutes: Minutes, *, lang: Lang, tz: ZoneInfo, place: str = "") -> bytes:
    """The minutes as PDF bytes; the same minutes give the same bytes."""
    copy_name = word("full_copy" if minutes.copy == "full" else "public_copy", lang)
    short = word("full_short" if minutes.copy == "full" else "public_copy", lang)
    pdf = _Paper(lang, f"{word('minutes', lang)} · {minutes.room} · {short}")
    pdf.set_title(pdf.t(f"{word('minutes', lang)} — {minutes.title}"))
    pdf.set_creator("Paperless Congress")
    if minutes.last_at is not None:
        # The record's last instant, not now: making the minutes again gives the same file.
        pdf.set_creation_date(datetime.fromtimestamp(minutes.last_at / 1000, tz))
    pdf.add_page()
    _heading(pdf, minutes, copy_name, place, lang, tz)
    _session(pdf, minutes, lang, tz)
    _agenda(pdf, minutes, lang, tz)
    _documents(pdf, minutes, lang, tz)
    _speeches(pdf, minutes, lang, tz)
    _announcements(pdf, minutes, lang, tz)
    _attendance(pdf, minutes, lang, tz)
    _votes(pdf, minutes, lang, tz)
    _checkpoints(pdf, minutes, lang, tz)
    if minutes.copy == "full":
        _contributions(pdf, minutes, lang)
    if minutes.skipped_kinds and minutes.copy == "full":
        pdf.ln(2)
        pdf.note(word("skipped", lang, kinds=", ".join(minutes.skipped_kinds)))
    return bytes(pdf.output())


def _heading(
    pdf: _Paper, minutes: Minutes, copy_name: str, place: str, lang: Lang, tz: ZoneInfo
) -> None:
    pdf.set_font(pdf.face, "B", 14)
    pdf.multi_cell(
        0, 7, pdf.t(minutes.title or minutes.room), align="C", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.ln(2)
    pdf.set_font(pdf.face, "B", 18)
    pdf.set_text_color(*_RED)
    pdf.cell(0, 10, pdf.t(word("minutes", lang)), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.set_font(pdf.face, "", 10)
    pdf.cell(0, 6, pdf.t(copy_name), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    opened = next((s.at for s in minutes.status if s.status == "in_session"), minutes.first_at)
    facts = []
    if opened is not None:
        facts.append(f"{word('date', lang)}: {day(opened, tz)}")
    if place:
        facts.append(f"{word('place', lang)}: {place}")
    facts.append(f"{word('room', lang)}: {minutes.room}")
    pdf.cell(0, 5, pdf.t(" · ".join(facts)), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(pdf.face, "", 8)
    pdf.set_text_color(*GREY)
    made = word("made_from", lang, seq=minutes.last_seq, tz=tz.key)
    pdf.cell(0, 5, pdf.t(made), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)


def _status_line(change: StatusChange, earlier: bool, lang: Lang, tz: ZoneInfo) -> str:
    name = "resumed" if change.status == "in_session" and earlier else change.status
    text = word(name, lang)
    if change.resume_at is not None:
        text += f" ({word('resume_at', lang, time=clock(change.resume_at, tz))})"
    return text


def _session(pdf: _Paper, minutes: Minutes, lang: Lang, tz: ZoneInfo) -> None:
    pdf.section(word("s_session", lang))
    if not minutes.status:
        pdf.note(word("no_sitting", lang))
        return
    rows = []
    for index, change in enumerate(minutes.status):
        earlier = any(s.status == "in_session" for s in minutes.status[:index])
        rows.append(
            [
                day(change.at, tz) + " " + clock(change.at, tz),
                _status_line(change, earlier, lang, tz),
            ]
        )
    pdf.grid((40, 134), (word("time", lang), word("event", lang)), rows)


def _agenda(pdf: _Paper, minutes: Minutes, lang: Lang, tz: ZoneInfo) -> None:
    pdf.section(word("s_agenda", lang))
    if not minutes.agenda:
        pdf.note(word("none", lang))
        return
    rows = []
    for number, item in enumerate(minutes.agenda, start=1):
        title = item.title + (f" {word('removed', lang)}" if item.removed else "")
        planned = (
            word("minutes_short", lang, n=item.planned_minutes) if item.planned_minutes else ""
        )
        if not item.periods:
            rows.append(
                [str(number), title, item.presenter, planned, word("not_taken_up", lang), ""]
            )
            continue
        starts = "\n".join(clock(p.opened_at, tz) for p in item.periods)
        ends = "\n".join(clock(p.closed_at, tz) for p in item.periods)
        rows.append([str(number), title, item.presenter, planned, starts, ends])
    heads = ("no", "item", "presenter", "planned", "start", "end")
    pdf.grid((9, 71, 34, 18, 21, 21), [word(h, lang) for h in heads], rows)


def _showing_name(showing: Showing, minutes: Minutes, lang: Lang) -> str:
    if showing.hidden:
        return word("not_public", lang)
    name = showing.title
    if minutes.copy == "full":
        # Version 0: registered by its page count alone, with no file.
        version = f", {word('version', lang, v=showing.version)}" if showing.version else ""
        name += f" [{showing.document_id}{version}]"
    return name


def _documents(pdf: _Paper, minutes: Minutes, lang: Lang, tz: ZoneInfo) -> None:
    pdf.section(word("s_documents", lang))
    if not minutes.shown:
        pdf.note(word("none", lang))
        return
    rows = []
    for showing in minutes.shown:
        when = f"{clock(showing.shown_at, tz)} - {clock(showing.ended_at, tz)}"
        turns = _runs(showing, lang, tz)
        # A paper left up all morning gathers hundreds of turns: a row holds a few lines of
        # them and the next rows go on, as one row must fit on a page.
        chunks = [turns[i : i + _TURNS_PER_ROW] for i in range(0, len(turns), _TURNS_PER_ROW)]
        for index, chunk in enumerate(chunks or [[]]):
            first = index == 0
            name = _showing_name(showing, minutes, lang) if first else ""
            rows.append([when if first else "", name, ", ".join(chunk)])
    heads = (word("from_to", lang), word("document", lang), word("pages", lang))
    pdf.grid((30, 72, 72), heads, rows)


def _runs(showing: Showing, lang: Lang, tz: ZoneInfo) -> list[str]:
    """The pages turned to, a run of pages read in order as one ("3-17 (from - to)"); past
    `_MOST_RUNS`, the first and the last halves and how many are left out between."""
    runs: list[list[PageTurn]] = []
    for turn in showing.pages:
        if runs and turn.page == runs[-1][-1].page + 1:
            runs[-1].append(turn)
        else:
            runs.append([turn])
    texts = []
    for run in runs:
        first, last = run[0], run[-1]
        if first is last:
            texts.append(f"{first.page} ({clock(first.at, tz)})")
        else:
            texts.append(f"{first.page}-{last.page} ({clock(first.at, tz)} - {clock(last.at, tz)})")
    if len(texts) <= _MOST_RUNS:
        return texts
    half = _MOST_RUNS // 2
    left_out = sum(len(run) for run in runs[half:-half])
    return [*texts[:half], word("more_turns", lang, n=left_out), *texts[-half:]]


def _speaker(speech: SpeechEntry, minutes: Minutes) -> str:
    who = speech.name + (f"\n{speech.unit}" if speech.unit else "")
    if minutes.copy == "full" and speech.delegate_id:
        who += f"\n({speech.delegate_id})"
    return who


def _allowed(speech: SpeechEntry, lang: Lang) -> str:
    text = duration(speech.allowed_seconds)
    if speech.extensions:
        text += "\n" + word(
            "extended", lang, list=", ".join(f"+{duration(s)}" for s in speech.extensions)
        )
    return text


def _speeches(pdf: _Paper, minutes: Minutes, lang: Lang, tz: ZoneInfo) -> None:
    pdf.section(word("s_speeches", lang))
    if not minutes.speeches:
        pdf.note(word("none", lang))
        return
    rows = []
    for number, speech in enumerate(minutes.speeches, start=1):
        took = speech.duration_seconds
        rows.append(
            [
                str(number),
                speech.item_title,
                _speaker(speech, minutes),
                word(speech.kind, lang)
                if speech.kind in ("speech", "point_of_order", "reply")
                else speech.kind,
                clock(speech.granted_at, tz),
                duration(took) if took is not None else word("speaking_now", lang),
                _allowed(speech, lang),
            ]
        )
    heads = ("no", "item", "speaker", "kind", "granted", "duration", "allowed")
    pdf.grid((9, 38, 46, 22, 17, 17, 25), [word(h, lang) for h in heads], rows)


def _announcements(pdf: _Paper, minutes: Minutes, lang: Lang, tz: ZoneInfo) -> None:
    pdf.section(word("s_announcements", lang))
    if not minutes.announcements:
        pdf.note(word("none", lang))
        return
    rows = [
        [
            f"{day(a.posted_at, tz)} {clock(a.posted_at, tz)}",
            a.text,
            clock(a.shown_until, tz) + (f" ({word('withdrawn', lang)})" if a.withdrawn_at else ""),
        ]
        for a in minutes.announcements
    ]
    heads = (word("posted", lang), word("text", lang), word("shown_until", lang))
    pdf.grid((34, 108, 32), heads, rows)


def _votes(pdf: _Paper, minutes: Minutes, lang: Lang, tz: ZoneInfo) -> None:
    pdf.section(word("s_votes", lang))
    if not minutes.votes:
        pdf.note(word("no_votes", lang))
        return
    for vote in minutes.votes:
        pdf.set_font(pdf.face, "B", 10)
        kind = word("v_question" if vote.kind == "question" else "v_election", lang)
        pdf.multi_cell(0, 6, pdf.t(f"{kind}: {vote.title}"), new_x="LMARGIN", new_y="NEXT")
        pdf.note(
            word(
                "v_settings",
                lang,
                opened=_when(vote.opened_at, tz),
                closed=_when(vote.closed_at, tz),
                threshold=word(f"v_{vote.threshold}", lang),
                base=word(f"v_base_{vote.base_rule}", lang),
            )
        )
        pdf.note(word("v_turnout", lang, issued=vote.issued, cast=vote.cast, missing=vote.not_cast))
        result = vote.result
        if result is None:
            pdf.note(word("v_no_result", lang))
        elif vote.kind == "question":
            yes, no, abstain = result["counts"]
            verdict = word("v_passed" if result["passed"] else "v_not_passed", lang)
            pdf.note(
                word(
                    "v_question_result",
                    lang,
                    yes=yes,
                    no=no,
                    abstain=abstain,
                    base=result["base"],
                    verdict=verdict,
                )
            )
        else:
            elected, tied = set(result["elected"]), set(result["tied"])
            rows = [
                [
                    name,
                    unit,
                    str(count),
                    word("v_elected", lang)
                    if cid in elected
                    else word("v_tied", lang)
                    if cid in tied
                    else "",
                ]
                for (cid, name, unit), count in zip(vote.candidates, result["counts"], strict=True)
            ]
            heads = (
                word("name", lang),
                word("unit", lang),
                word("v_votes", lang),
                word("v_outcome", lang),
            )
            pdf.grid((60, 60, 20, 34), heads, rows)
            pdf.note(
                word(
                    "v_election_result",
                    lang,
                    base=result["base"],
                    seats=vote.seats,
                    unfilled=result["unfilled"],
                )
            )
        pdf.ln(1)


def _when(ms: int | None, tz: ZoneInfo) -> str:
    """A vote's opening or close as the rest of the minutes write times (an export's cells
    carry ISO 8601; a reader of the paper wants the day and the clock)."""
    return "—" if ms is None else f"{day(ms, tz)} {clock(ms, tz)}"


def _attendance(pdf: _Paper, minutes: Minutes, lang: Lang, tz: ZoneInfo) -> None:
    pdf.section(word("s_attendance", lang))
    if not minutes.sittings:
        pdf.note(word("no_sitting", lang))
        return
    rows = []
    for sitting in minutes.sittings:
        end = (
            clock(sitting.closed_at, tz)
            if sitting.closed_at is not None
            else word("still_sitting", lang)
        )
        rows.append(
            [
                str(sitting.number),
                f"{day(sitting.opened_at, tz)} {clock(sitting.opened_at, tz)} - {end}",
                str(sitting.present_at_opening),
                str(sitting.present),
                str(sitting.total),
            ]
        )
    heads = ("sitting", "from_to", "at_opening", "present", "total")
    pdf.grid((20, 64, 30, 30, 30), [word(h, lang) for h in heads], rows)
    last = minutes.sittings[-1]
    if last.roll is None:
        return
    pdf.set_font(pdf.face, "B", 10)
    pdf.cell(0, 7, pdf.t(word("roll", lang, n=last.number)), new_x="LMARGIN", new_y="NEXT")
    roll = [
        [
            str(number),
            r.delegate_id,
            r.name,
            r.unit,
            r.seat,
            clock(r.checked_in_at, tz) if r.present else word("absent", lang),
        ]
        for number, r in enumerate(last.roll, start=1)
    ]
    columns = ("no", "delegate_id", "name", "unit", "seat", "checked_in")
    pdf.grid((9, 18, 50, 55, 14, 28), [word(h, lang) for h in columns], roll)


def _checkpoints(pdf: _Paper, minutes: Minutes, lang: Lang, tz: ZoneInfo) -> None:
    pdf.section(word("s_checkpoints", lang))
    if not minutes.checkpoints:
        pdf.note(word("no_checkpoints", lang))
        return
    rows = [
        [
            f"{c.seq}",
            f"{day(c.at, tz)} {clock(c.at, tz)}",
            c.reason,
            str(c.head_seq),
            c.fingerprint or "—",
            c.key_id,
        ]
        for c in minutes.checkpoints
    ]
    heads = ("seq", "time", "reason", "head", "fingerprint", "key")
    pdf.grid((16, 32, 34, 18, 50, 24), [word(h, lang) for h in heads], rows)


def _contributions(pdf: _Paper, minutes: Minutes, lang: Lang) -> None:
    """The written contributions the secretariat received: the full copy's alone."""
    pdf.section(word("s_contributions", lang))
    if not minutes.contributions:
        pdf.note(word("no_contributions", lang))
        return
    rows = [
        [
            str(number),
            k.title,
            k.name,
            k.unit,
            word(f"c_{k.status}", lang)
            + (f" ({k.document_id})" if k.document_id else "")
            + (f": {k.reason}" if k.status == "returned" and k.reason else ""),
        ]
        for number, k in enumerate(minutes.contributions, start=1)
    ]
    heads = ("no", "c_title", "name", "unit", "c_status")
    pdf.grid((9, 62, 36, 36, 31), [word(h, lang) for h in heads], rows)
