"""``fugong power index``, ``shortfall`` and ``gaming`` without ``--readings``: the same columns, from the lake."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from fugong.cli import main
from fugong.hub import lake
from fugong.power.lake import lake_gaming, lake_index
from fugong.settings import Settings, get_settings

COLUMNS = "day,level,code,name,users,resumed_users,missing_users,resumed_share,production_share,index"


@pytest.fixture
def lake_env(power_lake: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Process settings pointing at the tiny province's lake."""
    monkeypatch.setenv("FUGONG_DATA_DIR", str(power_lake))
    monkeypatch.setenv("FUGONG_CONFIG", str(tmp_path / "absent.toml"))
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


def test_index_from_the_lake_writes_the_file_columns_and_names_the_snapshots(
    lake_env: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "index.csv"
    args = ["power", "index", "--from", "2020-02-10", "--to", "2020-02-20", "--by", "province,county,sector"]
    code = main([*args, "--out", str(out)])
    printed = capsys.readouterr().out
    assert code == 0, printed
    snapshot = lake.get_lake(lake_env).require("grid_readings").reference
    assert f"snapshot {snapshot}; grid_accounts@" in printed
    assert "2020-02-20: index " in printed
    assert out.read_text(encoding="utf-8").splitlines()[0].startswith(COLUMNS)
    table = pd.read_csv(out, dtype={"code": str})
    assert set(table["level"]) == {"province", "county", "sector"}
    assert table["day"].min() == "2020-02-10"
    assert table["day"].max() == "2020-02-20"
    expected = lake_index(lake_env, "province,county,sector").figures
    feb20 = expected[expected["day"].astype(str) == "2020-02-20"].reset_index(drop=True)
    mine = table[table["day"] == "2020-02-20"].reset_index(drop=True)
    assert list(mine["code"]) == list(feb20["code"])
    assert list(mine["index"]) == pytest.approx(list(feb20["index"]), abs=1e-9)
    record = json.loads((tmp_path / "index.csv.params.json").read_text(encoding="utf-8"))
    assert record["parameters"]["snapshot"].startswith(snapshot)
    assert record["parameters"]["levels"] == ["province", "county", "sector"]


def test_shortfall_from_the_lake_for_one_county(
    lake_env: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "short.csv"
    code = main(["power", "shortfall", "--as-of", "2020-02-19", "--county", "330382", "--out", str(out)])
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert "view enterprises" in printed
    assert "supply_links@" in printed
    table = pd.read_csv(out, dtype={"county_code": str})
    assert set(table["county_code"]) <= {"330382"}
    assert list(table.columns[:3]) == ["enterprise_id", "name", "county_code"]
    assert "firms resumed but below 0.6 of baseline for 3 days up to 2020-02-19" in printed


def test_gaming_from_the_lake_flags_firms_with_reasons(
    lake_env: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "gaming.csv"
    code = main(["power", "gaming", "--from", "2020-02-06", "--to", "2020-02-19", "--out", str(out)])
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert "days 2020-02-06..2020-02-19; snapshot grid_readings@" in printed
    assert "2 users flagged (flat: 1, jump: 1); flagged users stay in the index" in printed
    table = pd.read_csv(out, dtype={"account_id": str, "county_code": str})
    expected = lake_gaming(lake_env, pd.Timestamp("2020-02-06").date(), pd.Timestamp("2020-02-19").date()).rows
    assert list(table["account_id"]) == list(expected["account_id"])
    assert list(table["reason"]) == list(expected["reason"])
    assert list(table.columns[:6]) == ["account_id", "enterprise_key", "name", "county_code", "industry", "check"]
    record = json.loads((tmp_path / "gaming.csv.params.json").read_text(encoding="utf-8"))
    assert record["parameters"]["snapshot"].startswith("grid_readings@")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["gaming", "--county", "999999"], "error: no power users in county '999999'"),
        (["gaming", "--from", "2020-06-01"], "error: 2020-06-01 is outside the grid readings"),
        (["gaming", "--workforce", "w.csv"], "error: --workforce goes with --readings"),
        (["index", "--from", "2021-01-01"], "error: 2021-01-01 is outside the grid readings, which cover 2019-10-01"),
        (["index", "--by", "village"], "error: --by: unknown level 'village'"),
        (["index", "--users", "u.csv"], "error: --users goes with --readings"),
        (["index", "--baseline", "2018-12-01..2018-12-31"], "error: the baseline window 2018-12-01..2018-12-31 has no"),
        (["shortfall", "--as-of", "2020-02-19", "--county", "999999"], "error: no power users in county '999999'"),
        (["shortfall", "--as-of", "2020-06-01"], "error: 2020-06-01 is outside the grid readings"),
    ],
)
def test_bad_lake_requests_fail_with_one_line(
    lake_env: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    out = tmp_path / "x.csv"
    assert main(["power", *args, "--out", str(out)]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_an_empty_lake_says_what_to_ingest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FUGONG_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("FUGONG_CONFIG", str(tmp_path / "absent.toml"))
    get_settings.cache_clear()
    try:
        assert main(["power", "index", "--out", str(tmp_path / "x.csv")]) == 2
    finally:
        get_settings.cache_clear()
    assert "error: the lake has no grid_readings yet: ingest the grid's daily readings first" in capsys.readouterr().err
