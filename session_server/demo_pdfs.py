"""The demo congress's documents, written as PDFs from the project's own text with fpdf2."""

from __future__ import annotations

from collections.abc import Sequence

from fpdf import FPDF

from .fonts import add_dejavu, latin

_RED = (170, 20, 20)


class _Paper(FPDF):
    """An A4 congress paper: a red rule and heading line on every page, page numbers."""

    def __init__(self, heading: str, confidential: bool) -> None:
        super().__init__(format="A4")
        self.heading = heading
        self.confidential = confidential
        # Without DejaVu the core Helvetica font is used and the text loses its accents:
        # still readable, and the demo still runs on a machine without the font package.
        self.face = add_dejavu(self)
        self.has_unicode = self.face == "DejaVu"
        self.set_auto_page_break(auto=True, margin=22)
        self.set_margins(22, 20, 22)

    def text_of(self, text: str) -> str:
        return text if self.has_unicode else latin(text)

    def header(self) -> None:
        self.set_font(self.face, "B", 9)
        self.set_text_color(*_RED)
        self.cell(0, 5, self.text_of("ĐẢNG CỘNG SẢN VIỆT NAM"), align="R")
        self.ln(5)
        self.set_text_color(90, 90, 90)
        self.set_font(self.face, "", 8)
        self.cell(0, 5, self.text_of(self.heading))
        if self.confidential:
            self.set_text_color(*_RED)
            self.set_font(self.face, "B", 9)
            self.cell(0, 5, self.text_of("MẬT"), align="R")
        self.ln(6)
        self.set_draw_color(*_RED)
        self.set_line_width(0.6)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(6)
        self.set_text_color(20, 20, 20)

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font(self.face, "", 8)
        self.set_text_color(110, 110, 110)
        self.cell(0, 10, self.text_of(f"Trang {self.page_no()}/{{nb}}"), align="C")

    def title_block(self, title: str, subtitle: str) -> None:
        self.set_font(self.face, "B", 17)
        self.set_text_color(*_RED)
        self.multi_cell(0, 9, self.text_of(title), align="C", new_x="LMARGIN", new_y="NEXT")
        self.ln(1)
        self.set_font(self.face, "", 11)
        self.set_text_color(60, 60, 60)
        self.multi_cell(0, 6, self.text_of(subtitle), align="C", new_x="LMARGIN", new_y="NEXT")
        self.ln(6)
        self.set_text_color(20, 20, 20)

    def section(self, heading: str, paragraphs: Sequence[str]) -> None:
        self.set_font(self.face, "B", 12.5)
        self.multi_cell(0, 7, self.text_of(heading), new_x="LMARGIN", new_y="NEXT")
        self.ln(1.5)
        self.set_font(self.face, "", 11)
        for paragraph in paragraphs:
            self.multi_cell(0, 6, self.text_of(paragraph), align="J", new_x="LMARGIN", new_y="NEXT")
            self.ln(2.5)
        self.ln(2)


def programme(congress: str, agenda: Sequence[tuple[str, str, int]]) -> bytes:
    """The public programme: the agenda with presenters and times, two pages."""
    pdf = _Paper(congress, confidential=False)
    pdf.add_page()
    pdf.title_block("CHƯƠNG TRÌNH ĐẠI HỘI", congress)
    clock = 8 * 60
    pdf.set_font(pdf.face, "", 11.5)
    for number, (title, presenter, minutes) in enumerate(agenda, start=1):
        start = f"{clock // 60:02d}:{clock % 60:02d}"
        clock += minutes
        pdf.set_font(pdf.face, "B", 11.5)
        pdf.multi_cell(
            0, 7, pdf.text_of(f"{number}. {start}  {title}"), new_x="LMARGIN", new_y="NEXT"
        )
        pdf.set_font(pdf.face, "", 10.5)
        pdf.set_text_color(80, 80, 80)
        pdf.multi_cell(
            0,
            6,
            pdf.text_of(f"Trình bày: {presenter} · {minutes} phút"),
            new_x="LMARGIN",
            new_y="NEXT",
        )
        pdf.set_text_color(20, 20, 20)
        pdf.ln(3)
    pdf.add_page()
    pdf.section(
        "Nội quy Đại hội",
        [
            "Đại biểu có mặt tại hội trường trước giờ khai mạc 15 phút, đeo thẻ đại biểu "
            "và ngồi đúng vị trí theo sơ đồ của Ban Tổ chức.",
            "Đại biểu đăng ký phát biểu trên máy tính bảng; Đoàn Chủ tịch sắp xếp thứ tự. "
            "Ý kiến về thủ tục được ưu tiên trước các ý kiến thảo luận.",
            "Tài liệu Đại hội được trình chiếu trên màn hình đại biểu; tài liệu mật chỉ "
            "hiển thị cho người có thẩm quyền và mang tên của người xem.",
            "Không ghi âm, ghi hình, chụp ảnh tài liệu khi chưa được Đoàn Chủ tịch cho phép.",
        ],
    )
    return bytes(pdf.output())


