"""Writing PDFs with text in any script, for letters and lists sent to partners.

ReportLab's Adobe CID fonts carry Chinese with kana (STSong-Light) and Korean
(HYSMyeongJo-Medium); Helvetica carries Western European Latin (WinAnsi). The rest —
Latin beyond it (ł, ő, č), Greek, Cyrillic — is drawn in DejaVu Sans, embedded, from the
Debian package fonts-dejavu-core when the machine has it (fontconfig depends on it), else
Latin in Helvetica and Greek and Cyrillic in STSong-Light's full-width forms. A line is
drawn as runs, each in the font for its characters (as `ill/slips.py` chooses a font per
value), and wrapped to a width by words for alphabetic scripts and by characters for CJK.
"""

import io
import unicodedata
from collections.abc import Iterator
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

CJK_FONT = "STSong-Light"
KOREAN_FONT = "HYSMyeongJo-Medium"
LATIN_FONT = "Helvetica"
LATIN_BOLD = "Helvetica-Bold"
WIDE_FONT = "DejaVuSans"
WIDE_BOLD = "DejaVuSans-Bold"
WIDE_DIR = Path("/usr/share/fonts/truetype/dejavu")
_registered = False
_wide = False


def _fonts() -> None:
    global _registered, _wide
    if not _registered:
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
        pdfmetrics.registerFont(UnicodeCIDFont(KOREAN_FONT))
        regular, bold = WIDE_DIR / "DejaVuSans.ttf", WIDE_DIR / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            pdfmetrics.registerFont(TTFont(WIDE_FONT, str(regular)))
            pdfmetrics.registerFont(TTFont(WIDE_BOLD, str(bold)))
            _wide = True
        _registered = True


def _is_hangul(char: str) -> bool:
    code = ord(char)
    return 0xAC00 <= code <= 0xD7AF or 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F


# Typographic punctuation Helvetica has (WinAnsi): quotes, dashes, ellipsis, bullet, euro.
_LATIN_EXTRA = set("‘’‚“”„–—…•€™")


def _is_alphabetic(char: str) -> bool:
    """Latin beyond WinAnsi, Greek, Cyrillic and their diacritics: DejaVu Sans has them."""
    code = ord(char)
    return code < 0x370 or 0x370 <= code <= 0x52F or 0x1E00 <= code <= 0x1FFF


def font_for(char: str, bold: bool = False) -> str:
    _fonts()
    if ord(char) < 0x100 or char in _LATIN_EXTRA:
        return LATIN_BOLD if bold else LATIN_FONT
    if _wide and _is_alphabetic(char):
        return WIDE_BOLD if bold else WIDE_FONT
    if ord(char) < 0x250:
        return LATIN_BOLD if bold else LATIN_FONT
    return KOREAN_FONT if _is_hangul(char) else CJK_FONT


def runs(text: str, bold: bool = False) -> Iterator[tuple[str, str]]:
    """(font, text) pieces of text, each in one font; spaces go with the run before."""
    text = unicodedata.normalize("NFC", text)
    font, start = "", 0
    for i, char in enumerate(text):
        wanted = font if (char == " " and font) else font_for(char, bold)
        if wanted != font:
            if i > start:
                yield font, text[start:i]
            font, start = wanted, i
    if start < len(text):
        yield font, text[start:]


def width_of(text: str, size: float, bold: bool = False) -> float:
    return sum(pdfmetrics.stringWidth(piece, font, size) for font, piece in runs(text, bold))


def _tokens(text: str) -> Iterator[str]:
    """Words (with their trailing spaces) of Latin text, single characters of CJK."""
    word = ""
    for char in text:
        if font_for(char) in (LATIN_FONT, WIDE_FONT) and char != " ":
            word += char
            continue
        if char == " ":
            yield word + " "
        else:
            if word:
                yield word
            yield char
        word = ""
    if word:
        yield word


def wrap(text: str, width: float, size: float, bold: bool = False) -> list[str]:
    """text in lines no wider than width (a word longer than a line is cut)."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for token in _tokens(paragraph):
            if width_of((line + token).rstrip(), size, bold) <= width:
                line += token
                continue
            if line.strip():
                lines.append(line.rstrip())
            line = ""
            while width_of(token.rstrip(), size, bold) > width and len(token) > 1:
                cut = len(token) - 1
                while cut > 1 and width_of(token[:cut], size, bold) > width:
                    cut -= 1
                lines.append(token[:cut])
                token = token[cut:]
            line = token.lstrip()
        lines.append(line.rstrip())
    return lines


def draw_text(
    pdf: canvas.Canvas, x: float, y: float, text: str, size: float = 10, bold: bool = False
) -> None:
    """Text in any script on a canvas, each run in the font that has its letters."""
    for font, piece in runs(text, bold):
        pdf.setFont(font, size)
        pdf.drawString(x, y, piece)
        x += pdfmetrics.stringWidth(piece, font, size)


class Document:
    """An A4 document written top to bottom; a new page starts when the space runs out."""

    margin = 20 * mm

    def __init__(self, title: str) -> None:
        _fonts()
        self.out = io.BytesIO()
        self.pdf = canvas.Canvas(self.out, pagesize=A4)
        self.pdf.setTitle(title)
        self.width, self.height = A4
        self.y = self.height - self.margin
        self.page_footer = ""

    @property
    def text_width(self) -> float:
        return self.width - 2 * self.margin

    def draw(self, x: float, y: float, text: str, size: float = 10, bold: bool = False) -> None:
        draw_text(self.pdf, x, y, text, size, bold)

    def draw_right(self, x: float, y: float, text: str, size: float = 10) -> None:
        self.draw(x - width_of(text, size), y, text, size)

    def need(self, height: float) -> None:
        if self.y - height < self.margin:
            self.new_page()

    def new_page(self) -> None:
        self._footer()
        self.pdf.showPage()
        self.y = self.height - self.margin

    def _footer(self) -> None:
        if self.page_footer:
            self.draw(self.margin, 10 * mm, self.page_footer, 7)
        self.draw_right(self.width - self.margin, 10 * mm, str(self.pdf.getPageNumber()), 7)

    def paragraph(self, text: str, size: float = 10, bold: bool = False, indent: float = 0) -> None:
        leading = size * 1.45
        for line in wrap(text, self.text_width - indent, size, bold):
            self.need(leading)
            self.y -= leading
            self.draw(self.margin + indent, self.y, line, size, bold)

    def gap(self, height: float) -> None:
        self.y -= height

    def rule(self) -> None:
        self.need(3 * mm)
        self.y -= 1.5 * mm
        self.pdf.setLineWidth(0.4)
        self.pdf.line(self.margin, self.y, self.width - self.margin, self.y)
        self.y -= 1.5 * mm

    def row(
        self,
        cells: list[str],
        columns: list[tuple[float, float]],
        size: float = 9,
        bold: bool = False,
    ) -> None:
        """A table row: each cell wrapped in its (x offset, width) column; the row is as
        tall as its tallest cell."""
        wrapped = [
            wrap(text, width, size, bold) for text, (_x, width) in zip(cells, columns, strict=True)
        ]
        leading = size * 1.35
        height = max(len(lines) for lines in wrapped) * leading + 1 * mm
        self.need(height)
        for lines, (x, _width) in zip(wrapped, columns, strict=True):
            y = self.y
            for line in lines:
                y -= leading
                self.draw(self.margin + x, y, line, size, bold)
        self.y -= height

    def finish(self) -> bytes:
        self._footer()
        self.pdf.showPage()
        self.pdf.save()
        return self.out.getvalue()
