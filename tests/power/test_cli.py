"""``fugong power`` as a person uses it: files in, figures and parameters out, one clear line per error."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
from stdnum.cn import uscc

from fugong.cli import main
from fugong.settings import Settings

COLUMNS = "day,level,code,name,users,resumed_users,missing_users,resumed_share,production_share,index"


def _csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    """Write a small CSV file (every value as text)."""
    pd.DataFrame(rows, columns=header, dtype=str).to_csv(path, index=False)
    return path


def _credit(n: int) -> str:
    body = f"91330102MA{n:07d}"
    return body + uscc.calc_check_digit(body)


@pytest.fixture
def files(tmp_path: Path, settings: Settings) -> tuple[Path, Path]:
    """Six accounts of five enterprises in two counties, December baseline, 10–14 Feb 2020 (one reading negative)."""
    readings, users = [], []
    for i in range(6):
        uid = f"{3300000000 + i}"
        for d in range(1, 8):
            readings.append([uid, f"2019-12-0{d}", str(10 + i)])
        for k in range(5):
            day = (date(2020, 2, 10) + timedelta(days=k)).isoformat()
            value = "-5" if (i, k) == (5, 4) else str((10 + i) * (0.2 + 0.2 * k) * (i % 2 + 0.5))
            readings.append([uid, day, value])
        county = ["330102", "330106"][(i // 2) % 2]
        users.append([uid, _credit(i // 2 if i < 4 else i), county, "C" if i < 4 else "G", "规上"])
    r = _csv(tmp_path / "readings.csv", ["account_id", "day", "kwh"], readings)
    u = _csv(
        tmp_path / "accounts.csv", ["account_id", "credit_code", "county_code", "industry_code", "size_class"], users
    )
    return r, u


def test_index_by_county_and_industry(
    tmp_path: Path, files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    readings, users = files
    out = tmp_path / "index.csv"
    code = main(
        [
            "power",
            "index",
            "--readings",
            str(readings),
            "--users",
            str(users),
            "--baseline",
            "2019-12-01..2019-12-07",
            "--from",
            "2020-02-10",
            "--to",
            "2020-02-14",
            "--by",
            "province,county,industry",
            "--out",
            str(out),
        ]
    )
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert "parameters: baseline 2019-12-01..2019-12-07; threshold 0.3; variant zhejiang; view accounts" in printed
    assert "note: 1 readings rejected (negative, not a number or implausible)" in printed
    assert f"note: 1 rejected rows listed in {out}.rejects.csv" in printed
    assert "2020-02-14: index " in printed
    assert "1 without a reading" in printed
    assert f"wrote 25 rows to {out}; parameters in {out}.params.json" in printed
    assert out.read_text(encoding="utf-8").splitlines()[0].startswith(COLUMNS)
    table = pd.read_csv(out, dtype={"code": str})
    assert set(table["level"]) == {"province", "county", "industry"}
    assert set(table.loc[table["level"] == "county", "name"]) == {"上城区", "西湖区"}
    record = json.loads((tmp_path / "index.csv.params.json").read_text(encoding="utf-8"))
    assert record["parameters"]["threshold"]["text"] == "0.3"
    assert [i["role"] for i in record["parameters"]["inputs"]] == ["readings", "users"]
    assert "negative kWh" in (tmp_path / "index.csv.rejects.csv").read_text(encoding="utf-8")


def test_enterprise_view_parquet_and_xlsx(
    tmp_path: Path, files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    readings, users = files
    base = [
        "power",
        "index",
        "--readings",
        str(readings),
        "--users",
        str(users),
        "--baseline",
        "2019-12-01..2019-12-07",
    ]
    assert main([*base, "--view", "enterprises", "--variant", "all", "--out", str(tmp_path / "e.parquet")]) == 0
    table = pd.read_parquet(tmp_path / "e.parquet")
    assert set(table.loc[table["level"] == "province", "users"]) == {4}  # 6 accounts, 4 enterprises
    assert main([*base, "--out", str(tmp_path / "e.xlsx")]) == 0
    assert list(pd.read_excel(tmp_path / "e.xlsx").columns)[:10] == COLUMNS.split(",")
    capsys.readouterr()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--baseline", "2018-12-01..2018-12-31"], "the baseline window 2018-12-01..2018-12-31 has no readings"),
        (["--by", "county"], "--by other than province needs --users"),
        (["--by", "village"], "unknown level 'village'"),
        (["--threshold", "thirty"], "--threshold: 'thirty' is not a decimal number"),
        (["--from", "2020-02-30"], "--from: '2020-02-30' is not a date"),
        (["--from", "2020-02-14", "--to", "2020-02-10"], "is after --to"),
        (["--view", "enterprises"], "--view enterprises needs --users"),
    ],
)
def test_bad_options_are_one_clear_line(
    tmp_path: Path, files: tuple[Path, Path], capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    readings, _ = files
    args = ["power", "index", "--readings", str(readings), "--baseline", "2019-12-01..2019-12-07"]
    assert main([*args, "--out", str(tmp_path / "o.csv"), *extra]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert not (tmp_path / "o.csv").exists()


def test_bad_files_are_one_clear_line(tmp_path: Path, settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    late = _csv(tmp_path / "late.csv", ["user_id", "day", "kwh"], [["a", "2026-12-01", "1"], ["a", "2027-01-04", "1"]])
    cases = [
        (empty, ["--baseline", "2019-12-01..2019-12-31"], "is empty"),
        (tmp_path / "absent.csv", [], "does not exist"),
        (late, ["--baseline", "2026-12-01..2026-12-31"], "known for 2004–2026 only"),
    ]
    for path, extra, message in cases:
        assert main(["power", "index", "--readings", str(path), "--out", str(tmp_path / "o.csv"), *extra]) == 2
        assert message in capsys.readouterr().err
    assert main(["power", "index", "--readings", str(late), "--out", str(tmp_path / "o.json")]) == 2
    assert "write .csv, .parquet or .xlsx" in capsys.readouterr().err


def test_compare_shortfall_gaming_and_incremental(
    tmp_path: Path, files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    readings, users = files
    common = ["--readings", str(readings), "--baseline", "2019-12-01..2019-12-07"]
    links = _csv(tmp_path / "links.csv", ["enterprise_id", "supplier_id"], [[_credit(0), _credit(1)]])
    assert (
        main(
            [
                "power",
                "compare",
                *common,
                "--from",
                "2020-02-10",
                "--to",
                "2020-02-12",
                "--out",
                str(tmp_path / "c.csv"),
            ]
        )
        == 2
    )
    assert "the previous year's days 2019-02-21..2019-02-23 have no readings" in capsys.readouterr().err
    assert (
        main(
            [
                "power",
                "shortfall",
                *common,
                "--users",
                str(users),
                "--links",
                str(links),
                "--as-of",
                "2020-02-14",
                "--days",
                "2",
                "--out",
                str(tmp_path / "s.csv"),
            ]
        )
        == 0
    )
    printed = capsys.readouterr().out
    assert "firms resumed but below 0.6 of baseline for 2 days up to 2020-02-14" in printed
    assert main(["power", "gaming", *common, "--from", "2020-02-10", "--out", str(tmp_path / "g.csv")]) == 0
    assert "users flagged" in capsys.readouterr().out
    first = _csv(
        tmp_path / "first.csv",
        ["account_id", "day", "kwh"],
        pd.read_csv(readings, dtype=str).query("day < '2020-02-14'").values.tolist(),
    )
    last = _csv(
        tmp_path / "last.csv",
        ["account_id", "day", "kwh"],
        pd.read_csv(readings, dtype=str).query("day == '2020-02-14'").values.tolist(),
    )
    state = tmp_path / "state"
    assert (
        main(
            [
                "power",
                "build-state",
                "--readings",
                str(first),
                "--users",
                str(users),
                "--baseline",
                "2019-12-01..2019-12-07",
                "--from",
                "2020-02-10",
                "--state",
                str(state),
            ]
        )
        == 0
    )
    assert (
        main(["power", "add-day", "--state", str(state), "--readings", str(last), "--out", str(tmp_path / "day.csv")])
        == 0
    )
    printed = capsys.readouterr().out
    assert "added 2020-02-14..2020-02-14 (1 rows)" in printed
    assert main(["power", "add-day", "--state", str(state), "--readings", str(last)]) == 2
    assert "is not after the last day already computed" in capsys.readouterr().err
