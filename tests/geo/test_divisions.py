"""Divisions: the 90 counties of 2020, name variants, history, and clear errors for what is not there."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from fugong.errors import InvalidInput
from fugong.geo import Gazetteer, UnknownDivision, load_gazetteer

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "geo" / "zhejiang_counties_2020.csv"


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return load_gazetteer("zhejiang", date(2020, 2, 1))


def test_all_90_counties_of_2020_with_their_cities(gazetteer: Gazetteer) -> None:
    counties = gazetteer.counties()
    assert len(counties) == 90
    assert len(gazetteer.cities()) == 11
    with SHARED.open(encoding="utf-8") as handle:
        reference = {r["code"]: r for r in csv.DictReader(handle)}
    assert {d.code for d in counties} == set(reference)
    for d in counties:
        assert d.name == reference[d.code]["name"]
        assert gazetteer.parent(d).code == reference[d.code]["city_code"]
        assert d.type == reference[d.code]["type"]


def test_counts_per_city(gazetteer: Gazetteer) -> None:
    assert len(gazetteer.counties(city="杭州")) == 13
    assert len(gazetteer.counties(city="330300")) == 12
    assert len(gazetteer.counties(city="舟山市")) == 4


@pytest.mark.parametrize(
    "value",
    ["乐清", "乐清市", "330382", "温州乐清", "浙江省温州市乐清市", " 乐清市 ", "３３０３８２"],
)
def test_name_variants_resolve_to_yueqing(gazetteer: Gazetteer, value: str) -> None:
    d = gazetteer.lookup(value)
    assert (d.code, d.name) == ("330382", "乐清市")


def test_autonomous_county_short_name(gazetteer: Gazetteer) -> None:
    assert gazetteer.lookup("景宁").code == "331127"


@pytest.mark.parametrize(
    ("old", "current"),
    [
        ("临安市", "330112"),
        ("330185", "330112"),
        ("玉环县", "331083"),
        ("331021", "331083"),
        ("奉化市", "330213"),
        ("江东区", "330212"),
        ("绍兴县", "330603"),
        ("上虞市", "330604"),
        ("富阳市", "330111"),
        ("洞头县", "330305"),
    ],
)
def test_old_names_and_codes_resolve_to_the_2020_unit(gazetteer: Gazetteer, old: str, current: str) -> None:
    assert gazetteer.lookup(old).code == current


def test_longgang_created_2019(gazetteer: Gazetteer) -> None:
    longgang = gazetteer.get("330383")
    assert longgang.valid_from == date(2019, 8, 16)
    assert gazetteer.lookup("龙港", on=date(2020, 2, 1)).code == "330383"
    # Before it existed, its territory belonged to Cangnan.
    assert gazetteer.lookup("330383", on=date(2019, 1, 1)).code == "330327"
    assert len(gazetteer.counties(on=date(2019, 1, 1))) == 89


def test_2021_hangzhou_changes(gazetteer: Gazetteer) -> None:
    after = date(2021, 6, 1)
    assert gazetteer.lookup("江干区", on=after).code == "330102"
    assert gazetteer.lookup("330103", on=after).code == "330105"
    assert gazetteer.lookup("临平区", on=after).code == "330113"
    # A 2021 code in a 2020 feed falls back to the unit it came from.
    assert gazetteer.lookup("330113").code == "330110"
    assert len(gazetteer.counties(on=after)) == 90
    codes_2021 = {d.code for d in gazetteer.counties(on=after)}
    assert {"330113", "330114"} <= codes_2021
    assert not {"330103", "330104"} & codes_2021


def test_2016_and_2017_changes_by_date(gazetteer: Gazetteer) -> None:
    assert gazetteer.lookup("临安", on=date(2017, 1, 1)).code == "330185"
    assert gazetteer.lookup("临安", on=date(2018, 1, 1)).code == "330112"
    assert gazetteer.lookup("奉化", on=date(2016, 1, 1)).code == "330283"


def test_unknown_code_lists_the_closest(gazetteer: Gazetteer) -> None:
    with pytest.raises(UnknownDivision) as caught:
        gazetteer.lookup("330399")
    assert "330399" in caught.value.detail
    assert [d.code for d in caught.value.suggestions] == ["330383", "330382", "330381"]
    assert caught.value.status == 422


def test_misspelt_name_suggests_the_right_one(gazetteer: Gazetteer) -> None:
    with pytest.raises(UnknownDivision) as caught:
        gazetteer.lookup("乐请市")
    assert caught.value.suggestions[0].code == "330382"


@pytest.mark.parametrize("value", ["", "   ", "北京市", "999999", "33038", "not a place"])
def test_values_that_name_nothing_are_refused(gazetteer: Gazetteer, value: str) -> None:
    with pytest.raises(UnknownDivision, match="region"):
        gazetteer.lookup(value)


def test_level_filter(gazetteer: Gazetteer) -> None:
    assert gazetteer.lookup("温州", level="city").code == "330300"
    with pytest.raises(UnknownDivision):
        gazetteer.lookup("温州", level="county")


def test_another_province_loads_from_a_folder(tmp_path: Path) -> None:
    folder = tmp_path / "mini"
    folder.mkdir()
    (folder / "divisions.csv").write_text(
        "code,name,level,type,parent_code,valid_from,valid_to,successor_code,predecessor_code,note\n"
        "320000,江苏省,province,province,,,,,,\n"
        "321100,镇江市,city,prefecture_city,320000,,,,,\n"
        "321182,扬中市,county,county-level city,321100,,,,,\n",
        encoding="utf-8",
    )
    g = load_gazetteer(str(folder), date(2020, 2, 1))
    assert g.province.name == "江苏省"
    assert g.lookup("扬中").code == "321182"


def test_unknown_province_names_the_shipped_ones() -> None:
    with pytest.raises(InvalidInput, match="zhejiang"):
        load_gazetteer("atlantis", date(2020, 2, 1))
