"""The credential as a QR code (segno): error-correction level Q, alphanumeric mode, PNG or SVG."""

from __future__ import annotations

import io

import segno

from fugong.errors import InvalidInput
from fugong.healthcode.credentials.codec import MAX_TEXT_CHARS

# Level Q restores up to ~25 % of damaged modules: a cracked phone screen or a smudged paper code still scans.
ERROR_LEVEL = "Q"
DEFAULT_SCALE = 6
QUIET_ZONE = 4
_ALPHANUMERIC = set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")


def make_qr(text: str) -> segno.QRCode:
    """A full-size QR code of ``text`` at level Q (never boosted, never Micro QR), alphanumeric mode."""
    if not text or len(text) > MAX_TEXT_CHARS or not set(text) <= _ALPHANUMERIC:
        raise InvalidInput("a QR credential is 1-4296 characters of the QR alphanumeric set", field="text")
    try:
        return segno.make(text, error=ERROR_LEVEL, boost_error=False, mode="alphanumeric", micro=False)
    except segno.DataOverflowError as exc:
        raise InvalidInput(f"too long for a QR code at level Q: {exc}", field="text") from exc


def qr_png(text: str, scale: int = DEFAULT_SCALE) -> bytes:
    """The QR code as a PNG image (black on white, 4-module quiet zone)."""
    buffer = io.BytesIO()
    make_qr(text).save(buffer, kind="png", scale=scale, border=QUIET_ZONE)
    return buffer.getvalue()


def qr_svg(text: str, scale: int = DEFAULT_SCALE) -> bytes:
    """The QR code as an SVG document (scales without blur for print and screens)."""
    buffer = io.BytesIO()
    make_qr(text).save(buffer, kind="svg", scale=scale, border=QUIET_ZONE, xmldecl=True)
    return buffer.getvalue()
