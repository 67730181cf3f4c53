"""Quarantine (隔离区): every row not accepted, with file, line, column, raw value and reason; and the fixes.

Works on the ingest's ``stage`` table (one row per record read, see :mod:`fugong.hub.validate`). Rejected
rows give one quarantine record per failing column; duplicates by the contract's keys (within the files, or
of rows already in the lake for an append feed) give one record naming the line they repeat; records the
reader could not split give one record with their raw text. Fixes list every standardised value.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from fugong.hub.contracts.base import PSEUDONYMISED, Contract
from fugong.hub.lake import Version
from fugong.hub.sources import load_rows, sql_name, sql_string
from fugong.hub.validate import ISSUES, error_column, fix_column, issue_columns, mask, text_column, unpacked


@dataclass(frozen=True)
class MalformedRecord:
    """A record the reader rejected, before any column could be checked."""

    source: str
    line: int
    raw: str
    reason: str
    detail: str


def register_sources(
    con: duckdb.DuckDBPyConnection, names: dict[str, str], malformed: list[MalformedRecord], folder: Path
) -> None:
    """Tables ``sources`` (source id → file name) and ``malformed`` for the quarantine to join."""
    load_rows(con, "sources", {"id": "VARCHAR", "name": "VARCHAR"}, list(names.items()), folder)
    load_rows(
        con,
        "malformed",
        {"source": "VARCHAR", "line": "BIGINT", "raw": "VARCHAR", "reason": "VARCHAR", "detail": "VARCHAR"},
        [(m.source, m.line, m.raw, m.reason, m.detail) for m in malformed],
        folder,
    )


def register_shifts(con: duckdb.DuckDBPyConnection, gaps: dict[str, tuple[int, list[int]]], folder: Path) -> None:
    """Table ``shifts``: per source, how far rows move past the lines the reader skipped without numbering.

    ``gaps`` maps a source to its line offset and the lines that gave no row (blank, rejected). Row k (the
    k-th row scanned) lies after the j-th gap, at line L_j, when more than ``L_j - offset - j`` rows precede it;
    its line is then its unshifted line plus the number of such gaps. Lines are shifted when they are written
    (see :func:`final_line`), never by updating the stage.
    """
    rows = []
    for source, (offset, lines) in gaps.items():
        steps: dict[int, int] = {}
        for j, line in enumerate(lines, 1):
            steps[line - offset - j] = j
        rows += [(source, before, shift) for before, shift in steps.items()]
    load_rows(con, "shifts", {"source": "VARCHAR", "before": "BIGINT", "shift": "BIGINT"}, rows, folder)


def final_line(con: duckdb.DuckDBPyConnection, alias: str) -> tuple[str, str]:
    """The join (or nothing) and the expression giving the true line of stage rows aliased ``alias``."""
    if not con.execute("SELECT count(*) FROM shifts").fetchall()[0][0]:
        return "", f"{alias}._line"
    g = f"shift_{alias}"
    join = f"ASOF LEFT JOIN shifts {g} ON {g}.source = {alias}._source AND {alias}._ord > {g}.before"
    return join, f"{alias}._line + coalesce({g}.shift, 0)"


def _keys(contract: Contract, alias: str = "") -> list[str]:
    return [f"{alias}{sql_name(k)}" for k in contract.keys]


def tally(con: duckdb.DuckDBPyConnection, contract: Contract) -> None:
    """Table ``tallies``: rows per source and day (for feeds partitioned by a date), and how many were rejected.

    One pass over the stage answers every count the ingest reports (the stage is scanned once, not per count).
    """
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE tallies AS SELECT _source, {_day(contract)} AS day, count(*) AS rows, "
        "count(*) FILTER (WHERE _rejected) AS rejected FROM stage GROUP BY ALL"
    )


def rows_read(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rows in the stage per source (records the reader split into columns)."""
    return {str(s): int(n) for s, n in con.execute("SELECT _source, sum(rows) FROM tallies GROUP BY 1").fetchall()}


def accepted_rows(con: duckdb.DuckDBPyConnection) -> int:
    """Rows neither rejected nor duplicates."""
    valid = con.execute("SELECT coalesce(sum(rows - rejected), 0) FROM tallies").fetchall()[0][0]
    return int(valid) - int(con.execute("SELECT count(*) FROM dups").fetchall()[0][0])


def _day(contract: Contract, alias: str = "") -> str:
    return f"CAST({alias}{sql_name(contract.partition_by)} AS DATE)" if contract.partition_by else "NULL::DATE"


