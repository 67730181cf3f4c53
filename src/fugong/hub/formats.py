"""One reader per format: find the header, map it to the contract, and build the SELECT of the rows.

CSV is parsed by DuckDB (every column as text, converted by the checks); JSON lines are read as one text field per
line and parsed by DuckDB's JSON functions; Parquet is read by ``read_parquet``; XLSX is streamed row by row
(openpyxl, read-only, one pass per sheet) into a temporary Parquet file.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import zipfile
import zlib
from collections.abc import Iterator
from datetime import date, datetime, time
from itertools import chain, islice
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from fugong.hub.contracts.base import TYPED_KINDS, TYPED_SUFFIX, Contract
from fugong.hub.errors import UnreadableFile, WrongFeed
from fugong.hub.sources import HeaderMismatch, RawSource, Source, sql_name, sql_string

SAMPLE_BYTES = 1 << 20
HEADER_SCAN_ROWS = 10
XLSX_BATCH_ROWS = 50_000
_DELIMITERS = (",", "\t", ";", "|")


def _sample_text(path: Path, encoding: str) -> str:
    with path.open("rb") as handle:
        sample = handle.read(SAMPLE_BYTES // 4)
    text = codecs.getincrementaldecoder("utf-8")(errors="replace").decode(sample)
    return text.removeprefix("\ufeff") if encoding != "utf-16" else text


def _find_header(contract: Contract, text: str, name: str) -> tuple[str, list[str], int]:
    """The delimiter, the header row and the physical line it ends on, among the first rows of ``text``."""
    best: tuple[int, int, str, list[str], int] | None = None
    first_row: list[str] = []
    for delimiter in _DELIMITERS:
        reader = csv.reader(io.StringIO(text), delimiter=delimiter)
        try:
            for index, row in enumerate(reader):
                if index >= HEADER_SCAN_ROWS:
                    break
                if not any(cell.strip() for cell in row):
                    continue
                first_row = first_row or row
                matched = len(contract.match_headers(row))
                if matched and (best is None or (matched, -index) > (best[0], best[1])):
                    best = (matched, -index, delimiter, row, reader.line_num)
        except csv.Error:
            continue
    if best is None:
        raise HeaderMismatch(
            f"{name}: no header names a column of feed {contract.name} "
            f"(found {', '.join(first_row[:8]) or 'nothing'}; expected {', '.join(c.name for c in contract.required)})",
            [h.strip() for h in first_row],
        )
    return best[2], best[3], best[4]


def select_columns(
    contract: Contract, mapping: dict[str, str], text: dict[str, str], typed: dict[str, str] | None = None
) -> str:
    """Each contract column as text (``c``) and, for typed kinds, as a typed value (``c__typed``); absent: NULL.

    ``text`` and ``typed`` map a header to the SQL delivering it; a header may have either or both (a Parquet
    column that did not cast also comes as text, for the checks to explain why).
    """
    typed = typed or {}
    by_column = {column: header for header, column in mapping.items()}
    parts = []
    for c in contract.columns:
        header = by_column.get(c.name)
        value = f"CAST({text[header]} AS VARCHAR)" if header in text else "NULL::VARCHAR"
        parts.append(f"{value} AS {sql_name(c.name)}")
        if c.kind in TYPED_KINDS:
            parts.append(f"{typed.get(header or '', f'NULL::{c.sql_type}')} AS {sql_name(c.name + TYPED_SUFFIX)}")
    return ", ".join(parts)


def _keep(rejects: str) -> str:
    """read_csv options that set aside the records it cannot split in table ``rejects``, instead of failing."""
    return f", store_rejects=true, rejects_table={sql_string(rejects)}, rejects_scan={sql_string(rejects + '_scan')}"


def open_csv(contract: Contract, source: Source, path: Path, encoding: str) -> RawSource:
    delimiter, headers, header_line = _find_header(contract, _sample_text(path, encoding), source.name)
    mapping = contract.match_headers(headers)
    # Every column is read as text and converted by the checks (a direct cast first, slower parses only where it
    # fails): a typed read would reject each row with a value it cannot parse, and every rejected row shifts the
    # line numbers of all the rows after it.
    text = {h: f"c{i}" for i, h in enumerate(headers)}
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(headers))) + "}"
    rejects = f"rejects_{source.id}"
    options = (
        f"{sql_string(str(path))}, header=false, skip={header_line}, columns={columns}, "
        f"delim={sql_string(delimiter)}, quote='\"', escape='\"', auto_detect=false, encoding='utf-8'"
    )
    table = sql_name(f"read_{source.id}")
    columns_sql = f"NULL::VARCHAR AS _malformed, NULL::VARCHAR AS _raw, {select_columns(contract, mapping, text)}"
    select = f"SELECT {sql_string(source.id)} AS _source, rowid + 1 AS _ord, {columns_sql} FROM {table}"
    direct = f"SELECT {sql_string(source.id)} AS _source, NULL::BIGINT AS _ord, {columns_sql} FROM read_csv"
    return RawSource(
        source=source,
        format="csv",
        encoding=encoding,
        columns={column: header for header, column in mapping.items()},
        ignored_headers=[h for h in headers if h not in mapping and h.strip()],
        select_sql=select,
        load_table=table,
        load_sql=f"CREATE TEMP TABLE {table} AS SELECT * FROM read_csv({options})",
        load_sql_keeping_rejects=f"CREATE TEMP TABLE {table} AS SELECT * FROM read_csv({options}{_keep(rejects)})",
        direct_sql=f"{direct}({options})",
        direct_sql_keeping_rejects=f"{direct}({options}{_keep(rejects)})",
        line_offset=header_line,
        rejects_table=rejects,
    )


def open_jsonl(contract: Contract, source: Source, path: Path, encoding: str) -> RawSource:
    keys: dict[str, None] = {}
    for line in _sample_text(path, encoding).splitlines()[:200]:
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict):
            keys.update(dict.fromkeys(record))
    mapping = contract.match_headers(keys)
    if not mapping:
        raise HeaderMismatch(
            f"{source.name}: no key of the JSON records names a column of feed {contract.name} "
            f"(found {', '.join(list(keys)[:8]) or 'no JSON objects'})",
            list(keys),
        )
    paths = {k: "json_extract_string(doc, " + sql_string('$."' + k.replace('"', '\\"') + '"') + ")" for k in mapping}
    rejects = f"rejects_{source.id}"
    # Each line is one VARCHAR field: \x01 may not appear unescaped in valid JSON, and quoting is off.
    options = (
        f"{sql_string(str(path))}, header=false, columns={{'j': 'VARCHAR'}}, delim='\x01', quote='', "
        "escape='', auto_detect=false, encoding='utf-8'"
    )
    table = sql_name(f"read_{source.id}")
    lines = (
        "SELECT rowid + 1 AS _ord, j, CASE WHEN json_valid(j) THEN j::JSON END AS doc "
        f"FROM {table} WHERE j IS NOT NULL AND trim(j) <> ''"
    )
    select = (
        f"SELECT {sql_string(source.id)} AS _source, _ord, "
        "CASE WHEN doc IS NULL OR json_type(doc) <> 'OBJECT' THEN 'malformed_json' END AS _malformed, "
        "CASE WHEN doc IS NULL OR json_type(doc) <> 'OBJECT' THEN j END AS _raw, "
        f"{select_columns(contract, mapping, paths)} FROM ({lines})"
    )
    return RawSource(
        source=source,
        format="jsonl",
        encoding=encoding,
        columns={column: header for header, column in mapping.items()},
        ignored_headers=[k for k in keys if k not in mapping],
        select_sql=select,
        load_table=table,
        load_sql=f"CREATE TEMP TABLE {table} AS SELECT ltrim(j, chr(65279)) AS j FROM read_csv({options})",
        load_sql_keeping_rejects=(
            f"CREATE TEMP TABLE {table} AS SELECT ltrim(j, chr(65279)) AS j FROM read_csv({options}{_keep(rejects)})"
        ),
        rejects_table=rejects,
    )


def open_parquet(con: duckdb.DuckDBPyConnection, contract: Contract, source: Source) -> RawSource:
    try:
        schema = pq.read_schema(source.path)
        names = [field.name for field in schema]
    except (pa.ArrowInvalid, OSError) as exc:
        raise UnreadableFile(f"{source.name}: not a readable Parquet file ({exc})", field="file") from None
    mapping = contract.match_headers(names)
    if not mapping:
        raise HeaderMismatch(
            f"{source.name}: no column of the Parquet file names a column of feed {contract.name} "
            f"(found {', '.join(names[:8])})",
            names,
        )
    text, typed = {}, {}
    for part in schema:
        column = contract.column(mapping[part.name]) if part.name in mapping else None
        name = sql_name(part.name)
        if column is not None and column.kind in TYPED_KINDS and not pa.types.is_string(part.type):
            cast = f"TRY_CAST({name} AS {column.sql_type})"
            typed[part.name] = cast
            text[part.name] = f"CASE WHEN {cast} IS NULL THEN {name} END"  # kept only when it did not cast
        else:
            text[part.name] = name
    select = (
        f"SELECT {sql_string(source.id)} AS _source, file_row_number + 1 AS _ord, NULL::VARCHAR AS _malformed, "
        f"NULL::VARCHAR AS _raw, {select_columns(contract, mapping, text, typed)} "
        f"FROM read_parquet({sql_string(str(source.path))}, file_row_number=true)"
    )
    return RawSource(
        source=source,
        format="parquet",
        encoding=None,
        columns={column: header for header, column in mapping.items()},
        ignored_headers=[n for n in names if n not in mapping],
        select_sql=select,
    )


def _cell_text(value: Any) -> str | None:
    """A worksheet cell as the text a department typed."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def open_xlsx(contract: Contract, source: Source, workdir: Path) -> RawSource:
    import openpyxl

    dest = workdir / f"{source.id}.parquet"
    try:
        workbook = openpyxl.load_workbook(source.path, read_only=True, data_only=True)
        try:
            mapping, headers, width = _stream_xlsx(workbook, contract, source, dest)
        finally:
            workbook.close()
    except (zipfile.BadZipFile, zlib.error, KeyError, ValueError, TypeError, EOFError, OSError, ParseError) as exc:
        if isinstance(exc, WrongFeed):
            raise
        raise UnreadableFile(
            f"{source.name}: not a readable XLSX workbook ({type(exc).__name__}: {exc})", field="file"
        ) from None
    expressions = {h: sql_name(f"c{i}") for i, h in enumerate(headers) if i < width}
    select = (
        f"SELECT {sql_string(source.id)} AS _source, _line AS _ord, NULL::VARCHAR AS _malformed, "
        f"NULL::VARCHAR AS _raw, {select_columns(contract, mapping, expressions)} "
        f"FROM read_parquet({sql_string(str(dest))})"
    )
    return RawSource(
        source=source,
        format="xlsx",
        encoding=None,
        columns={column: header for header, column in mapping.items()},
        ignored_headers=[h for h in headers if h not in mapping and h],
        select_sql=select,
    )