_REPORT_SECTIONS = (
    (
        "I. Đánh giá kết quả thực hiện Nghị quyết nhiệm kỳ 2020 - 2025",
        [
            "Trong nhiệm kỳ qua, Đảng bộ và nhân dân tỉnh đã vượt qua nhiều khó khăn, thách "
            "thức, đạt được những kết quả quan trọng trên các lĩnh vực kinh tế, văn hóa, xã "
            "hội, quốc phòng, an ninh. Tốc độ tăng trưởng kinh tế bình quân đạt khá, cơ cấu "
            "kinh tế chuyển dịch đúng hướng; kết cấu hạ tầng được quan tâm đầu tư.",
            "Kinh tế biển, nuôi trồng và chế biến thủy sản tiếp tục là thế mạnh; năng lượng "
            "tái tạo, du lịch sinh thái rừng ngập mặn và Mũi Cà Mau được đẩy mạnh phát triển.",
            "Công tác xây dựng Đảng và hệ thống chính trị được chú trọng; công tác kiểm tra, "
            "giám sát, phòng chống tham nhũng, tiêu cực được thực hiện nghiêm túc.",
        ],
    ),
    (
        "II. Hạn chế, khuyết điểm và nguyên nhân",
        [
            "Một số chỉ tiêu chưa đạt so với Nghị quyết; quy mô kinh tế còn nhỏ, sức cạnh "
            "tranh chưa cao. Kết cấu hạ tầng giao thông, thủy lợi chưa đồng bộ, chưa đáp ứng "
            "yêu cầu ứng phó biến đổi khí hậu, sạt lở bờ biển.",
            "Nguyên nhân chủ yếu là điều kiện tự nhiên khó khăn, nguồn lực đầu tư hạn chế; "
            "một số cấp ủy, người đứng đầu chưa thật sự quyết liệt trong tổ chức thực hiện.",
        ],
    ),
    (
        "III. Mục tiêu tổng quát nhiệm kỳ 2025 - 2030",
        [
            "Xây dựng Đảng bộ và hệ thống chính trị trong sạch, vững mạnh; phát huy sức mạnh "
            "đại đoàn kết toàn dân tộc; khai thác hiệu quả tiềm năng kinh tế biển; phát triển "
            "nhanh và bền vững, đưa Cà Mau trở thành tỉnh phát triển khá của vùng.",
        ],
    ),
    (
        "IV. Các chỉ tiêu chủ yếu",
        [
            "1. Tốc độ tăng trưởng tổng sản phẩm trên địa bàn bình quân từ 7,5% trở lên.",
            "2. Thu nhập bình quân đầu người đến năm 2030 đạt trên 120 triệu đồng.",
            "3. Tỷ lệ hộ nghèo giảm bình quân 1% mỗi năm; trên 95% dân số tham gia bảo hiểm y tế.",
            "4. Tỷ lệ che phủ rừng và cây phân tán đạt 26%; 100% chất thải rắn đô thị được "
            "thu gom, xử lý.",
            "5. Hằng năm có trên 90% tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ.",
        ],
    ),
    (
        "V. Nhiệm vụ và giải pháp chủ yếu",
        [
            "Tập trung phát triển kinh tế biển gắn với bảo đảm quốc phòng, an ninh; hoàn "
            "thiện hạ tầng giao thông kết nối vùng; phát triển điện gió, điện khí và các "
            "ngành công nghiệp chế biến sâu.",
            "Nâng cao chất lượng giáo dục, y tế; bảo tồn và phát huy giá trị văn hóa; chăm lo "
            "đời sống nhân dân vùng sâu, vùng xa, đồng bào dân tộc thiểu số.",
            "Đẩy mạnh chuyển đổi số trong cơ quan đảng, nhà nước; xây dựng chính quyền số, "
            "kinh tế số, xã hội số; họp không giấy tờ ở các cấp.",
        ],
    ),
    (
        "VI. Tổ chức thực hiện",
        [
            "Các cấp ủy, tổ chức đảng xây dựng chương trình hành động thực hiện Nghị quyết "
            "Đại hội, cụ thể hóa thành các đề án, kế hoạch phù hợp với điều kiện thực tế.",
            "Ban Chấp hành Đảng bộ tỉnh khóa mới lãnh đạo, chỉ đạo, kiểm tra, giám sát việc "
            "thực hiện; định kỳ sơ kết, tổng kết và báo cáo Ban Chấp hành Trung ương.",
        ],
    ),
)