def find_duplicates(con: duckdb.DuckDBPyConnection, contract: Contract, parent: Version | None) -> None:
    """Table ``dups``: valid rows whose keys repeat an earlier valid row (or, for append feeds, a lake row).

    Rows are identified by (``_source``, ``_ord``); ``_line`` and ``first_line`` are true lines; ``_day`` is
    the row's day (for feeds partitioned by a date), for the counts per day.
    """
    keys = ", ".join(_keys(contract))
    key_text = " || ' | ' || ".join(f"CAST({k} AS VARCHAR)" for k in _keys(contract, "s."))
    join, line = final_line(con, "s")
    # Hash first: only rows whose key hash repeats go through the (costly) window.
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE repeated AS SELECT hash({keys}) AS _h FROM stage WHERE NOT _rejected "
        "GROUP BY 1 HAVING count(*) > 1"
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE dups AS
        SELECT _source, _ord, _line, first_source, first_line, key_text, _day FROM (
            SELECT _source, _ord, _line, key_text, _day,
                CAST(first_value(_source) OVER w AS VARCHAR) AS first_source, first_value(_line) OVER w AS first_line,
                row_number() OVER w AS n
            FROM (
                SELECT s._source, s._ord, {line} AS _line, {key_text} AS key_text, {_day(contract, "s.")} AS _day,
                    {keys}
                FROM (SELECT * FROM stage WHERE NOT _rejected AND hash({keys}) IN (SELECT _h FROM repeated)) s {join}
            )
            WINDOW w AS (PARTITION BY {keys} ORDER BY _source, _line)
        ) WHERE n > 1"""
    )
    if parent is None or contract.mode != "append":
        return
    dates = None
    if contract.partition_by is not None:
        found = con.execute("SELECT DISTINCT CAST(day AS VARCHAR) FROM tallies WHERE rows > rejected").fetchall()
        dates = {d for (d,) in found}
    files = parent.files(dates)
    if not files:
        return
    listing = "[" + ", ".join(sql_string(str(f)) for f in files) + "]"
    on = " AND ".join(f"s.{k} = e.{k}" for k in _keys(contract))
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE earlier AS
        SELECT s._source, s._ord, s._line, e._source AS first_source, e._line AS first_line, {key_text} AS key_text,
            {_day(contract, "s.")} AS _day
        FROM stage s JOIN (SELECT {keys}, _source, _line FROM read_parquet({listing})) e ON {on}
        WHERE NOT s._rejected AND NOT EXISTS (SELECT 1 FROM dups d WHERE d._source = s._source AND d._ord = s._ord)"""
    )
    join, line = final_line(con, "s")
    con.execute(
        f"INSERT INTO dups SELECT s._source, s._ord, {line}, s.first_source, s.first_line, s.key_text, s._day "
        f"FROM earlier s {join}"
    )


def _findings(contract: Contract, rows: str, present: set[str]) -> str:
    """SQL: one row per (rejected record, failing column), per duplicate, per malformed record.

    ``rows`` is the SQL of the rejected rows with their true lines.
    """
    parts = [
        'SELECT _source AS source, _line AS line, NULL::VARCHAR AS "column", NULL::VARCHAR AS value, '
        f"_malformed AS reason, NULL::VARCHAR AS detail, _raw AS record FROM ({rows}) WHERE _malformed IS NOT NULL"
    ]
    for c in contract.columns:
        if error_column(c.name) not in present:
            continue
        parts.append(
            f"SELECT _source, _line, {sql_string(c.name)}, {sql_name(text_column(c.name))}, "
            f"{sql_name(error_column(c.name))}, NULL, _raw FROM ({rows}) "
            f"WHERE {sql_name(error_column(c.name))} IS NOT NULL AND _malformed IS NULL"
        )
    parts.append(
        "SELECT d._source, d._line, NULL, d.key_text, 'duplicate', "
        "'same key as ' || coalesce(f.name, d.first_source) || ' line ' || d.first_line, NULL "
        "FROM dups d LEFT JOIN sources f ON f.id = d.first_source"
    )
    parts.append("SELECT source, line, NULL, NULL, reason, detail, raw FROM malformed")
    return " UNION ALL ".join(parts)


def _lined(con: duckdb.DuckDBPyConnection, where: str) -> str:
    """SQL of the stage rows matching ``where``, with their true lines."""
    join, line = final_line(con, "s")
    return (
        f"SELECT s.* EXCLUDE ({ISSUES}) REPLACE ({line} AS _line), {unpacked(con, 's')} "
        f"FROM (SELECT * FROM stage WHERE {where}) s {join}"
    )


