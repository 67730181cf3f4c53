"""The index from the hub's lake: joined on pseudonymous keys, checked against a hand count, cached per snapshot."""

from __future__ import annotations

import re
import shutil
from collections import defaultdict
from dataclasses import replace
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from fugong.geo.industries import section
from fugong.hub import lake
from fugong.hub.ingest import ingest
from fugong.power.definitions import Parameters, PowerInputError, Ratio, View, parse_baseline
from fugong.power.lake import (
    NoGridReadings,
    UnknownGroup,
    _coverage,
    _index,
    current_snapshot,
    lake_enterprises,
    lake_gaming,
    lake_index,
    lake_shortfalls,
)
from fugong.settings import Settings

DAY = date(2020, 2, 19)
YUEQING = "330382"


@pytest.fixture
def settings_of(power_lake: Path) -> Settings:
    return Settings(data_dir=power_lake)


def _rows(settings: Settings, query: str) -> list[tuple[Any, ...]]:
    """Run SQL over the lake's current datasets (readings, accounts, register)."""
    with lake.connect(settings, ["grid_readings", "grid_accounts", "market_registry"]) as con:
        return con.execute(query).fetchall()


def _hand_count(settings: Settings, day: date) -> dict[str, tuple[int, int, Fraction, Fraction]]:
    """Per county (and 'all'): users, resumed, Σ kWh of the resumed, Σ baseline — in plain Python fractions."""
    baseline: dict[str, list[Fraction]] = defaultdict(list)
    today: dict[str, Fraction] = {}
    for account, when, kwh in _rows(settings, "SELECT account_id, day, kwh FROM grid_readings"):
        if date(2019, 12, 1) <= when <= date(2019, 12, 31) and kwh is not None:
            baseline[account].append(Fraction(kwh))
        if when == day and kwh is not None:
            today[account] = Fraction(kwh)
    county_of = dict(
        _rows(
            settings,
            """SELECT a.account_id, coalesce(m.county_code, a.county_code) FROM grid_accounts a
               LEFT JOIN market_registry m ON m.enterprise_key = a.enterprise_key""",
        )
    )
    result: dict[str, list[Any]] = defaultdict(lambda: [0, 0, Fraction(0), Fraction(0)])
    for account, values in baseline.items():
        mean = sum(values, Fraction(0)) / len(values)
        if mean == 0:
            continue
        resumed = account in today and today[account] >= Fraction(3, 10) * mean
        for group in ("all", county_of.get(account, "unknown")):
            entry = result[group]
            entry[0] += 1
            entry[1] += int(resumed)
            entry[2] += today[account] if resumed else 0
            entry[3] += mean
    return {k: (v[0], v[1], v[2], v[3]) for k, v in result.items()}


def test_province_and_county_figures_equal_a_hand_count_of_the_lake_rows(settings_of: Settings) -> None:
    run = lake_index(settings_of, "province,county")
    figures = run.figures[run.figures["day"] == DAY]
    expected = _hand_count(settings_of, DAY)
    assert set(figures["code"]) == set(expected)
    for row in figures.itertuples():
        users, resumed, kwh, base = expected[row.code]
        assert (row.users, row.resumed_users) == (users, resumed), row.code
        assert row.resumed_share == pytest.approx(float(Fraction(resumed * 100, users)), abs=1e-9)
        assert row.production_share == pytest.approx(float(kwh * 100 / base), abs=1e-9)
        assert row.index == pytest.approx((row.resumed_share + row.production_share) / 2, abs=1e-12)
    province = figures[figures["level"] == "province"].iloc[0]
    assert province["name"] == "全部用户 (all users)"
    assert set(figures.loc[figures["level"] == "county", "name"]) >= {"乐清市", "西湖区", "磐安县"}


def test_the_parameters_name_every_snapshot_read(settings_of: Settings) -> None:
    run = lake_index(settings_of)
    snapshot = run.parameters.snapshot
    assert snapshot is not None
    for dataset in ("grid_readings", "grid_accounts", "market_registry"):
        assert f"{dataset}@{lake.snapshot_id(dataset, settings_of)}" in snapshot
    assert run.parameters.levels == ("province", "county", "industry")
    assert run.parameters.baseline.describe() == "2019-12-01..2019-12-31"
    assert run.parameters.as_dict()["snapshot"] == snapshot
    assert any("no enterprise in market_registry" in note for note in run.notes)


