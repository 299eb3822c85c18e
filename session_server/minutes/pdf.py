"""The minutes as a PDF (fpdf2): a heading, then each section of the model in order, with tables."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from fpdf import FPDF
from fpdf.fonts import FontFace

from ..demo_pdfs import FONT_DIRS
from .model import Minutes, Showing, SpeechEntry, StatusChange
from .text import Lang, clock, day, duration, word

_RED = (170, 20, 20)
_GREY = (90, 90, 90)
_HEAD_FILL = (235, 235, 235)


class _Paper(FPDF):
    """A4, DejaVu for the Vietnamese letters, the copy's name and page numbers at the foot."""

    def __init__(self, lang: Lang, foot: str) -> None:
        super().__init__(format="A4")
        self.language = lang
        self.foot = foot
        folder = next(
            (
                f
                for f in FONT_DIRS
                if (f / "DejaVuSans.ttf").exists() and (f / "DejaVuSans-Bold.ttf").exists()
            ),
            None,
        )
        # Without DejaVu the core font is used and the accents are dropped: still readable.
        self.unicode = folder is not None
        if folder is not None:
            self.add_font("DejaVu", "", str(folder / "DejaVuSans.ttf"))
            self.add_font("DejaVu", "B", str(folder / "DejaVuSans-Bold.ttf"))
        self.face = "DejaVu" if self.unicode else "Helvetica"
        self.set_margins(18, 16, 18)
        self.set_auto_page_break(auto=True, margin=18)

    def t(self, text: str) -> str:
        if self.unicode:
            return text
        folded = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
        return "".join(ch for ch in folded if not unicodedata.combining(ch) and ord(ch) < 256)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.face, "", 7.5)
        self.set_text_color(*_GREY)
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
        self.set_font(self.face, "", 8.5)
        with self.table(
            col_widths=tuple(widths),
            line_height=4.6,
            text_align="LEFT",
            headings_style=FontFace(emphasis="BOLD", fill_color=_HEAD_FILL),
            padding=1,
        ) as table:
            heading = table.row()
            for cell in head:
                heading.cell(self.t(cell))
            for values in rows:
                row = table.row()
                for value in values:
                    row.cell(self.t(value))
        self.ln(2)


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
    pdf.section(word("s_votes", lang))
    # The core records no vote yet (minutes.votes stays empty until it does).
    pdf.note(word("no_votes", lang))
    _checkpoints(pdf, minutes, lang, tz)
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
    pdf.set_text_color(*_GREY)
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
        pages = ", ".join(f"{turn.page} ({clock(turn.at, tz)})" for turn in showing.pages)
        rows.append([when, _showing_name(showing, minutes, lang), pages])
    heads = (word("from_to", lang), word("document", lang), word("pages", lang))
    pdf.grid((30, 72, 72), heads, rows)


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