def _stream_xlsx(
    workbook: Any, contract: Contract, source: Source, dest: Path
) -> tuple[dict[str, str], list[str], int]:
    """Find the sheet and row holding the header, then write the rows below it to ``dest`` in batches."""
    # One pass per sheet: asking openpyxl for a row range would make it parse the whole sheet for its size.
    best: tuple[int, int, list[str], list[Any], Iterator[Any]] | None = None
    first_row: list[str] = []
    for sheet in workbook.worksheets:
        rows = sheet.iter_rows(values_only=True)
        head = list(islice(rows, HEADER_SCAN_ROWS))
        for number, row in enumerate(head, 1):
            cells = ["" if v is None else str(v).strip() for v in row]
            if not any(cells):
                continue
            first_row = first_row or cells
            matched = len(contract.match_headers(cells))
            if matched and (best is None or matched > best[0]):
                best = (matched, number, cells, head, rows)
    if best is None:
        raise HeaderMismatch(
            f"{source.name}: no header in the workbook names a column of feed {contract.name} "
            f"(found {', '.join(c for c in first_row[:8] if c) or 'nothing'})",
            first_row,
        )
    _, header_row, headers, head, rest = best
    width = len(headers)
    schema = pa.schema([("_line", pa.int64()), *[(f"c{i}", pa.string()) for i in range(width)]])
    with pq.ParquetWriter(dest, schema) as writer:
        batch: list[list[Any]] = [[] for _ in range(width + 1)]
        for number, row in enumerate(chain(head[header_row:], rest), header_row + 1):
            values: list[str | None] = [_cell_text(v) for v in row[:width]]
            if not any(v is not None and v.strip() for v in values):
                continue
            values += [None] * (width - len(values))
            batch[0].append(number)
            for i, cell in enumerate(values, 1):
                batch[i].append(cell)
            if len(batch[0]) >= XLSX_BATCH_ROWS:
                writer.write_table(pa.Table.from_arrays([pa.array(col) for col in batch], schema=schema))
                batch = [[] for _ in range(width + 1)]
        if batch[0]:
            writer.write_table(pa.Table.from_arrays([pa.array(col) for col in batch], schema=schema))
    return contract.match_headers(headers), headers, width
