"""Write (写入): an ingest's accepted rows as the Parquet files of a new lake version, under its staging folder.

Append feeds write only the new rows, partitioned by day (the new version lists the parent's files too);
upsert feeds rewrite the dataset: the parent's rows whose keys were not sent again, plus the new rows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq

from fugong.hub.contracts.base import Contract
from fugong.hub.lake import Version, scan_sql
from fugong.hub.sources import sql_name, sql_string


def _data_entries(staged: Path) -> list[dict[str, Any]]:
    """Entries for the Parquet files written under ``staged/data`` (paths relative to ``staged``)."""
    entries = []
    for path in sorted((staged / "data").rglob("*.parquet")):
        partition = path.parent.name
        entries.append(
            {
                "path": path.relative_to(staged).as_posix(),
                "rows": pq.read_metadata(path).num_rows,
                "bytes": path.stat().st_size,
                "date": partition.split("=", 1)[1] if partition.startswith("date=") else None,
            }
        )
    return entries


def _accepted_sql(contract: Contract, lines: tuple[str, str]) -> str:
    """SQL of the accepted rows: kept columns, source and true line (``lines``: join and line expression)."""
    kept = ", ".join(f"s.{sql_name(c.name)}" for c in contract.kept)
    join, line = lines
    return (
        f"SELECT {kept}, s._source, {line} AS _line FROM "
        "(SELECT * FROM stage s ANTI JOIN dups d ON s._source = d._source AND s._ord = d._ord "
        f"WHERE NOT s._rejected) s {join}"
    )


def write_accepted(
    con: duckdb.DuckDBPyConnection, contract: Contract, staged: Path, parent: Version | None, lines: tuple[str, str]
) -> list[dict[str, Any]]:
    """Write the ingest's accepted rows (and, for an upsert feed, the parent's rows not replaced) as Parquet."""
    data = staged / "data"
    accepted = _accepted_sql(contract, lines)
    if contract.partition_by is not None:
        day = f"CAST({sql_name(contract.partition_by)} AS DATE)"
        # Snappy: the partitioned write is the costliest step of a large ingest, and zstd adds a fifth to it.
        con.execute(
            f"COPY (SELECT *, {day} AS date FROM ({accepted})) TO {sql_string(str(data))} "
            "(FORMAT parquet, PARTITION_BY (date), FILENAME_PATTERN 'data_{i}', COMPRESSION snappy)"
        )
        return _data_entries(staged)
    data.mkdir()
    query = accepted
    if contract.mode == "upsert" and parent is not None and parent.files():
        on = " AND ".join(f"p.{sql_name(k)} = a.{sql_name(k)}" for k in contract.keys)
        query = (
            f"WITH a AS ({accepted}) SELECT * FROM a UNION ALL BY NAME "
            f"SELECT p.* FROM ({scan_sql(parent)}) p ANTI JOIN a ON {on}"
        )
    con.execute(f"COPY ({query}) TO {sql_string(str(data / 'data_0.parquet'))} (FORMAT parquet, COMPRESSION zstd)")
    return _data_entries(staged)


def replaced_rows(
    con: duckdb.DuckDBPyConnection, contract: Contract, parent: Version | None, lines: tuple[str, str]
) -> int:
    """How many of the parent's rows an upsert replaced (same key as an accepted row)."""
    if parent is None or not parent.files():
        return 0
    on = " AND ".join(f"p.{sql_name(k)} = a.{sql_name(k)}" for k in contract.keys)
    query = f"SELECT count(*) FROM ({scan_sql(parent)}) p SEMI JOIN ({_accepted_sql(contract, lines)}) a ON {on}"
    return int(con.execute(query).fetchall()[0][0])


def write_empty(contract: Contract, staged: Path) -> list[dict[str, Any]]:
    """An empty data file with the contract's schema, so a dataset with no valid row yet still has columns."""
    (staged / "data").mkdir(exist_ok=True)
    columns = ", ".join(f"CAST(NULL AS {c.sql_type}) AS {sql_name(c.name)}" for c in contract.kept)
    target = sql_string(str(staged / "data" / "data_0.parquet"))
    with duckdb.connect() as con:
        con.execute(
            f"COPY (SELECT {columns}, NULL::VARCHAR AS _source, NULL::BIGINT AS _line WHERE false) TO {target} "
            "(FORMAT parquet)"
        )
    return _data_entries(staged)
