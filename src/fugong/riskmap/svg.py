"""Static SVG of the five-colour map for briefings: county polygons projected simply, a legend, a title."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from fugong.errors import InvalidInput
from fugong.riskmap.levels import HIGH_TO_LOW, Level

Ring = Sequence[Sequence[float]]
WIDTH = 800  # pixels of the map area; the height follows the province's shape
MARGIN = 20
LEGEND_WIDTH = 190
NO_DATA = "#c8c8c8"
_LEGEND_TITLE = {"zh": "图例", "en": "Legend"}
_NO_DATA_LABEL = {"zh": "无数据", "en": "no data"}


def _rings(geometry: Mapping[str, Any]) -> Iterable[Ring]:
    if geometry["type"] == "Polygon":
        yield from geometry["coordinates"]
    elif geometry["type"] == "MultiPolygon":
        for polygon in geometry["coordinates"]:
            yield from polygon
    else:
        raise InvalidInput(f"boundary geometry {geometry['type']!r} is not a polygon")


class Projection:
    """Longitude/latitude to pixels: equirectangular, x shrunk by the cosine of the middle latitude."""

    def __init__(self, features: Sequence[Mapping[str, Any]], width: int = WIDTH) -> None:
        points = [p for f in features for ring in _rings(f["geometry"]) for p in ring]
        self.west, self.east = min(p[0] for p in points), max(p[0] for p in points)
        self.south, self.north = min(p[1] for p in points), max(p[1] for p in points)
        self.stretch = math.cos(math.radians((self.south + self.north) / 2))
        self.scale = (width - 2 * MARGIN) / ((self.east - self.west) * self.stretch)
        self.width = width
        self.height = math.ceil((self.north - self.south) * self.scale + 2 * MARGIN)

    def __call__(self, lon: float, lat: float) -> tuple[float, float]:
        """Pixel position of a point (y grows downwards)."""
        return (
            MARGIN + (lon - self.west) * self.stretch * self.scale,
            MARGIN + (self.north - lat) * self.scale,
        )


def path_data(geometry: Mapping[str, Any], project: Projection) -> str:
    """The SVG path of a polygon or multipolygon (holes drawn with the even-odd rule)."""
    parts = []
    for ring in _rings(geometry):
        xy = [project(p[0], p[1]) for p in ring]
        parts.append("M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in xy) + " Z")
    return " ".join(parts)


def render(
    boundaries: Mapping[str, Any],
    levels: Mapping[str, Level],
    *,
    title: str,
    language: str = "zh",
    note: str = "",
) -> str:
    """An SVG document: each boundary feature filled with its unit's level colour, with a legend of counts."""
    if language not in ("zh", "en"):
        raise InvalidInput(f"language must be zh or en, got {language!r}", field="language")
    features = boundaries["features"]
    codes = {str(f["properties"]["code"]) for f in features}
    stray = sorted(set(levels) - codes)
    if stray:
        raise InvalidInput(f"no boundary for unit(s): {', '.join(stray)}", field="levels")
    project = Projection(features)
    height = max(project.height, 260)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH + LEGEND_WIDTH}" height="{height + 40}" '
        f'viewBox="0 0 {WIDTH + LEGEND_WIDTH} {height + 40}" font-family="Noto Sans CJK SC, Noto Sans SC, sans-serif">',
        f"<title>{escape(title)}</title>",
        f'<rect width="{WIDTH + LEGEND_WIDTH}" height="{height + 40}" fill="#ffffff"/>',
        f'<text x="{MARGIN}" y="28" font-size="20" font-weight="bold">{escape(title)}</text>',
        '<g id="counties" transform="translate(0,40)" stroke="#ffffff" stroke-width="0.6" fill-rule="evenodd">',
    ]
    for feature in features:
        props = feature["properties"]
        code = str(props["code"])
        level = levels.get(code)
        fill = level.hex if level else NO_DATA
        label = level.label(language) if level else _NO_DATA_LABEL[language]
        colour = level.colour if level else "none"
        tip = escape(f"{props['name']} {code}: {label}")
        out.append(
            f'<path class="county" data-code="{code}" data-level={quoteattr(colour)} fill="{fill}" '
            f'd="{path_data(feature["geometry"], project)}"><title>{tip}</title></path>'
        )
    out.append("</g>")
    out.extend(_legend(levels, language, len(features), note))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _legend(levels: Mapping[str, Level], language: str, total: int, note: str) -> list[str]:
    counts = Counter(levels.values())
    x, y = WIDTH + 10, 70
    lines = [f'<g id="legend" font-size="14"><text x="{x}" y="{y}" font-weight="bold">{_LEGEND_TITLE[language]}</text>']
    for n, level in enumerate(HIGH_TO_LOW, start=1):
        top = y + n * 28
        lines.append(
            f'<rect class="legend-swatch" data-level="{level.colour}" x="{x}" y="{top - 14}" width="22" height="16" '
            f'fill="{level.hex}"/><text x="{x + 30}" y="{top}">{escape(level.label(language))} '
            f"({counts.get(level, 0)})</text>"
        )
    missing = total - len(levels)
    if missing > 0:
        top = y + 6 * 28
        lines.append(
            f'<rect x="{x}" y="{top - 14}" width="22" height="16" fill="{NO_DATA}"/>'
            f'<text x="{x + 30}" y="{top}">{_NO_DATA_LABEL[language]} ({missing})</text>'
        )
    if note:
        lines.append(f'<text x="{x}" y="{y + 8 * 28}" font-size="11" fill="#555555">{escape(note)}</text>')
    lines.append("</g>")
    return lines
