"""Printable paper codes (纸质健康码) for people without a phone: one A4 page per person, with reportlab.

The Chinese text uses the PDF standard CJK font STSong-Light (Adobe-GB1), which every PDF reader supplies, so
the demo needs no font file on the server; the QR code is drawn as vector squares from segno's matrix at error
correction Q, so it prints sharp at any size.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta, timezone
from io import BytesIO

from reportlab.lib.colors import HexColor, black, white  # type: ignore[import-untyped]
from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
from reportlab.pdfbase.cidfonts import UnicodeCIDFont  # type: ignore[import-untyped]
from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped]

from fugong.errors import InvalidInput
from fugong.healthcode.credentials.qr import make_qr
from fugong.healthcode.gate.citizen import CodeCard

FONT = "STSong-Light"
BEIJING = timezone(timedelta(hours=8))
COLOURS = {
    "green": ("#1a9850", "绿码", "green"),
    "yellow": ("#f4c20d", "黄码", "yellow"),
    "red": ("#d73027", "红码", "red"),
}
QR_SIZE = 110 * mm


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def _qr(canvas: Canvas, text: str, x: float, y: float, size: float) -> None:
    """Draw the code's QR (with its quiet zone) as black squares in a ``size`` box whose lower left is x, y."""
    qr = make_qr(text)
    rows = [list(row) for row in qr.matrix]
    border = 4
    modules = len(rows) + 2 * border
    cell = size / modules
    canvas.setFillColor(white)
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    canvas.setFillColor(black)
    for r, row in enumerate(rows):
        for c, dark in enumerate(row):
            if dark:
                canvas.rect(x + (c + border) * cell, y + size - (r + border + 1) * cell, cell, cell, stroke=0, fill=1)


def _page(canvas: Canvas, card: CodeCard, font: str) -> None:
    assert card.code is not None
    assert card.colour is not None
    width, height = A4
    hex_colour, zh, en = COLOURS[card.colour]
    canvas.setFont(font, 22)
    canvas.drawCentredString(width / 2, height - 30 * mm, "浙江健康码 · 纸质码  Health code (paper)")
    canvas.setFont(font, 16)
    canvas.drawCentredString(width / 2, height - 42 * mm, f"{card.masked_name}")
    canvas.setFillColor(HexColor(hex_colour))
    canvas.roundRect(width / 2 - 40 * mm, height - 62 * mm, 80 * mm, 14 * mm, 4 * mm, stroke=0, fill=1)
    canvas.setFillColor(white if card.colour != "yellow" else black)
    canvas.setFont(font, 18)
    canvas.drawCentredString(width / 2, height - 57 * mm, f"{zh}  {en.upper()}")
    canvas.setFillColor(black)
    _qr(canvas, card.code.text, (width - QR_SIZE) / 2, height - 62 * mm - 8 * mm - QR_SIZE, QR_SIZE)
    claims = card.code.claims
    issued = claims.issued.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
    expires = claims.expires.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
    lines = [
        f"签发 Issued {issued}（北京时间 Beijing time）  签发地区 Issuer {claims.issuer}",
        f"有效至 Valid until {expires}；过期或颜色变化后请重新打印。",
        "Print a new one when it expires or the colour changes.",
        "卡口扫码核验签名与实时颜色 · Gates verify the signature and the live colour.",
    ]
    canvas.setFont(font, 10)
    y = height - 62 * mm - 8 * mm - QR_SIZE - 10 * mm
    for line in lines:
        canvas.drawCentredString(width / 2, y, line)
        y -= 6 * mm
    canvas.showPage()


def paper_codes(cards: Sequence[CodeCard]) -> bytes:
    """A PDF with one page per card that has a code; a card without a colour cannot be printed."""
    printable = [c for c in cards if c.code is not None]
    if not printable:
        raise InvalidInput("no code to print: the person has no health code colour yet", field="person_id")
    buffer = BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    canvas.setTitle("浙江健康码 · 纸质码")
    canvas.setCreator("Fugong")
    font = _font()
    for card in printable:
        _page(canvas, card, font)
    canvas.save()
    return buffer.getvalue()
