"""The code as a QR image: level Q, read back by zxing-cpp and verified, from memory and (in Chromium) from PNG/SVG."""

from __future__ import annotations

import base64
import struct
import xml.etree.ElementTree as ET
from datetime import datetime
from typing import Any

import numpy as np
import pytest
import zxingcpp

from fugong.errors import InvalidInput
from fugong.healthcode.credentials.qr import QUIET_ZONE, make_qr, qr_png, qr_svg
from fugong.healthcode.credentials.verify import OfflineVerifier

from .conftest import Issue


def _scan(gray: np.ndarray[Any, np.dtype[np.uint8]]) -> zxingcpp.Barcode:
    found = zxingcpp.read_barcodes(gray)
    assert len(found) == 1
    assert found[0].format == zxingcpp.BarcodeFormat.QRCode
    return found[0]


def _render(text: str, scale: int = 3) -> np.ndarray[Any, np.dtype[np.uint8]]:
    dark = np.array(list(make_qr(text).matrix_iter(scale=scale, border=QUIET_ZONE)), dtype=np.uint8)
    return np.where(dark == 1, 0, 255).astype(np.uint8)


def test_a_scanned_qr_verifies(issue: Issue, verifier: OfflineVerifier, now: datetime) -> None:
    code = issue(colour="green")
    barcode = _scan(_render(code.text))
    assert barcode.text == code.text
    assert barcode.ec_level == "Q"
    decision = verifier.verify(barcode.text, now=now)
    assert decision.valid
    assert decision.claims == code.claims


def test_a_damaged_qr_still_scans_thanks_to_level_q(issue: Issue, verifier: OfflineVerifier, now: datetime) -> None:
    code = issue()
    image = _render(code.text, scale=4)
    size = image.shape[0]
    # A smudge over ~5 % of the symbol, away from the finder patterns.
    image[size // 2 : size // 2 + size // 9, size // 3 : size // 3 + size // 3] = 255
    assert verifier.verify(_scan(image).text, now=now).valid


def test_the_qr_is_a_full_qr_in_alphanumeric_mode(issue: Issue) -> None:
    qr = make_qr(issue().text)
    assert qr.error == "Q"
    assert qr.mode == "alphanumeric"
    assert not qr.is_micro
    assert isinstance(qr.version, int)
    assert qr.version <= 12


def test_png_and_svg_have_the_expected_size(issue: Issue) -> None:
    text = issue().text
    modules = make_qr(text).symbol_size(scale=1, border=QUIET_ZONE)[0]
    png = qr_png(text, scale=5)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert width == height == modules * 5
    svg = ET.fromstring(qr_svg(text, scale=5))  # noqa: S314 - our own SVG output, not untrusted input
    assert svg.tag.endswith("svg")
    assert svg.attrib["width"] == svg.attrib["height"] == str(modules * 5)


@pytest.mark.parametrize("text", ["", "fg1:lower case", "FG1:" + "0" * 4297, "FG1:中文"])
def test_text_that_cannot_be_a_credential_qr_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput, match="alphanumeric") as caught:
        make_qr(text)
    assert caught.value.field == "text"


# Chromium decodes the PNG and the SVG exactly as a phone screen shows them; zxing-cpp reads the pixels.
_PIXELS_JS = """async (src) => {
  const img = new Image();
  img.src = src;
  await img.decode();
  const canvas = document.createElement('canvas');
  canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(img, 0, 0);
  const rgba = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  let gray = '';
  for (let i = 0; i < rgba.length; i += 4) gray += String.fromCharCode(rgba[i + 1]);
  return [canvas.width, canvas.height, btoa(gray)];
}"""


@pytest.mark.browser
@pytest.mark.parametrize(("render", "mime"), [(qr_png, "image/png"), (qr_svg, "image/svg+xml")])
def test_png_and_svg_scan_in_a_browser(
    browser: Any, issue: Issue, verifier: OfflineVerifier, now: datetime, render: Any, mime: str
) -> None:
    code = issue(issuer="330200", colour="yellow")
    src = f"data:{mime};base64,{base64.b64encode(render(code.text, scale=4)).decode()}"
    page = browser.new_page()
    try:
        width, height, gray = page.evaluate(_PIXELS_JS, src)
    finally:
        page.close()
    pixels = np.frombuffer(base64.b64decode(gray), dtype=np.uint8).reshape(height, width)
    barcode = _scan(pixels)
    assert barcode.text == code.text
    assert barcode.ec_level == "Q"
    decision = verifier.verify(barcode.text, now=now)
    assert decision.valid
    assert decision.claims is not None
    assert decision.claims.issuer == "330200"
