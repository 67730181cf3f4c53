"""Static SVG maps for briefings: county polygons projected simply, filled by a layer, with a legend and a title."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from fugong.errors import InvalidInput
from fugong.riskmap.layers import MapLayer, risk_layer
from fugong.riskmap.levels import Level

Ring = Sequence[Sequence[float]]
WIDTH = 800  # pixels of the map area; the height follows the province's shape
MARGIN = 20
LEGEND_WIDTH = 190
TITLE_HEIGHT = 40
NO_DATA = "#c8c8c8"
LEGEND_TITLE = {"zh": "图例", "en": "Legend"}
NO_DATA_LABEL = {"zh": "无数据", "en": "no data"}


def _rings(geometry: Mapping[str, Any]) -> Iterable[Ring]:
    if geometry["type"] == "Polygon":
        yield from geometry["coordinates"]
    elif geometry["type"] == "MultiPolygon":
        for polygon in geometry["coordinates"]:
            yield from polygon
    else:
        raise InvalidInput(f"boundary geometry {geometry['type']!r} is not a polygon")


def rings(geometry: Mapping[str, Any]) -> list[Ring]:
    """The outer rings and holes of a polygon or multipolygon."""
    return list(_rings(geometry))


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


def canvas_size(project: Projection) -> tuple[int, int]:
    """Width and height of the whole picture: map, legend column and title band."""
    return WIDTH + LEGEND_WIDTH, max(project.height, 260) + TITLE_HEIGHT


def path_data(geometry: Mapping[str, Any], project: Projection) -> str:
    """The SVG path of a polygon or multipolygon (holes drawn with the even-odd rule)."""
    parts = []
    for ring in _rings(geometry):
        xy = [project(p[0], p[1]) for p in ring]
        parts.append("M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in xy) + " Z")
    return " ".join(parts)


def check_language(language: str) -> None:
    """Only zh and en legends exist."""
    if language not in ("zh", "en"):
        raise InvalidInput(f"language must be zh or en, got {language!r}", field="language")


def check_codes(boundaries: Mapping[str, Any], layer: MapLayer) -> None:
    """Every unit the layer fills must have a boundary to draw."""
    codes = {str(f["properties"]["code"]) for f in boundaries["features"]}
    stray = sorted(set(layer.fills) - codes)
    if stray:
        raise InvalidInput(f"no boundary for unit(s): {', '.join(stray)}", field="levels")


def render_layer(boundaries: Mapping[str, Any], layer: MapLayer, *, language: str = "zh") -> str:
    """An SVG document: each boundary feature filled from the layer, with a legend of counts."""
    check_language(language)
    check_codes(boundaries, layer)
    features = boundaries["features"]
    project = Projection(features)
    width, height = canvas_size(project)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="Noto Sans CJK SC, Noto Sans SC, sans-serif">',
        f"<title>{escape(layer.title)}</title>",
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text x="{MARGIN}" y="28" font-size="20" font-weight="bold">{escape(layer.title)}</text>',
        f'<g id="counties" transform="translate(0,{TITLE_HEIGHT})" stroke="#ffffff" stroke-width="0.6" '
        'fill-rule="evenodd">',
    ]
    for feature in features:
        props = feature["properties"]
        code = str(props["code"])
        swatch = layer.fills.get(code)
        fill = swatch.hex if swatch else NO_DATA
        label = swatch.label if swatch else NO_DATA_LABEL[language]
        key = swatch.key if swatch else "none"
        tip = escape(f"{props['name']} {code}: {label}")
        out.append(
            f'<path class="county" data-code="{code}" data-level={quoteattr(key)} fill="{fill}" '
            f'd="{path_data(feature["geometry"], project)}"><title>{tip}</title></path>'
        )
    out.append("</g>")
    out.extend(_legend(layer, language, len(features)))
    if layer.note:
        out.append(
            f'<text id="note" x="{MARGIN}" y="{height - 6}" font-size="11" fill="#555555">{escape(layer.note)}</text>'
        )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def legend_rows(layer: MapLayer, language: str, total: int) -> list[tuple[str, str, str]]:
    """(key, fill, text) per legend line: the layer's swatches with their counts, then units without data."""
    rows = [(s.key, s.hex, f"{s.label} ({layer.count(s.key)})") for s in layer.legend]
    missing = total - len(layer.fills)
    if missing > 0:
        rows.append(("none", NO_DATA, f"{NO_DATA_LABEL[language]} ({missing})"))
    return rows


def _legend(layer: MapLayer, language: str, total: int) -> list[str]:
    x, y = WIDTH + 10, 70
    lines = [f'<g id="legend" font-size="14"><text x="{x}" y="{y}" font-weight="bold">{LEGEND_TITLE[language]}</text>']
    for n, (key, fill, text) in enumerate(legend_rows(layer, language, total), start=1):
        top = y + n * 28
        lines.append(
            f'<rect class="legend-swatch" data-level="{key}" x="{x}" y="{top - 14}" width="22" height="16" '
            f'fill="{fill}"/><text x="{x + 30}" y="{top}">{escape(text)}</text>'
        )
    lines.append("</g>")
    return lines


def render(
    boundaries: Mapping[str, Any],
    levels: Mapping[str, Level],
    *,
    title: str,
    language: str = "zh",
    note: str = "",
) -> str:
    """An SVG document of a five-colour map: each unit filled with its level's colour."""
    check_language(language)
    return render_layer(boundaries, risk_layer(levels, title=title, language=language, note=note), language=language)
