"""PNG maps for briefings, drawn with Pillow from the boundaries: the same layout as the SVG, at twice its size.

Polygons are filled without anti-aliasing, so every pixel inside a county is exactly its swatch's colour. Text
needs a font with Chinese glyphs: Noto Sans CJK (Debian's fonts-noto-cjk) is used when it is installed; without it
Pillow's own font draws the Latin text and Chinese characters come out as boxes (docs/riskmap.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import Any

from PIL import Image, ImageChops, ImageDraw, ImageFont

from fugong.riskmap.layers import MapLayer
from fugong.riskmap.svg import (
    LEGEND_TITLE,
    MARGIN,
    NO_DATA,
    TITLE_HEIGHT,
    WIDTH,
    Projection,
    canvas_size,
    check_codes,
    check_language,
    legend_rows,
    rings,
)

SCALE = 2  # pixels per SVG unit: a briefing slide wants more than 990 pixels across
CJK_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
)
Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@lru_cache(maxsize=8)
def font(size: int) -> Font:
    """Noto Sans CJK SC at ``size`` pixels if installed, else Pillow's default font."""
    for path in CJK_FONTS:
        if not Path(path).exists():
            continue
        for index in range(6):
            try:
                face = ImageFont.truetype(path, size, index=index)
            except OSError:
                break
            if face.getname()[0] == "Noto Sans CJK SC":
                return face
        return ImageFont.truetype(path, size)
    return ImageFont.load_default(size)


def _scaled(points: Sequence[Sequence[float]], project: Projection) -> list[tuple[float, float]]:
    out = []
    for p in points:
        x, y = project(p[0], p[1])
        out.append((x * SCALE, (y + TITLE_HEIGHT) * SCALE))
    return out


def _polygons(geometry: Mapping[str, Any]) -> list[Sequence[Sequence[Sequence[float]]]]:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    rings(geometry)  # refuses what is not a polygon
    return list(geometry["coordinates"])


def _fill_feature(image: Image.Image, geometry: Mapping[str, Any], project: Projection, fill: str) -> None:
    draw = ImageDraw.Draw(image)
    for polygon in _polygons(geometry):
        outline = [_scaled(ring, project) for ring in polygon]
        if len(outline) == 1:
            draw.polygon(outline[0], fill=fill, outline="#ffffff")
            continue
        # A polygon with holes: even-odd within its bounding box, as the SVG draws it, so a hole stays a hole.
        left = int(min(x for x, _ in outline[0]))
        top = int(min(y for _, y in outline[0]))
        size = (int(max(x for x, _ in outline[0])) - left + 2, int(max(y for _, y in outline[0])) - top + 2)
        mask = Image.new("1", size, 0)
        for ring in outline:
            ring_mask = Image.new("1", size, 0)
            ImageDraw.Draw(ring_mask).polygon([(x - left, y - top) for x, y in ring], fill=1)
            mask = ImageChops.logical_xor(mask, ring_mask)
        image.paste(fill, (left, top, left + size[0], top + size[1]), mask=mask)
        for ring in outline:
            draw.line([*ring, ring[0]], fill="#ffffff", width=1)


def render_png(boundaries: Mapping[str, Any], layer: MapLayer, *, language: str = "zh") -> bytes:
    """A PNG of the layer: counties filled by swatch, title above, legend with counts on the right, note below."""
    check_language(language)
    check_codes(boundaries, layer)
    features = boundaries["features"]
    project = Projection(features)
    width, height = canvas_size(project)
    image = Image.new("RGB", (width * SCALE, height * SCALE), "#ffffff")
    for feature in features:
        swatch = layer.fills.get(str(feature["properties"]["code"]))
        _fill_feature(image, feature["geometry"], project, swatch.hex if swatch else NO_DATA)
    draw = ImageDraw.Draw(image)
    draw.text((MARGIN * SCALE, 10 * SCALE), layer.title, fill="#000000", font=font(20 * SCALE))
    x, y = WIDTH + 10, 70
    draw.text((x * SCALE, (y - 14) * SCALE), LEGEND_TITLE[language], fill="#000000", font=font(14 * SCALE))
    for n, (_, fill, text) in enumerate(legend_rows(layer, language, len(features)), start=1):
        top = y + n * 28
        box = (x * SCALE, (top - 14) * SCALE, (x + 22) * SCALE, (top + 2) * SCALE)
        draw.rectangle(box, fill=fill)
        draw.text(((x + 30) * SCALE, (top - 15) * SCALE), text, fill="#000000", font=font(14 * SCALE))
    if layer.note:
        draw.text((MARGIN * SCALE, (height - 17) * SCALE), layer.note, fill="#555555", font=font(11 * SCALE))
    buffer = BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()
