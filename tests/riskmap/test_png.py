"""PNG maps drawn with Pillow: valid, twice the SVG's size, each county exactly its swatch's colour; refusals."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from fugong.cli import main
from fugong.errors import InvalidInput
from fugong.geo import load_boundaries, load_gazetteer
from fugong.riskmap.layers import resumption_layer, risk_layer
from fugong.riskmap.levels import Level
from fugong.riskmap.png import SCALE, render_png
from fugong.riskmap.resumption import Band
from fugong.riskmap.svg import NO_DATA, TITLE_HEIGHT, Projection, canvas_size
from fugong.settings import Settings

from .conftest import YUEQING

SQUARE: dict[str, Any] = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"code": "A", "name": "甲"},
            "geometry": {"type": "Polygon", "coordinates": [[[120, 29], [121, 29], [121, 30], [120, 30], [120, 29]]]},
        },
        {
            "type": "Feature",
            "properties": {"code": "B", "name": "乙"},
            "geometry": {
                "type": "MultiPolygon",
                "coordinates": [
                    # A square with a hole, and an island.
                    [
                        [[121, 29], [122, 29], [122, 30], [121, 30], [121, 29]],
                        [[121.3, 29.3], [121.7, 29.3], [121.7, 29.7], [121.3, 29.7], [121.3, 29.3]],
                    ],
                    [[[122.2, 29.2], [122.4, 29.2], [122.4, 29.4], [122.2, 29.4], [122.2, 29.2]]],
                ],
            },
        },
    ],
}


def _pixel(project: Projection, lon: float, lat: float) -> tuple[int, int]:
    x, y = project(lon, lat)
    return round(x * SCALE), round((y + TITLE_HEIGHT) * SCALE)


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return int(hex_colour[1:3], 16), int(hex_colour[3:5], 16), int(hex_colour[5:7], 16)


def test_each_unit_is_filled_with_its_swatch_holes_stay_empty_and_the_size_is_twice_the_svg() -> None:
    layer = risk_layer({"A": Level.RED, "B": Level.GREEN}, title="测试", note="cases.csv")
    data = render_png(SQUARE, layer)
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(data)).convert("RGB")
    project = Projection(SQUARE["features"])
    width, height = canvas_size(project)
    assert image.size == (width * SCALE, height * SCALE)
    assert image.getpixel(_pixel(project, 120.5, 29.5)) == _rgb(Level.RED.hex)
    assert image.getpixel(_pixel(project, 121.15, 29.5)) == _rgb(Level.GREEN.hex)
    assert image.getpixel(_pixel(project, 122.3, 29.3)) == _rgb(Level.GREEN.hex)  # the island
    assert image.getpixel(_pixel(project, 121.5, 29.5)) == (255, 255, 255)  # the hole


def test_a_unit_without_a_figure_is_grey_and_the_resumption_bands_have_their_own_colours() -> None:
    layer = resumption_layer({"A": Band.VERY_HIGH}, title="复工", language="en")
    image = Image.open(io.BytesIO(render_png(SQUARE, layer, language="en"))).convert("RGB")
    project = Projection(SQUARE["features"])
    assert image.getpixel(_pixel(project, 120.5, 29.5)) == _rgb(Band.VERY_HIGH.hex)
    assert image.getpixel(_pixel(project, 121.15, 29.5)) == _rgb(NO_DATA)
    assert layer.count("very_high") == 1
    assert [s.label for s in layer.legend] == ["very high", "high", "medium", "low", "very low"]


@pytest.mark.parametrize(
    ("fills", "language", "message"),
    [
        ({"C": Level.RED}, "zh", "no boundary for unit(s): C"),
        ({"A": Level.RED}, "fr", "language must be zh or en"),
    ],
)
def test_what_cannot_be_drawn_is_refused(fills: dict[str, Level], language: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=re.escape(message)):
        render_png(SQUARE, risk_layer(fills, title="t"), language=language)


def test_a_geometry_that_is_not_a_polygon_is_refused() -> None:
    line = {"features": [{"properties": {"code": "L"}, "geometry": {"type": "LineString", "coordinates": []}}]}
    with pytest.raises(InvalidInput, match="'LineString' is not a polygon"):
        render_png(line, risk_layer({}, title="t"))


def test_the_map_command_writes_a_png_of_the_province(
    settings: Settings, yueqing_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "map.png"
    code = main(["riskmap", "map", "--cases", str(yueqing_csv), "--date", "2020-02-12", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    assert "90 counties drawn" in capsys.readouterr().out
    image = Image.open(out).convert("RGB")
    boundaries = load_boundaries(load_gazetteer("zhejiang"))
    project = Projection(boundaries["features"])
    width, height = canvas_size(project)
    assert image.size == (width * SCALE, height * SCALE)
    # 乐清市's largest polygon: its mean vertex lies inside it, well away from the coast.
    feature = next(f for f in boundaries["features"] if f["properties"]["code"] == YUEQING)
    ring = max((p[0] for p in feature["geometry"]["coordinates"]), key=len)
    lon = sum(p[0] for p in ring) / len(ring)
    lat = sum(p[1] for p in ring) / len(ring)
    assert image.getpixel(_pixel(project, lon, lat)) == _rgb(Level.RED.hex)


def test_the_map_command_draws_the_resumption_map_from_files(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    power = tmp_path / "power.csv"
    power.write_text(
        "county,day,sector,resumed_share,production_share\n"
        f"{YUEQING},2020-02-19,secondary,90,90\n{YUEQING},2020-02-19,tertiary,90,80\n"
        f"{YUEQING},2020-02-20,secondary,10,10\n",
        encoding="utf-8",
    )
    stats = tmp_path / "stats.csv"
    stats.write_text(f"county,primary,secondary,tertiary\n{YUEQING},1,5,4\n", encoding="utf-8")
    out = tmp_path / "resumption.svg"
    args = ["riskmap", "map", "--kind", "resumption", "--power", str(power), "--stats", str(stats)]
    code = main([*args, "--date", "2020-02-19", "--out", str(out), "--language", "en"])
    assert code == 0, capsys.readouterr().err
    text = out.read_text(encoding="utf-8")
    assert f'data-code="{YUEQING}" data-level="very_high" fill="{Band.VERY_HIGH.hex}"' in text
    assert "very high (1)" in text
    assert "no data (89)" in text
    assert "power.csv, stats.csv" in text
