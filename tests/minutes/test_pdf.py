"""`congress minutes`: the PDF opens, reads as the session went, renders, and the public copy
holds nothing a board may not see."""

from __future__ import annotations

import asyncio
import stat
from pathlib import Path

import pytest
from PIL import Image, ImageStat

from session_server.demo import DEMO_TITLE, demo_delegates
from session_server.documents.render import RenderLimits, RenderPool
from tests.minutes.cli import congress
from tests.minutes.conftest import Scripted
from tests.minutes.session import ANNOUNCEMENT, CONFIDENTIAL, FOR_DELEGATES, SILENT, SPEECHES
from tests.minutes.texts import board_may_not_see, leaks, pdf_text, squeezed

PEOPLE = {d.id: d for d in demo_delegates()}

# The PDFs are made once for the module: its tests run on one worker (--dist loadgroup).
pytestmark = pytest.mark.xdist_group("tests/minutes/test_pdf.py")


@pytest.fixture(scope="module")
def made(scripted_template: Scripted, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The full copy in Vietnamese and the public one in English, made by the CLI."""
    out = tmp_path_factory.mktemp("minutes-pdf")
    files = {"full": out / "bien-ban.pdf", "public": out / "public-en.pdf"}
    made = congress(scripted_template.data_dir, "minutes", "--out", str(files["full"]))
    assert made.returncode == 0, made.stderr
    assert str(files["full"]) in made.stdout
    made = congress(
        scripted_template.data_dir,
        "minutes",
        "--out",
        str(files["public"]),
        "--public",
        "--lang",
        "en",
        "--room",
        "camau-2025",
    )
    assert made.returncode == 0, made.stderr
    return files


def test_the_full_copy_reads_as_the_session_went(made: dict[str, Path]) -> None:
    text = pdf_text(made["full"])
    flat = squeezed(text)
    assert squeezed(DEMO_TITLE) in flat
    assert "BIÊN BẢN" in text
    assert "Ngày: 15/10/2025" in text
    for section in ("Diễn biến phiên họp", "Chương trình nghị sự", "Phát biểu", "Điểm danh"):
        assert section in text
    # Each speech: its speaker, unit, id, start and duration, its extensions.
    for speech in SPEECHES:
        person = PEOPLE[speech.delegate_id]
        assert squeezed(person.name) in flat
        assert speech.delegate_id in flat
    assert "08:01:50" in text
    assert "6:05" in text
    assert "+1:00" in text
    assert "+0:30" in text
    assert "08:08:20" in text
    assert "2:03" in text
    assert "08:30:20" in text
    assert "3:00" in text
    # The items' times, the sittings and their attendance, the break, the roll.
    assert "08:00:10" in text
    assert "08:10:23" in text
    assert "08:35:50" in text
    assert "Tạm nghỉ" in text
    assert "Bế mạc" in text
    assert "15/10/2025 08:00:00 - 08:15:00 25 30 40" in text
    assert "15/10/2025 08:30:00 - 08:36:40 30 31 40" in text
    assert squeezed(PEOPLE[SILENT].name) in flat
    assert squeezed(ANNOUNCEMENT) in flat
    # The confidential paper is named in the presidium's copy.
    assert squeezed(CONFIDENTIAL[1]) in flat
    assert squeezed(FOR_DELEGATES[1]) in flat


def test_the_public_copy_holds_nothing_a_board_may_not_see(made: dict[str, Path]) -> None:
    text = pdf_text(made["public"])
    assert leaks(text, board_may_not_see()) == []
    assert "MINUTES" in text
    assert "Public copy" in text
    # What a board saw is there: the speakers by name and unit, the attendance figures.
    flat = squeezed(text)
    for speech in SPEECHES:
        assert squeezed(PEOPLE[speech.delegate_id].name) in flat
    assert "A document not public" in text
    assert "15/10/2025 08:00:00 - 08:15:00 25 30 40" in text
    # And the same search finds the secrets in the full copy: it is not blind.
    assert leaks(pdf_text(made["full"]), board_may_not_see())


def test_the_files_are_their_owners_alone(made: dict[str, Path]) -> None:
    for path in made.values():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_the_pdf_renders_to_a_page_that_is_not_blank(made: dict[str, Path], tmp_path: Path) -> None:
    async def render() -> None:
        pool = RenderPool(RenderLimits(workers=1))
        try:
            for name, path in made.items():
                info = await pool.inspect(path)
                assert info.pages >= 2, name
                for page in (1, info.pages):
                    await pool.render(path, page, 1280, tmp_path / f"{name}-{page}.webp")
        finally:
            await pool.close()

    asyncio.run(render())
    for image_path in tmp_path.glob("*.webp"):
        with Image.open(image_path) as image:
            grey = image.convert("L")
            assert grey.size[0] == 1280
            # Ink on the page: a blank page is all white (255) everywhere.
            darkest, _ = grey.getextrema()
            assert isinstance(darkest, int)
            assert darkest < 100, image_path.name
            # The first page is full of text; the last may hold only the closing section.
            if image_path.name.endswith("-1.webp"):
                assert ImageStat.Stat(grey).mean[0] < 254, image_path.name


def test_a_bad_time_zone_or_room_writes_nothing(
    scripted_template: Scripted, tmp_path: Path
) -> None:
    out = tmp_path / "none.pdf"
    refused = congress(
        scripted_template.data_dir, "minutes", "--out", str(out), "--tz", "Mars/Base"
    )
    assert refused.returncode == 2
    assert "unknown time zone" in refused.stderr
    refused = congress(
        scripted_template.data_dir, "minutes", "--out", str(out), "--room", "nowhere"
    )
    assert refused.returncode == 2
    assert "no room 'nowhere'" in refused.stderr
    assert not out.exists()
    # Another zone moves every time: 08:00 in Vietnam is 01:00 UTC.
    utc = tmp_path / "utc.pdf"
    made = congress(scripted_template.data_dir, "minutes", "--out", str(utc), "--tz", "UTC")
    assert made.returncode == 0, made.stderr
    assert "15/10/2025 01:00:00 Khai mạc" in pdf_text(utc)