def political_report(congress: str) -> bytes:
    """The delegates' draft political report: one section a page, six pages."""
    pdf = _Paper(congress, confidential=False)
    for number, (heading, paragraphs) in enumerate(_REPORT_SECTIONS):
        pdf.add_page()
        if number == 0:
            pdf.title_block(
                "DỰ THẢO BÁO CÁO CHÍNH TRỊ",
                "của Ban Chấp hành Đảng bộ tỉnh nhiệm kỳ 2020 - 2025 trình Đại hội",
            )
        pdf.section(heading, paragraphs)
    return bytes(pdf.output())


def personnel_plan(congress: str, candidates: Sequence[tuple[str, str]]) -> bytes:
    """The presidium's confidential personnel plan: principles, then candidates, three pages."""
    pdf = _Paper(congress, confidential=True)
    pdf.add_page()
    pdf.title_block(
        "ĐỀ ÁN NHÂN SỰ BAN CHẤP HÀNH ĐẢNG BỘ TỈNH",
        "nhiệm kỳ 2025 - 2030 (tài liệu mật, lưu hành nội bộ Đoàn Chủ tịch)",
    )
    pdf.section(
        "I. Phương hướng, số lượng và cơ cấu",
        [
            "Ban Chấp hành Đảng bộ tỉnh nhiệm kỳ mới gồm 53 đồng chí; bảo đảm ba độ tuổi, tỷ "
            "lệ cán bộ nữ từ 15% trở lên, cán bộ trẻ dưới 42 tuổi từ 10% trở lên.",
            "Cơ cấu hợp lý giữa các ngành, lĩnh vực, địa bàn; chú trọng chất lượng, bảo đảm "
            "tính kế thừa, ổn định và phát triển.",
        ],
    )
    pdf.add_page()
    pdf.section("II. Danh sách giới thiệu (dự kiến)", [])
    pdf.set_font(pdf.face, "", 10.5)
    for number, (name, unit) in enumerate(candidates, start=1):
        pdf.cell(12, 7, str(number))
        pdf.cell(70, 7, pdf.text_of(name))
        pdf.cell(0, 7, pdf.text_of(unit), new_x="LMARGIN", new_y="NEXT")
    pdf.add_page()
    pdf.section(
        "III. Quy trình bầu cử",
        [
            "Đại hội thảo luận, biểu quyết số lượng Ban Chấp hành; lập danh sách bầu cử; bầu "
            "bằng phiếu kín. Người trúng cử phải được quá một nửa số phiếu bầu hợp lệ.",
            "Danh sách này là tài liệu mật; không sao chụp, không đưa ra khỏi phòng họp.",
        ],
    )
    return bytes(pdf.output())


