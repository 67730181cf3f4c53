"""Lineage (血缘): from a row of a dataset back to the file and line it came from, and what was done to it.

Every accepted row carries ``_source`` (the file, one id per file per ingest) and ``_line``. A trace finds the
rows with a given key in the current version and names, for each, the file (name, SHA-256, format,
encoding), the line, the snapshot that ingested it, the standardisations applied to it, and the copies of
it that were quarantined as duplicates. Personal values are withheld: a trace shows where a row came from.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

import duckdb

from fugong.errors import InvalidInput
from fugong.geo import load_gazetteer
from fugong.hub.contracts.base import PSEUDONYMISED, Column, Contract, Kind
from fugong.hub.lake import Version, get_lake, scan_sql
from fugong.hub.plugins import get_contract
from fugong.hub.pseudonyms import InvalidIdentifier, pseudonymiser
from fugong.hub.sources import sql_name, sql_string
from fugong.settings import Settings, get_settings

_KEY = re.compile(r"[0-9a-f]{32}")


def key_value(column: Column, text: str, settings: Settings) -> Any:
    """A key as a person types it, in the form the lake stores (pseudonym, current region code, date …)."""
    value = text.strip()
    try:
        if column.kind in PSEUDONYMISED:
            if _KEY.fullmatch(value):
                return value
            keys = pseudonymiser(settings)
            kinds = {Kind.id_number: keys.person, Kind.credit_code: keys.enterprise, Kind.phone: keys.phone}
            return kinds[column.kind](value)
        if column.kind is Kind.region:
            return load_gazetteer(settings.province, settings.reference_date).lookup(value).code
        if column.kind is Kind.date:
            return date.fromisoformat(value)
        if column.kind is Kind.timestamp:
            return datetime.fromisoformat(value)
        if column.kind is Kind.integer:
            return int(value)
    except (ValueError, InvalidIdentifier) as exc:
        raise InvalidInput(f"{column.name}: {value!r} is not a valid key ({exc})", field="key") from None
    return value


def _introduced(versions: list[Version]) -> dict[str, Version]:
    """For every source id, the version whose ingest read it."""
    found: dict[str, Version] = {}
    for v in versions:
        for s in v.manifest["ingest"]["sources"]:
            found.setdefault(s["id"], v)
    return found


def trace(dataset: str, key: list[str], settings: Settings | None = None) -> dict[str, Any]:
    """Where the rows with ``key`` (values in the order of the contract's keys) came from."""
    settings = settings or get_settings()
    contract: Contract = get_contract(dataset)
    if len(key) != len(contract.keys):
        raise InvalidInput(
            f"{dataset} is keyed by {', '.join(contract.keys)}: give {len(contract.keys)} value(s)", field="key"
        )
    lake = get_lake(settings)
    version = lake.require(dataset)
    values = [key_value(contract.column(k), v, settings) for k, v in zip(contract.keys, key, strict=True)]
    shown = [c.name for c in contract.kept if not c.is_personal or c.name in contract.keys]
    where = " AND ".join(f"{sql_name(k)} = ?" for k in contract.keys)
    introduced = _introduced(lake.versions(dataset))
    with duckdb.connect() as con:
        cursor = con.execute(
            f"SELECT {', '.join(sql_name(c) for c in shown)}, _source, _line FROM ({scan_sql(version)}) WHERE {where}",
            values,
        )
        names = [d[0] for d in cursor.description]
        found = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        rows = [_lineage(con, version, introduced, row) for row in found]
        duplicates = _duplicates(con, version, values)
    return {
        "dataset": dataset,
        "snapshot_id": version.snapshot_id,
        "key": dict(zip(contract.keys, [str(v) for v in values], strict=True)),
        "rows": rows,
        "duplicates": duplicates,
    }


def _lineage(
    con: duckdb.DuckDBPyConnection, version: Version, introduced: dict[str, Version], row: dict[str, Any]
) -> dict[str, Any]:
    source_id, line = row.pop("_source"), row.pop("_line")
    source = version.manifest["sources"].get(source_id, {})
    ingest = introduced.get(source_id)
    fixes: list[dict[str, Any]] = []
    if files := version.fix_files():
        listing = "[" + ", ".join(sql_string(str(f)) for f in files) + "]"
        cursor = con.execute(
            f'SELECT "column", value, standard, fix FROM read_parquet({listing}) WHERE source = ? AND line = ?',
            [source_id, line],
        )
        fixes = [dict(zip(("column", "raw", "standard", "fix"), r, strict=True)) for r in cursor.fetchall()]
    return {
        "values": {k: (v.isoformat() if isinstance(v, date | datetime) else v) for k, v in row.items()},
        "file": source.get("name"),
        "sha256": source.get("sha256"),
        "format": source.get("format"),
        "encoding": source.get("encoding"),
        "line": line,
        "source_id": source_id,
        "ingested_in": ingest.snapshot_id if ingest else None,
        "ingested_at": ingest.manifest["created_at"] if ingest else None,
        "fixes": fixes,
    }


def _duplicates(con: duckdb.DuckDBPyConnection, version: Version, values: list[Any]) -> list[dict[str, Any]]:
    files = version.quarantine_files()
    if not files:
        return []
    listing = "[" + ", ".join(sql_string(str(f)) for f in files) + "]"
    key_text = " | ".join(str(v) for v in values)
    cursor = con.execute(
        f"SELECT file, line, detail FROM read_parquet({listing}) "
        "WHERE reason = 'duplicate' AND value = ? ORDER BY 1, 2",
        [key_text],
    )
    return [dict(zip(("file", "line", "detail"), r, strict=True)) for r in cursor.fetchall()]
