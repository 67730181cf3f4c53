"""The users file: accounts mapped to enterprise, county, industry, size class and key group; bad lines named."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest
from stdnum.cn import uscc

from fugong.power.definitions import PowerInputError
from fugong.power.readings import sql
from fugong.power.users import load_users

HEADER = ["account_id", "credit_code", "county_code", "industry_code", "size_class", "key_enterprise", "voltage_kv"]


def _csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    """Write a small CSV file (every value as text)."""
    pd.DataFrame(rows, columns=header, dtype=str).to_csv(path, index=False)
    return path


def credit(serial: str) -> str:
    """A valid 统一社会信用代码 ending in ``serial`` (7 characters)."""
    body = "91330102MA" + serial
    return body + uscc.calc_check_digit(body)


def test_grid_accounts_columns_map_to_the_index_attributes(tmp_path: Path) -> None:
    path = _csv(
        tmp_path / "u.csv",
        HEADER,
        [
            ["1", credit("0000001"), "330102", "13", "规上", "是", "10"],
            ["2", credit("0000001"), "330102", "C", "above", "yes", "0.4"],
            ["3", "", "330206", "", "", "", "0.4"],
        ],
    )
    con = duckdb.connect()
    report = load_users(con, path)
    rows = sql(con, "SELECT * FROM users ORDER BY user_id")
    assert rows[0][1:] == (credit("0000001"), "", "330102", "330100", "C", "above", "key")
    assert rows[2][1:] == ("account:3", "", "330206", "330200", "unknown", "unknown", "other")
    assert (report.users, report.enterprises, report.ignored_columns) == (3, 2, ("voltage_kv",))


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (["", "", "330102", "C", "", "", ""], "no user id"),
        (["1", "", "3301", "C", "", "", ""], "line 3: '3301'"),
        (["1", "", "330102", "Z", "", "", ""], "section letter A–T"),
        (["1", "", "330102", "C", "huge", "", ""], "规上/规下"),
        (["1", "", "330102", "C", "", "maybe", ""], "是/否"),
        (["1", "91330102MA0000001X", "330102", "C", "", "", ""], "not a valid 统一社会信用代码"),
        (["9", "", "330102", "C", "", "", ""], "the same user id on several lines"),
    ],
)
def test_a_bad_line_is_an_error_naming_it(tmp_path: Path, row: list[str], message: str) -> None:
    path = _csv(tmp_path / "u.csv", HEADER, [["9", "", "330102", "C", "", "", ""], row])
    with pytest.raises(PowerInputError) as caught:
        load_users(duckdb.connect(), path)
    assert message in caught.value.detail


def test_accounts_of_one_enterprise_must_agree(tmp_path: Path) -> None:
    code = credit("0000002")
    path = _csv(
        tmp_path / "u.csv", HEADER, [["1", code, "330102", "C", "", "", ""], ["2", code, "330103", "C", "", "", ""]]
    )
    with pytest.raises(PowerInputError, match="disagree on county"):
        load_users(duckdb.connect(), path)


def test_a_users_file_without_user_ids(tmp_path: Path) -> None:
    path = _csv(tmp_path / "u.csv", ["county_code"], [["330102"]])
    with pytest.raises(PowerInputError, match="needs a user_id"):
        load_users(duckdb.connect(), path)