_RESOLUTION = (
    (
        "1. Đánh giá kết quả nhiệm kỳ 2020 - 2025",
        (
            (
                "1.1. Về phát triển kinh tế",
                (
                    "a) Tốc độ tăng trưởng kinh tế bình quân đạt 6,8% mỗi năm; cơ cấu kinh tế "
                    "chuyển dịch theo hướng tăng tỷ trọng công nghiệp, dịch vụ.",
                    "b) Kinh tế biển, nuôi trồng và chế biến thủy sản tiếp tục là thế mạnh; "
                    "năng lượng tái tạo được đầu tư và bắt đầu phát huy hiệu quả.",
                    "c) Thu ngân sách trên địa bàn tăng bình quân 8% mỗi năm; kết cấu hạ tầng "
                    "giao thông được quan tâm đầu tư, từng bước kết nối vùng.",
                ),
            ),
            (
                "1.2. Về văn hóa, xã hội",
                (
                    "a) Chất lượng giáo dục, đào tạo được nâng lên; tỷ lệ trường đạt chuẩn quốc "
                    "gia tăng; công tác chăm sóc sức khỏe nhân dân có nhiều tiến bộ.",
                    "b) Các chính sách an sinh xã hội được thực hiện đầy đủ, kịp thời; tỷ lệ hộ "
                    "nghèo giảm còn dưới 2%.",
                ),
            ),
        ),
    ),
    (
        "2. Mục tiêu nhiệm kỳ 2025 - 2030",
        (
            (
                "2.1. Mục tiêu tổng quát",
                (
                    "Xây dựng Đảng bộ và hệ thống chính trị trong sạch, vững mạnh; phát huy sức "
                    "mạnh đại đoàn kết toàn dân tộc; khai thác hiệu quả tiềm năng kinh tế biển; "
                    "phát triển nhanh và bền vững.",
                ),
            ),
            (
                "2.2. Các chỉ tiêu chủ yếu",
                (
                    "a) Tốc độ tăng trưởng tổng sản phẩm trên địa bàn bình quân từ 7,5% trở lên.",
                    "b) Thu nhập bình quân đầu người đến năm 2030 đạt trên 120 triệu đồng.",
                    "c) Tỷ lệ che phủ rừng và cây phân tán đạt 26%.",
                    "d) Hằng năm có trên 90% tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ.",
                ),
            ),
        ),
    ),
    (
        "3. Nhiệm vụ và giải pháp",
        (
            (
                "3.1. Phát triển kinh tế biển",
                (
                    "a) Hoàn thiện quy hoạch không gian biển; phát triển cảng cá, khu neo đậu "
                    "tránh trú bão gắn với dịch vụ hậu cần nghề cá.",
                    "b) Phát triển điện gió ngoài khơi, điện khí và công nghiệp chế biến sâu.",
                ),
            ),
            (
                "3.2. Chuyển đổi số và cải cách hành chính",
                (
                    "a) Xây dựng chính quyền số, kinh tế số, xã hội số; họp không giấy tờ ở "
                    "các cấp.",
                    "b) Đơn giản hóa thủ tục hành chính; 100% hồ sơ được tiếp nhận và trả kết "
                    "quả trực tuyến.",
                ),
            ),
        ),
    ),
    (
        "4. Tổ chức thực hiện",
        (
            (
                "4.1. Trách nhiệm của các cấp ủy",
                (
                    "Các cấp ủy, tổ chức đảng xây dựng chương trình hành động thực hiện Nghị "
                    "quyết, cụ thể hóa thành các đề án, kế hoạch phù hợp với thực tế.",
                ),
            ),
            (
                "4.2. Kiểm tra, giám sát",
                (
                    "Ban Chấp hành Đảng bộ tỉnh khóa mới lãnh đạo, chỉ đạo, kiểm tra, giám sát "
                    "việc thực hiện; định kỳ sơ kết, tổng kết và báo cáo.",
                ),
            ),
        ),
    ),
)

RESOLUTION_REVISED = (
    "a) Tốc độ tăng trưởng tổng sản phẩm trên địa bàn bình quân từ 8% trở lên.",
    "a) Tốc độ tăng trưởng tổng sản phẩm trên địa bàn bình quân từ 7,5% trở lên.",
)
"""The one paragraph the second version of the draft resolution changes: (new, old)."""


def draft_resolution(congress: str, *, revised: bool = False) -> bytes:
    """The draft resolution the groups discuss: numbered sections 1. to 4., one a page;
    `revised`, the second version, with one paragraph changed (RESOLUTION_REVISED)."""
    pdf = _Paper(congress, confidential=False)
    for number, (heading, parts) in enumerate(_RESOLUTION):
        pdf.add_page()
        if number == 0:
            pdf.title_block(
                "DỰ THẢO NGHỊ QUYẾT ĐẠI HỘI",
                "Đại hội đại biểu Đảng bộ tỉnh lần thứ I, nhiệm kỳ 2025 - 2030",
            )
        pdf.set_font(pdf.face, "B", 13)
        pdf.multi_cell(0, 7, pdf.text_of(heading), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
        for subheading, paragraphs in parts:
            if revised:
                paragraphs = tuple(
                    RESOLUTION_REVISED[0] if p == RESOLUTION_REVISED[1] else p for p in paragraphs
                )
            pdf.section(subheading, paragraphs)
    return bytes(pdf.output())
