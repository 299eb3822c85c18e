"""The minutes' words in Vietnamese and English, and how their times are written."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

Lang = Literal["vi", "en"]
LANGS: tuple[Lang, ...] = ("vi", "en")

DEFAULT_TZ = "Asia/Ho_Chi_Minh"
"""Times are written in the congress's local time: Vietnam's unless told otherwise (a hub's
machine often keeps UTC, which would put every time seven hours off)."""

WORDS: dict[str, tuple[str, str]] = {
    # key: (Vietnamese, English)
    "minutes": ("BIÊN BẢN", "MINUTES"),
    "full_copy": (
        "Bản đầy đủ — dành cho Đoàn Chủ tịch và Đoàn Thư ký",
        "Full copy — for the presidium and the secretariat",
    ),
    "full_short": ("Bản đầy đủ", "Full copy"),
    "public_copy": ("Bản công khai", "Public copy"),
    "date": ("Ngày", "Date"),
    "place": ("Địa điểm", "Place"),
    "room": ("Phòng họp", "Room"),
    "made_from": (
        "Lập từ nhật ký của hệ thống, đến bản ghi số {seq}; giờ theo múi giờ {tz}.",
        "Made from the hub's log, up to record {seq}; times in the {tz} time zone.",
    ),
    "page": ("Trang {n}/{total}", "Page {n} of {total}"),
    "none": ("Không có.", "None."),
    "s_session": ("1. Diễn biến phiên họp", "1. The session"),
    "s_agenda": ("2. Chương trình nghị sự", "2. The agenda"),
    "s_documents": ("3. Tài liệu trình chiếu", "3. Documents shown"),
    "s_speeches": ("4. Phát biểu", "4. Speeches"),
    "s_announcements": ("5. Thông báo", "5. Announcements"),
    "s_attendance": ("6. Điểm danh", "6. Attendance"),
    "s_votes": ("7. Biểu quyết", "7. Votes"),
    "s_checkpoints": ("8. Điểm kiểm chứng nhật ký", "8. Log checkpoints"),
    "in_session": ("Khai mạc", "Opened"),
    "resumed": ("Tiếp tục phiên họp", "Resumed"),
    "suspended": ("Tạm nghỉ", "Break"),
    "adjourned": ("Bế mạc", "Adjourned"),
    "not_started": ("Chưa bắt đầu", "Not started"),
    "resume_at": ("tiếp tục lúc {time}", "to resume at {time}"),
    "no": ("TT", "No."),
    "time": ("Thời điểm", "Time"),
    "event": ("Diễn biến", "Event"),
    "item": ("Nội dung", "Item"),
    "presenter": ("Trình bày", "Presenter"),
    "start": ("Bắt đầu", "Start"),
    "end": ("Kết thúc", "End"),
    "planned": ("Dự kiến", "Planned"),
    "minutes_short": ("{n} phút", "{n} min"),
    "not_taken_up": ("chưa thực hiện", "not taken up"),
    "removed": ("(đã rút khỏi chương trình)", "(removed from the agenda)"),
    "from_to": ("Thời gian", "From - to"),
    "document": ("Tài liệu", "Document"),
    "pages": ("Trang", "Pages"),
    "version": ("phiên bản {v}", "version {v}"),
    "more_turns": ("… {n} lần chuyển trang khác …", "… {n} more page turns …"),
    "not_public": ("Tài liệu không công khai", "A document not public"),
    "speaker": ("Người phát biểu", "Speaker"),
    "kind": ("Hình thức", "Kind"),
    "granted": ("Bắt đầu", "Granted at"),
    "duration": ("Thời lượng", "Duration"),
    "allowed": ("Thời gian được giao", "Time allowed"),
    "speaking_now": ("đang phát biểu", "still speaking"),
    "speech": ("Phát biểu", "Speech"),
    "point_of_order": ("Ý kiến về thủ tục", "Point of order"),
    "reply": ("Trả lời, giải trình", "Reply"),
    "extended": ("gia hạn {list}", "extended {list}"),
    "posted": ("Đăng lúc", "Posted"),
    "text": ("Nội dung", "Text"),
    "shown_until": ("Hiển thị đến", "Shown until"),
    "withdrawn": ("gỡ xuống", "withdrawn"),
    "sitting": ("Buổi họp", "Sitting"),
    "at_opening": ("Có mặt khi khai mạc", "Present at opening"),
    "present": ("Có mặt", "Present"),
    "total": ("Tổng số đại biểu", "Delegates"),
    "still_sitting": ("đang họp", "still sitting"),
    "roll": (
        "Danh sách đại biểu khi kết thúc buổi họp {n}",
        "The roll at the end of sitting {n}",
    ),
    "delegate_id": ("Mã", "Id"),
    "name": ("Họ và tên", "Name"),
    "unit": ("Đơn vị", "Unit"),
    "seat": ("Ghế", "Seat"),
    "checked_in": ("Điểm danh lúc", "Checked in at"),
    "absent": ("Vắng", "Absent"),
    "no_sitting": ("Chưa có buổi họp nào được khai mạc.", "No sitting was opened."),
    "v_question": ("Biểu quyết", "Vote"),
    "v_election": ("Bầu cử", "Election"),
    "v_settings": (
        "Mở lúc {opened}, kết thúc lúc {closed}; tỷ lệ cần đạt: {threshold}, cơ sở tính: {base}.",
        "Opened {opened}, closed {closed}; threshold: {threshold}, base: {base}.",
    ),
    "v_half": ("quá một nửa", "more than half"),
    "v_two_thirds": ("từ hai phần ba trở lên", "two-thirds or more"),
    "v_base_convened": ("đại biểu chính thức được triệu tập", "official delegates convened"),
    "v_base_present": ("đại biểu có mặt khi mở biểu quyết", "delegates present at the opening"),
    "v_turnout": (
        "Số phiếu phát ra {issued} = số phiếu thu về {cast} + số phiếu không thu về {missing}.",
        "Ballots issued {issued} = ballots cast {cast} + ballots not cast {missing}.",
    ),
    "v_no_result": ("Chưa có kết quả được công bố.", "No result published."),
    "v_passed": ("Thông qua", "Adopted"),
    "v_not_passed": ("Không thông qua", "Not adopted"),
    "v_question_result": (
        "Tán thành {yes}, không tán thành {no}, không biểu quyết {abstain}; "
        "cơ sở tính {base}: {verdict}.",
        "For {yes}, against {no}, not voting {abstain}; base {base}: {verdict}.",
    ),
    "v_votes": ("Số phiếu", "Votes"),
    "v_outcome": ("Kết quả", "Outcome"),
    "v_elected": ("Trúng cử", "Elected"),
    "v_tied": ("Bằng phiếu: bầu tiếp", "Tied: further round"),
    "v_election_result": (
        "Cơ sở tính {base}; số lượng cần bầu {seats}; còn thiếu {unfilled}.",
        "Base {base}; seats {seats}; unfilled {unfilled}.",
    ),
    "no_votes": (
        "Nhật ký chưa ghi cuộc biểu quyết nào.",
        "The log records no vote.",
    ),
    "no_checkpoints": (
        "Nhật ký chưa có điểm kiểm chứng nào được ký.",
        "The log holds no signed checkpoint.",
    ),
    "seq": ("Bản ghi", "Record"),
    "reason": ("Lý do", "Reason"),
    "head": ("Đến bản ghi", "Head"),
    "fingerprint": ("Dấu vân tay", "Fingerprint"),
    "key": ("Khóa", "Key"),
    # Written contributions (the full copy's last section).
    "s_contributions": ("9. Tham luận gửi Đoàn Thư ký", "9. Written contributions"),
    "no_contributions": (
        "Chưa có đại biểu nào gửi tham luận.",
        "No delegate sent a written contribution.",
    ),
    "c_title": ("Tiêu đề", "Title"),
    "c_status": ("Trạng thái", "Status"),
    "c_submitted": ("Đã gửi", "Submitted"),
    "c_accepted": ("Đã tiếp nhận", "Accepted"),
    "c_returned": ("Trả lại", "Returned"),
    "c_published": ("Đã phát hành", "Published"),
    "skipped": (
        "Nhật ký có loại sự kiện mà bản này chưa đọc được (bỏ qua): {kinds}.",
        "The log holds event kinds this release does not read (left out): {kinds}.",
    ),
}


def word(key: str, lang: Lang, **values: object) -> str:
    vi, en = WORDS[key]
    return (vi if lang == "vi" else en).format(**values)


def zone(name: str) -> ZoneInfo:
    """The time zone called `name`; ValueError with a clear message for an unknown one."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"unknown time zone {name!r} (e.g. Asia/Ho_Chi_Minh, UTC)") from error


def local(ms: int, tz: ZoneInfo) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz)


def clock(ms: int | None, tz: ZoneInfo) -> str:
    return "" if ms is None else local(ms, tz).strftime("%H:%M:%S")


def day(ms: int, tz: ZoneInfo) -> str:
    return local(ms, tz).strftime("%d/%m/%Y")


def moment(ms: int | None, tz: ZoneInfo) -> str:
    """Date and time, as an export's cell carries it: ISO 8601 with the zone's offset."""
    return "" if ms is None else local(ms, tz).isoformat(timespec="seconds")


def duration(total_seconds: int | None) -> str:
    if total_seconds is None:
        return ""
    minutes, rest = divmod(total_seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{rest:02d}" if hours else f"{minutes}:{rest:02d}"
