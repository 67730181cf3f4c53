"""The org-unit hierarchy: province to village from fugong.geo and a register file; bad files are clear errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.survey.conftest import TOWN, UNITS, VILLAGE_A, VILLAGE_B, YUEQING, write_units

from fugong.errors import InvalidInput, NotFound
from fugong.geo import load_gazetteer
from fugong.settings import Settings
from fugong.survey.orgunits import Hierarchy, load_csv, load_hierarchy


def test_the_hierarchy_runs_from_province_to_village(hierarchy: Hierarchy) -> None:
    chain = [u.level for u in hierarchy.ancestors(VILLAGE_A)]
    assert chain == ["township", "county", "city", "province"]
    assert [u.code for u in hierarchy.ancestors(VILLAGE_A)][:3] == [TOWN, YUEQING, "330300"]
    assert [u.code for u in hierarchy.children(TOWN)] == [VILLAGE_A, VILLAGE_B]
    assert hierarchy.contains(YUEQING, VILLAGE_B)
    assert not hierarchy.contains(VILLAGE_A, VILLAGE_B)
    assert len(hierarchy.at_level("county")) == 90
    assert [u.code for u in hierarchy.at_level("village", YUEQING)] == [VILLAGE_A, VILLAGE_B, "330382100200"]
    with pytest.raises(NotFound, match="no org unit '330382009009'"):
        hierarchy.get("330382009009")


def test_the_simulators_register_loads(tiny_province: Any) -> None:
    folder = Path(tiny_province.out_dir)
    units = load_csv(load_gazetteer(), folder / "feeds" / "org_units" / "org_units.csv")
    villages = units.at_level("village")
    assert len(villages) > 90 * 6  # every county has townships and villages
    assert all(units.ancestors(v.code)[-1].level == "province" for v in villages[:50])


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (("33038200", "短码", "township", "镇", YUEQING), "a township code has 9 digits"),
        (("330382001009", "孤村", "village", "村", "330382777"), "parent '330382777'"),
        (("330382300", "错级", "town", "镇", YUEQING), "level 'town' must be township or village"),
        (("330383001", "外县", "township", "镇", YUEQING), "is not a known unit above it"),
    ],
)
def test_a_bad_register_row_is_named(tmp_path: Path, row: tuple[str, str, str, str, str], message: str) -> None:
    path = write_units(tmp_path / "units.csv", [*UNITS, row])
    with pytest.raises(InvalidInput, match=message) as caught:
        load_csv(load_gazetteer(), path)
    assert "units.csv line" in caught.value.detail


def test_missing_columns_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "units.csv"
    path.write_text("code,name\n330382001,东湖街道\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="missing columns level, parent_code"):
        load_csv(load_gazetteer(), path)
    with pytest.raises(InvalidInput, match="cannot read org units"):
        load_csv(load_gazetteer(), tmp_path / "absent.csv")


def test_without_a_register_the_lake_is_asked(settings: Settings) -> None:
    with pytest.raises(NotFound, match="the lake has no org_units dataset"):
        load_hierarchy(settings)