def write_quarantine(con: duckdb.DuckDBPyConnection, contract: Contract, path: Path) -> int:
    """Write the quarantine of this ingest to ``path``; return its number of records (0: no file)."""
    # The rejected rows are unpacked once and read once per failing column.
    query = (
        f"WITH rejected AS MATERIALIZED ({_lined(con, '_rejected')}) "
        'SELECT q.source, src.name AS file, q.line, q."column", q.value, q.reason, q.detail, q.record '
        f"FROM ({_findings(contract, 'SELECT * FROM rejected', set(issue_columns(con)))}) q "
        "LEFT JOIN sources src ON src.id = q.source ORDER BY q.source, q.line"
    )
    return _write(con, query, path)


def write_fixes(con: duckdb.DuckDBPyConnection, contract: Contract, path: Path) -> int:
    """Write every standardisation of this ingest (file, line, column, raw, standard value, kind) to ``path``."""
    present = set(issue_columns(con))
    columns = [c for c in contract.columns if fix_column(c.name) in present]
    if not columns:
        return 0
    rows = "SELECT * FROM fixed"
    parts = []
    for c in columns:
        standard = f"CAST({sql_name(c.name)} AS VARCHAR)"
        if c.is_personal and c.kind not in PSEUDONYMISED:  # a birth date stays masked; a pseudonym may show
            standard = mask(standard)
        parts.append(
            f'SELECT _source AS source, _line AS line, {sql_string(c.name)} AS "column", '
            f"{sql_name(text_column(c.name))} AS value, {standard} AS standard, "
            f"{sql_name(fix_column(c.name))} AS fix FROM ({rows}) WHERE {sql_name(fix_column(c.name))} IS NOT NULL"
        )
    # One flag column filters the stage: rows with no fix are skipped without reading their values.
    query = (
        f"WITH fixed AS MATERIALIZED ({_lined(con, '_fixed')}) "
        'SELECT f.source, src.name AS file, f.line, f."column", f.value, f.standard, f.fix '
        f"FROM ({' UNION ALL '.join(parts)}) f LEFT JOIN sources src ON src.id = f.source ORDER BY f.source, f.line"
    )
    return _write(con, query, path)


def _write(con: duckdb.DuckDBPyConnection, query: str, path: Path) -> int:
    """Write ``query`` to ``path`` in one pass; an empty result leaves no file. Return the rows written."""
    count = int(
        con.execute(f"COPY ({query}) TO {sql_string(str(path))} (FORMAT parquet, COMPRESSION zstd)").fetchall()[0][0]
    )
    if not count:
        path.unlink(missing_ok=True)
    return count


def source_counts(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, Any]]:
    """Per source: rejected rows, duplicates, and the first and last day of its accepted rows."""
    rows = con.execute(
        """SELECT t._source, sum(t.rejected), sum(coalesce(d.n, 0)),
            CAST(min(t.day) FILTER (WHERE t.rows - t.rejected > coalesce(d.n, 0)) AS VARCHAR),
            CAST(max(t.day) FILTER (WHERE t.rows - t.rejected > coalesce(d.n, 0)) AS VARCHAR)
        FROM tallies t LEFT JOIN (SELECT _source, _day, count(*) AS n FROM dups GROUP BY ALL) d
            ON d._source = t._source AND d._day IS NOT DISTINCT FROM t.day
        GROUP BY t._source"""
    ).fetchall()
    return {
        source: {"rejected": int(rejected), "duplicates": int(dups), "first_date": first, "last_date": last}
        for source, rejected, dups, first, last in rows
    }


def counts_by(con: duckdb.DuckDBPyConnection, path: Path, column: str) -> dict[str, int]:
    """Records per value of ``column`` (a reason, a fix kind) in a quarantine or fixes file, most first."""
    if not path.exists():
        return {}
    rows = con.execute(
        f"SELECT {sql_name(column)}, count(*) FROM read_parquet({sql_string(str(path))}) GROUP BY 1 ORDER BY 2 DESC, 1"
    ).fetchall()
    return {str(name): int(n) for name, n in rows}


def read_records(
    version: Version,
    *,
    reason: str | None = None,
    file: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Quarantine records of a dataset version, newest ingest first, optionally of one reason or file."""
    files = version.quarantine_files()
    if not files:
        return []
    listing = "[" + ", ".join(sql_string(str(f)) for f in reversed(files)) + "]"
    where, params = [], []
    if reason:
        where.append("reason = ?")
        params.append(reason)
    if file:
        where.append("file = ?")
        params.append(file)
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    with duckdb.connect() as con:
        cursor = con.execute(
            f'SELECT file, line, "column", value, reason, detail FROM read_parquet({listing}) {clause} '
            f"LIMIT {int(limit)} OFFSET {int(offset)}",
            params,
        )
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
