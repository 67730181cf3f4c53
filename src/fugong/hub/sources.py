"""What a reader hands the stages: the source file, its rows as SQL, and the few SQL helpers they share."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from fugong.hub.errors import WrongFeed


@dataclass(frozen=True)
class Source:
    """One file handed to an ingest, under the name its sender gave it."""

    id: str
    path: Path
    name: str
    size: int


@dataclass(frozen=True)
class MalformedRow:
    """A record the reader could not split into columns."""

    line: int
    raw: str
    reason: str
    detail: str


@dataclass
class RawSource:
    """A file opened for reading: the SQL that selects its rows, and how its ordinals map to lines.

    ``load_sql``, when set, must run first: it reads the file into the temporary table ``load_table`` (a quoted
    name), whose row ids, in file order, are the ordinals (numbering rows while reading would make DuckDB read
    on one thread). A reader that keeps rejected records aside costs more, so ``load_sql`` fails on a record it
    cannot split and ``load_sql_keeping_rejects`` then reads the file again, keeping them. ``direct_sql`` (and
    its ``_keeping_rejects`` twin), when set, select the same rows straight from the file, without ordinals
    (``_ord`` is NULL): the checks may read them in one statement, numbering rows by their place in the stage.
    ``blank_lines_in`` names the text file whose blank lines (which the reader skips without numbering) must be
    listed in ``blank_lines`` before lines are shifted.
    """

    source: Source
    format: str
    encoding: str | None
    columns: dict[str, str]
    ignored_headers: list[str]
    select_sql: str
    load_sql: str | None = None
    load_sql_keeping_rejects: str | None = None
    load_table: str | None = None
    direct_sql: str | None = None
    direct_sql_keeping_rejects: str | None = None
    line_offset: int = 0
    blank_lines: list[int] = field(default_factory=list)
    blank_lines_in: Path | None = None
    rejects_table: str | None = None


class HeaderMismatch(WrongFeed):
    """No header of the file names a column of the contract."""

    def __init__(self, detail: str, headers: list[str]) -> None:
        super().__init__(detail, field="columns")
        self.headers = headers


def sql_string(text: str) -> str:
    """``text`` as a SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def sql_name(text: str) -> str:
    """``text`` as a quoted SQL identifier."""
    return '"' + text.replace('"', '""') + '"'


def load_table(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table, folder: Path) -> None:
    """Make ``table`` the temp table ``name``, through a Parquet file (registering Arrow would import pandas)."""
    path = folder / f"{name}.parquet"
    pq.write_table(table, path)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {sql_name(name)} AS SELECT * FROM read_parquet({sql_string(str(path))})")


def load_rows(
    con: duckdb.DuckDBPyConnection, name: str, columns: dict[str, str], rows: list[tuple[Any, ...]], folder: Path
) -> None:
    """Make ``rows`` the temp table ``name`` with ``columns`` (name → SQL type); many rows go through Parquet."""
    if len(rows) > 1000:
        arrays = [pa.array([r[i] for r in rows]) for i in range(len(columns))]
        load_table(con, name, pa.Table.from_arrays(arrays, names=list(columns)), folder)
        return
    types = ", ".join(f"{sql_name(c)} {t}" for c, t in columns.items())
    con.execute(f"CREATE OR REPLACE TEMP TABLE {sql_name(name)} ({types})")
    if rows:
        con.executemany(f"INSERT INTO {sql_name(name)} VALUES ({', '.join('?' for _ in columns)})", rows)