def test_sectors_follow_the_industry_sections_and_add_up_to_the_province(settings_of: Settings) -> None:
    run = lake_index(settings_of, "province,industry,sector,county+sector")
    day = run.figures[run.figures["day"] == DAY]
    by_level = {level: day[day["level"] == level] for level in ("province", "industry", "sector", "county+sector")}
    province_users = int(by_level["province"]["users"].iloc[0])
    assert int(by_level["sector"]["users"].sum()) == province_users
    assert int(by_level["county+sector"]["users"].sum()) == province_users
    industries = dict(zip(by_level["industry"]["code"], by_level["industry"]["users"], strict=True))
    expected: dict[str, int] = defaultdict(int)
    for code, users in industries.items():
        expected["unknown" if code == "unknown" else section(code).sector] += int(users)
    assert dict(zip(by_level["sector"]["code"], by_level["sector"]["users"], strict=True)) == dict(expected)
    names = dict(zip(by_level["sector"]["code"], by_level["sector"]["name"], strict=True))
    assert names["secondary"] == "第二产业"
    assert names["tertiary"] == "第三产业"
    # a county × sector row is summed from users, not averaged: its shares come from its own counts
    row = by_level["county+sector"][by_level["county+sector"]["code"] == f"{YUEQING}|secondary"].iloc[0]
    assert row["name"] == "乐清市|第二产业"
    assert row["resumed_share"] == pytest.approx(row["resumed_users"] * 100 / row["users"], abs=1e-9)


def test_results_are_kept_per_snapshot_and_parameters(settings_of: Settings) -> None:
    first = lake_index(settings_of, "province,county")
    hits = _index.cache_info().hits
    again = lake_index(settings_of, "province,county")
    assert _index.cache_info().hits == hits + 1
    assert again.figures.equals(first.figures)
    again.figures.loc[0, "index"] = -1.0  # a caller changing its copy does not change what others get
    assert lake_index(settings_of, "province,county").figures.equals(first.figures)
    stricter = replace(Parameters(parse_baseline("2019-12-01..2019-12-31")), threshold=Ratio.parse("0.5", "t"))
    other = lake_index(settings_of, "province,county", stricter)
    assert other.parameters.threshold.text == "0.5"
    assert (other.figures["resumed_users"] <= first.figures["resumed_users"]).all()
    assert (other.figures["resumed_users"] < first.figures["resumed_users"]).any()


def test_a_new_ingest_is_a_new_snapshot_and_new_figures(power_lake: Path, tmp_path: Path) -> None:
    copy = tmp_path / "var"
    shutil.copytree(power_lake, copy)
    settings = Settings(data_dir=copy)
    before = lake_index(settings, "province")
    # one more day of readings: every account draws its 19 Feb consumption again on 1 Apr 2020
    extra = tmp_path / "grid_readings_20200401.csv"
    rows = _rows(settings, "SELECT account_id, kwh FROM grid_readings WHERE day = DATE '2020-02-19'")
    extra.write_text("account_id,day,kwh\n" + "".join(f"{a},2020-04-01,{k}\n" for a, k in rows), encoding="utf-8")
    ingest("grid_readings", [extra], settings=settings)
    after = lake_index(settings, "province")
    assert after.parameters.snapshot != before.parameters.snapshot
    assert after.parameters.last_day == date(2020, 4, 1)
    last = after.figures.iloc[-1]
    same = after.figures[after.figures["day"] == DAY].iloc[0]
    assert (last["resumed_users"], last["index"]) == (same["resumed_users"], pytest.approx(same["index"], abs=1e-9))


def test_an_empty_lake_is_a_clear_not_found(tmp_path: Path) -> None:
    with pytest.raises(NoGridReadings, match="no grid_readings yet") as caught:
        lake_index(Settings(data_dir=tmp_path / "var"))
    assert caught.value.status == 404
    assert caught.value.code == "no_grid_readings"


