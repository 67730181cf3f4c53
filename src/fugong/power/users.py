"""The users file: which enterprise, county, industry, size class and key group each power account belongs to.

Columns (CSV, Parquet or XLSX; names as in the hub's ``grid_accounts`` and ``market_registry`` feeds, see
docs/simulator.md): ``user_id`` or ``account_id`` (required); ``credit_code`` (统一社会信用代码); ``county_code``
(GB/T 2260); ``industry`` or ``industry_code`` (a GB/T 4754 section letter or two-digit division);
``size_class`` (规上 / 规下, or above / below); ``key_enterprise`` (是 / 否); ``name`` or ``account_name``.
A bad value is an error naming its line: a wrong mapping would move users between counties without a trace.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
from stdnum.cn import uscc

from fugong.geo.industries import sections
from fugong.power.definitions import PowerInputError
from fugong.power.readings import check_file, columns_of, count_rows, drop_relation, quote, register_raw, sql

UNKNOWN = "unknown"
ALIASES = {
    "user_id": ("user_id", "account_id"),
    "credit_code": ("credit_code",),
    "county_code": ("county_code",),
    "industry": ("industry", "industry_code", "industry_section"),
    "size_class": ("size_class", "size"),
    "key_enterprise": ("key_enterprise",),
    "name": ("name", "account_name"),
}
SIZE_CLASSES = {"above": "above", "规上": "above", "below": "below", "规下": "below"}
YES = {"是", "yes", "y", "true", "1"}
NO = {"否", "no", "n", "false", "0"}


@dataclass(frozen=True)
class UsersReport:
    """What the users file held."""

    path: str
    users: int
    enterprises: int
    ignored_columns: tuple[str, ...]


def _errors(con: duckdb.DuckDBPyConnection, query: str) -> list[tuple[object, ...]]:
    return sql(con, query + " ORDER BY _line LIMIT 5")


def _fail(path: Path, what: str, rows: list[tuple[object, ...]]) -> None:
    if rows:
        where = "; ".join(f"line {r[0]}: {r[1]!r}" for r in rows)
        raise PowerInputError(f"{path}: {what} ({where})", field="users")


def load_users(con: duckdb.DuckDBPyConnection, path: Path, table: str = "users") -> UsersReport:
    """Read and check a users file into ``table`` (user_id, enterprise_id, name, county_code, city_code, ...)."""
    check_file(path, "users")
    try:
        register_raw(con, path, "_users_raw")
    except duckdb.Error as exc:
        raise PowerInputError(f"{path}: cannot be read: {exc}", field="users") from None
    present = {c.lower().strip(): c for c in columns_of(con, "_users_raw") if c != "_line"}
    chosen = {key: next((present[a] for a in names if a in present), None) for key, names in ALIASES.items()}
    if chosen["user_id"] is None:
        raise PowerInputError(f"{path}: the users file needs a user_id (or account_id) column", field="users")
    used = {c for c in chosen.values() if c}
    ignored = tuple(sorted(c for c in present.values() if c not in used))

    def col(key: str) -> str:
        name = chosen[key]
        return f"nullif(trim(CAST({quote(name)} AS VARCHAR)), '')" if name else "CAST(NULL AS VARCHAR)"

    sql(
        con,
        f"""
        CREATE OR REPLACE TEMP TABLE _users AS SELECT _line, {col("user_id")} AS user_id,
            {col("credit_code")} AS credit_code, {col("county_code")} AS county_code,
            upper({col("industry")}) AS industry, {col("size_class")} AS size_class,
            lower({col("key_enterprise")}) AS key_flag, {col("name")} AS name FROM _users_raw""",
    )
    if count_rows(con, "_users") == 0:
        raise PowerInputError(f"{path}: the users file has a header but no users", field="users")
    _fail(path, "no user id", _errors(con, "SELECT _line, '' FROM _users WHERE user_id IS NULL"))
    _fail(
        path,
        "the same user id on several lines",
        _errors(con, "SELECT min(_line) AS _line, user_id FROM _users GROUP BY user_id HAVING count(*) > 1"),
    )
    _fail(
        path,
        "county_code must be a 6-digit GB/T 2260 code",
        _errors(con, "SELECT _line, county_code FROM _users WHERE NOT regexp_full_match(county_code, '[0-9]{6}')"),
    )
    division_to_section = {d: s.code for s in sections() for d in s.divisions}
    mapping = ", ".join(f"'{d}': '{s}'" for d, s in division_to_section.items())
    letters = ", ".join(f"'{s.code}'" for s in sections())
    sql(
        con,
        f"""
        CREATE OR REPLACE TEMP TABLE _users AS SELECT * REPLACE (
            CASE WHEN industry IN ({letters}) THEN industry
                 ELSE map_extract_value(MAP {{{mapping}}}, industry) END AS industry), industry AS industry_text
        FROM _users""",
    )
    _fail(
        path,
        "industry must be a GB/T 4754 section letter A–T or a two-digit division",
        _errors(con, "SELECT _line, industry_text FROM _users WHERE industry_text IS NOT NULL AND industry IS NULL"),
    )
    sizes = ", ".join(f"'{k}': '{v}'" for k, v in SIZE_CLASSES.items())
    sql(
        con,
        f"""
        CREATE OR REPLACE TEMP TABLE _users AS SELECT *,
            map_extract_value(MAP {{{sizes}}}, lower(size_class)) AS size_code,
            CASE WHEN key_flag IN ({", ".join(f"'{v}'" for v in YES)}) THEN 'key'
                 WHEN key_flag IN ({", ".join(f"'{v}'" for v in NO)}) OR key_flag IS NULL THEN 'other' END AS key_group
        FROM _users""",
    )
    _fail(
        path,
        "size_class must be 规上/规下 (above/below)",
        _errors(con, "SELECT _line, size_class FROM _users WHERE size_class IS NOT NULL AND size_code IS NULL"),
    )
    _fail(
        path,
        "key_enterprise must be 是/否 (yes/no)",
        _errors(con, "SELECT _line, key_flag FROM _users WHERE key_group IS NULL"),
    )
    codes = sql(con, "SELECT _line, credit_code FROM _users WHERE credit_code IS NOT NULL")
    _fail(path, "credit_code is not a valid 统一社会信用代码", [r for r in codes if not uscc.is_valid(str(r[1]))][:5])
    sql(
        con,
        f"""
        CREATE OR REPLACE TABLE {table} AS SELECT user_id,
            coalesce(credit_code, 'account:' || user_id) AS enterprise_id, coalesce(name, '') AS name,
            coalesce(county_code, '{UNKNOWN}') AS county_code,
            coalesce(substr(county_code, 1, 4) || '00', '{UNKNOWN}') AS city_code,
            coalesce(industry, '{UNKNOWN}') AS industry, coalesce(size_code, '{UNKNOWN}') AS size_class, key_group
        FROM _users ORDER BY _line""",
    )
    _check_enterprises(con, path, table)
    enterprises = sql(con, f"SELECT count(DISTINCT enterprise_id) FROM {table}")[0]
    sql(con, "DROP TABLE IF EXISTS _users")
    drop_relation(con, "_users_raw")
    return UsersReport(str(path), count_rows(con, table), int(enterprises[0]) if enterprises else 0, ignored)


def _check_enterprises(con: duckdb.DuckDBPyConnection, path: Path, table: str) -> None:
    """An enterprise is judged as one: its accounts must agree on county, industry, size and key group."""
    rows = sql(
        con,
        f"""
        SELECT enterprise_id FROM {table} GROUP BY enterprise_id
        HAVING count(DISTINCT (county_code, industry, size_class, key_group)) > 1 ORDER BY 1 LIMIT 5""",
    )
    if rows:
        names = ", ".join(str(r[0]) for r in rows)
        raise PowerInputError(
            f"{path}: the accounts of enterprise(s) {names} disagree on county, industry, size class or key group",
            field="users",
        )
