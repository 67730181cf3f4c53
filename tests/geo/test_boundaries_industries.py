"""Boundaries of all 90 counties, and the GB/T 4754 sections with their sectors."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from fugong.errors import InvalidInput
from fugong.geo import (
    UnknownIndustry,
    load_boundaries,
    load_gazetteer,
    section,
    section_of_division,
    sections,
    sector_of_division,
)


def test_every_county_has_a_polygon() -> None:
    g = load_gazetteer("zhejiang", date(2020, 2, 1))
    collection = load_boundaries(g)
    features = collection["features"]
    assert {f["properties"]["code"] for f in features} == {d.code for d in g.counties()}
    for f in features:
        assert f["geometry"]["type"] in {"Polygon", "MultiPolygon"}
        lon, lat = _first_point(f["geometry"])
        assert 118 < lon < 123.5
        assert 27 < lat < 31.5
    yueqing = next(f for f in features if f["properties"]["code"] == "330382")
    assert yueqing["properties"] == {"code": "330382", "name": "乐清市", "city_code": "330300", "city_name": "温州市"}


def _first_point(geometry: dict[str, object]) -> tuple[float, float]:
    coords = geometry["coordinates"]
    while isinstance(coords, list) and isinstance(coords[0], list):
        coords = coords[0]
    assert isinstance(coords, list)
    return float(coords[0]), float(coords[1])


def test_a_boundary_file_missing_a_county_is_refused(tmp_path: Path) -> None:
    from fugong.geo import province_folder

    folder = tmp_path / "zj"
    folder.mkdir()
    shipped = province_folder("zhejiang")
    (folder / "divisions.csv").write_bytes((shipped / "divisions.csv").read_bytes())
    source = json.loads((shipped / "boundaries.geojson").read_text(encoding="utf-8"))
    source["features"] = [f for f in source["features"] if f["properties"]["adcode"] != 330382]
    (folder / "boundaries.geojson").write_text(json.dumps(source), encoding="utf-8")
    with pytest.raises(InvalidInput, match="330382 乐清市"):
        load_boundaries(load_gazetteer(str(folder), date(2020, 2, 1)), str(folder))


def test_twenty_sections_with_chinese_and_english_names() -> None:
    all_sections = sections()
    assert [s.code for s in all_sections] == list("ABCDEFGHIJKLMNOPQRST")
    assert section("C").name_zh == "制造业"
    assert section("c").name_en == "Manufacturing"
    divisions = [d for s in all_sections for d in s.divisions]
    assert len(divisions) == len(set(divisions)) == 97


@pytest.mark.parametrize(
    ("division", "section_code", "sector"),
    [
        ("01", "A", "primary"),
        ("05", "A", "tertiary"),
        ("06", "B", "secondary"),
        ("11", "B", "tertiary"),
        ("13", "C", "secondary"),
        ("43", "C", "tertiary"),
        ("44", "D", "secondary"),
        ("47", "E", "secondary"),
        ("51", "F", "tertiary"),
        ("97", "T", "tertiary"),
        ("7", "B", "secondary"),
    ],
)
def test_divisions_map_to_sections_and_sectors(division: str, section_code: str, sector: str) -> None:
    assert section_of_division(division).code == section_code
    assert sector_of_division(division) == sector


@pytest.mark.parametrize("code", ["U", "", "AB", "制造业"])
def test_unknown_sections_are_refused(code: str) -> None:
    with pytest.raises(UnknownIndustry, match="section"):
        section(code)


@pytest.mark.parametrize("division", ["00", "98", "99"])
def test_unknown_divisions_are_refused(division: str) -> None:
    with pytest.raises(UnknownIndustry, match="division"):
        section_of_division(division)