def test_bad_levels_days_and_groups_are_refused(settings_of: Settings) -> None:
    with pytest.raises(PowerInputError, match="unknown level 'village'"):
        lake_index(settings_of, "province,village")
    late = Parameters(parse_baseline("2019-12-01..2019-12-31"), first_day=date(2020, 5, 1), last_day=date(2020, 5, 2))
    with pytest.raises(
        PowerInputError, match=re.escape("outside the grid readings, which cover 2019-10-01..2020-03-31")
    ):
        lake_index(settings_of, "province", late)
    empty_window = Parameters(parse_baseline("2018-12-01..2018-12-31"))
    with pytest.raises(PowerInputError, match=re.escape("baseline window 2018-12-01..2018-12-31 has no readings")):
        lake_index(settings_of, "province", empty_window)
    with pytest.raises(UnknownGroup, match="no power users in county '330100'"):
        lake_enterprises(settings_of, DAY, county="330100")
    with pytest.raises(UnknownGroup, match="no power users in industry 'Z'"):
        lake_enterprises(settings_of, DAY, industry="Z")
    with pytest.raises(PowerInputError, match="2021-01-01 is outside the grid readings"):
        lake_enterprises(settings_of, date(2021, 1, 1))


def test_the_drill_down_shows_each_account_with_its_enterprise_and_exact_judgement(settings_of: Settings) -> None:
    table = lake_enterprises(settings_of, DAY, county=YUEQING)
    rows = table.rows
    assert set(rows["county_code"]) == {YUEQING}
    assert table.parameters.snapshot is not None
    kwh = dict(_rows(settings_of, f"SELECT account_id, kwh FROM grid_readings WHERE day = DATE '{DAY}'"))
    names = dict(
        _rows(
            settings_of,
            """SELECT a.account_id, coalesce(m.name, a.account_name) FROM grid_accounts a
               LEFT JOIN market_registry m USING (enterprise_key)""",
        )
    )
    assert len(rows) == sum(1 for _ in rows.itertuples())
    for row in rows.itertuples():
        assert row.name == names[row.account_id]
        if row.missing:
            assert row.account_id not in kwh
            assert not row.resumed
            continue
        assert row.kwh == pytest.approx(float(kwh[row.account_id]))
        if row.in_population:
            assert row.ratio_pct == pytest.approx(row.kwh * 100 / row.baseline_kwh)
            if abs(row.ratio_pct - 30) > 1e-6:  # (ties are decided exactly; see test_definitions)
                assert row.resumed == (row.ratio_pct > 30), row.account_id
        else:
            assert not row.resumed
    assert rows["resumed"].any()
    assert (~rows["resumed"]).any()
    industry = lake_enterprises(settings_of, DAY, industry="C").rows
    assert set(industry["industry"]) == {"C"}
    assert set(industry["sector"]) == {"secondary"}


def test_the_enterprise_view_sums_the_accounts_of_each_enterprise(settings_of: Settings) -> None:
    params = Parameters(parse_baseline("2019-12-01..2019-12-31"), view=View.enterprises)
    enterprises = lake_enterprises(settings_of, DAY, params=params).rows
    accounts = lake_enterprises(settings_of, DAY).rows
    several = enterprises[enterprises["account_id"].str.contains(", ")]
    assert len(several) > 0, "the tiny province has enterprises with several power accounts"
    for row in several.itertuples():
        mine = accounts[accounts["enterprise_key"] == row.enterprise_key]
        assert sorted(mine["account_id"]) == row.account_id.split(", ")
        assert row.kwh == pytest.approx(mine["kwh"].sum())
    assert len(enterprises) < len(accounts)


def test_shortfalls_from_the_lake_name_enterprises_and_their_suppliers(settings_of: Settings) -> None:
    table = lake_shortfalls(settings_of, DAY)
    rows = table.rows
    assert len(rows) > 0
    assert (rows["ratio_pct"] >= 30).all()
    assert (rows["ratio_pct"] < 60).all()
    # every enterprise the grid knows is named; an account missing from grid_accounts stands alone, unnamed
    known = rows[rows["county_code"] != "unknown"]
    assert (known["name"] != "").all()
    assert set(rows.loc[rows["county_code"] == "unknown", "enterprise_id"].str[:8]) <= {"account:"}
    assert table.parameters.view is View.enterprises
    assert table.parameters.snapshot is not None
    assert "supply_links@" in table.parameters.snapshot
    with_suppliers = rows[rows["suppliers"] > 0]
    assert len(with_suppliers) > 0
    # suppliers are named for people, with the start of their key: "乐清…有限公司 (27531ce7) resumed 77%"
    status = "; ".join(with_suppliers["supplier_status"])
    assert re.search(r"有限公司 \([0-9a-f]{8}\) (resumed|not resumed|no reading|unknown)", status), status
    mine = lake_shortfalls(settings_of, DAY, county=YUEQING).rows
    assert set(mine["county_code"]) <= {YUEQING}
    assert len(mine) == int((rows["county_code"] == YUEQING).sum())


def test_levels_without_the_province_say_how_many_users_are_outside(settings_of: Settings) -> None:
    run = lake_index(settings_of, "county,sector")
    assert set(run.figures["level"]) == {"county", "sector"}
    with_province = lake_index(settings_of, "province,county,sector")
    assert [n for n in run.notes if "outside the population" in n] == [
        n for n in with_province.notes if "outside the population" in n
    ]


def _fresh_process() -> None:
    """Forget what this process keeps in memory, as a new process would."""
    _index.cache_clear()
    _coverage.cache_clear()


@pytest.fixture
def own_lake(power_lake: Path, tmp_path: Path) -> Settings:
    copy = tmp_path / "var"
    shutil.copytree(power_lake, copy, ignore=shutil.ignore_patterns("cache"))
    _fresh_process()
    return Settings(data_dir=copy)


def _readings_files(settings: Settings) -> list[Path]:
    return sorted((settings.lake_path / "grid_readings").rglob("*.parquet"))


def test_figures_persist_per_snapshot_and_a_new_process_reads_them_not_the_lake(own_lake: Settings) -> None:
    settings = own_lake
    first = lake_index(settings, "province,county,sector")
    kept = sorted((settings.data_dir / "cache" / "power").glob("*"))
    assert [p.suffix for p in kept].count(".parquet") == 1
    assert [p.suffix for p in kept].count(".json") == 1
    for path in _readings_files(settings):  # a new process now needs the kept figures: the readings are gone
        path.unlink()
    _fresh_process()
    again = lake_index(settings, "province,county,sector")
    pd.testing.assert_frame_equal(again.figures, first.figures)
    assert again.parameters == first.parameters
    assert again.parameters.snapshot is not None
    assert "grid_readings@" in again.parameters.snapshot
    assert again.notes == first.notes


def test_persisted_figures_equal_the_uncached_computation(own_lake: Settings) -> None:
    lake_index(own_lake, "province,county+industry")
    _fresh_process()
    from_disk = lake_index(own_lake, "province,county+industry")
    uncached = Settings(data_dir=own_lake.data_dir)
    snap = current_snapshot(uncached)
    computed = _index.__wrapped__(replace(snap, store=None), from_disk.parameters)
    pd.testing.assert_frame_equal(from_disk.figures, computed.figures)
    assert from_disk.notes == computed.notes


@pytest.mark.parametrize("damage", [b"", b"not parquet at all", b"PAR1\x00\x00garbage"])
def test_a_corrupt_kept_file_is_ignored_and_computed_again(own_lake: Settings, damage: bytes) -> None:
    first = lake_index(own_lake, "province,county")
    folder = own_lake.data_dir / "cache" / "power"
    for path in folder.glob("*"):
        path.write_bytes(damage)
    _fresh_process()
    again = lake_index(own_lake, "province,county")
    pd.testing.assert_frame_equal(again.figures, first.figures)
    assert again.parameters == first.parameters
    _fresh_process()  # and written over with sound figures, read back
    for path in _readings_files(own_lake):
        path.unlink()
    pd.testing.assert_frame_equal(lake_index(own_lake, "province,county").figures, first.figures)


def test_a_new_snapshot_is_a_new_key_and_old_files_are_pruned(own_lake: Settings, tmp_path: Path) -> None:
    lake_index(own_lake, "province")
    folder = own_lake.data_dir / "cache" / "power"
    before = {p.name for p in folder.glob("*")}
    extra = tmp_path / "grid_readings_20200401.csv"
    rows = _rows(own_lake, "SELECT account_id, kwh FROM grid_readings WHERE day = DATE '2020-02-19'")
    extra.write_text("account_id,day,kwh\n" + "".join(f"{a},2020-04-01,{k}\n" for a, k in rows), encoding="utf-8")
    ingest("grid_readings", [extra], settings=own_lake)
    after = lake_index(own_lake, "province")
    assert after.parameters.last_day == date(2020, 4, 1)
    assert {p.name for p in folder.glob("*")} - before  # new files for the new snapshot, the old ones kept
    store = current_snapshot(own_lake).store
    assert store is not None
    removed = store.prune(keep=2)
    assert {p.name for p in removed} == before
    assert sorted(p.name for p in folder.glob("*")) == sorted({p.name for p in folder.glob("*")} - before)


def test_gaming_checks_on_the_lake_flag_firms_with_reasons_and_keep_them_in_the_index(settings_of: Settings) -> None:
    first, last = date(2020, 2, 6), DAY
    table = lake_gaming(settings_of, first, last)
    rows = table.rows
    assert table.parameters.snapshot == current_snapshot(settings_of).reference
    assert (table.parameters.first_day, table.parameters.last_day) == (first, last)
    # the tiny province has a load left running (flat) and a firm back at its baseline overnight (jump), in Yueqing
    assert set(rows["check"]) == {"flat", "jump"}
    assert set(rows["county_code"]) == {YUEQING}
    assert (rows["name"] != "").all()
    assert rows["reason"].str.len().min() > 20
    assert ((rows["first_day"] >= first) & (rows["last_day"] <= last)).all()
    readings: dict[str, dict[date, float]] = defaultdict(dict)
    for account, when, kwh in _rows(settings_of, "SELECT account_id, day, kwh FROM grid_readings"):
        readings[str(account)][when] = float(kwh)
    flat = rows[rows["check"] == "flat"].iloc[0]
    week = [readings[flat["account_id"]][date.fromordinal(flat["first_day"].toordinal() - k)] for k in range(7)]
    assert max(week) - min(week) <= 0.02 * sum(week) / 7
    jump = rows[rows["check"] == "jump"].iloc[0]
    before = readings[jump["account_id"]][date.fromordinal(jump["first_day"].toordinal() - 1)]
    assert readings[jump["account_id"]][jump["first_day"]] == pytest.approx(jump["kwh"])
    assert before < 0.3 * jump["baseline_kwh"]
    assert abs(jump["kwh"] - jump["baseline_kwh"]) <= 0.02 * jump["baseline_kwh"]
    # flagged firms stay in the index: they are in the population of the drill-down on the day
    drill = lake_enterprises(settings_of, DAY).rows.set_index("account_id")
    assert drill.loc[list(rows["account_id"]), "in_population"].all()
    assert "stay in the index" in table.notes[0]
    assert lake_gaming(settings_of, first, last, county="330106").rows.empty


def test_gaming_checks_on_the_lake_refuse_bad_days_and_counties(settings_of: Settings) -> None:
    with pytest.raises(UnknownGroup, match="no power users in county '999999'"):
        lake_gaming(settings_of, date(2020, 2, 6), DAY, county="999999")
    with pytest.raises(PowerInputError, match="outside the grid readings") as raised:
        lake_gaming(settings_of, date(2020, 3, 25), date(2020, 4, 7))
    assert raised.value.field == "to"
    with pytest.raises(PowerInputError, match="is after"):
        lake_gaming(settings_of, DAY, date(2020, 2, 6))
