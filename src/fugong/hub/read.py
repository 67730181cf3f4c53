"""Read a department file, whatever its format and encoding, as rows of text with their line numbers.

Nothing is loaded whole into Python. CSV and JSON lines go through DuckDB's CSV reader (after a streaming
transcode to UTF-8 when the file is GBK, GB18030 or UTF-16); Parquet goes through ``read_parquet``; XLSX is
streamed row by row (openpyxl, read-only) into a temporary Parquet file. Each source becomes one SQL
``SELECT`` giving ``_source``, ``_ord`` (row ordinal), ``_malformed`` (a reason, or NULL), ``_raw`` (the
record text of a malformed row), each contract column as text and, for typed kinds, as a typed value
(see :mod:`fugong.hub.formats`).

Line numbers: ``line`` is the physical line of a CSV or JSON-lines record (the header is a line too), the
worksheet row of an XLSX record, and the 1-based row of a Parquet record. DuckDB's reader skips blank lines
and rejected records without numbering them, so :func:`line_gaps` lists those lines and the ingest shifts
ordinals past them.
"""

from __future__ import annotations

import codecs
import mmap
import re
from pathlib import Path

import duckdb

from fugong.hub.contracts.base import Contract
from fugong.hub.errors import UnreadableFile
from fugong.hub.formats import SAMPLE_BYTES, open_csv, open_jsonl, open_parquet, open_xlsx
from fugong.hub.sources import (
    MalformedRow,
    RawSource,
    Source,
    sql_name,
)

FORMATS = ("csv", "xlsx", "jsonl", "parquet")
_EXTENSIONS = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
}
_REJECT_REASONS = {
    "INVALID ENCODING": "invalid_encoding",
    "INVALID UNICODE": "invalid_encoding",
    "TOO MANY COLUMNS": "too_many_columns",
    "MISSING COLUMNS": "missing_columns",
}


def detect_format(path: Path, name: str) -> str:
    """The file's format from its first bytes, then its extension; a corrupt or old-Excel file is refused."""
    with path.open("rb") as handle:
        head = handle.read(8)
    suffix = Path(name).suffix.lower()
    if suffix == ".xls":
        raise UnreadableFile(f"{name}: old Excel (.xls) files are not read; save it as .xlsx or CSV", field="file")
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"PAR1"):
        return "parquet"
    by_extension = _EXTENSIONS.get(suffix)
    if by_extension == "xlsx":
        raise UnreadableFile(f"{name}: not a valid XLSX workbook (the file is corrupt or not Excel)", field="file")
    if by_extension == "parquet":
        raise UnreadableFile(f"{name}: not a valid Parquet file (no PAR1 magic bytes)", field="file")
    if by_extension is not None:
        return by_extension
    return "jsonl" if head.lstrip().startswith(b"{") else "csv"


def detect_encoding(path: Path, name: str) -> str:
    """UTF-8 (with or without BOM), UTF-16, GBK or GB18030, judged on the first megabyte."""
    with path.open("rb") as handle:
        sample = handle.read(SAMPLE_BYTES)
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in sample:
        raise UnreadableFile(f"{name}: binary data, not a text file", field="file")
    complete = len(sample) < SAMPLE_BYTES
    for encoding in ("utf-8", "gbk", "gb18030"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(sample, final=complete)
        except UnicodeDecodeError:
            continue
        return encoding
    raise UnreadableFile(f"{name}: unreadable encoding (not UTF-8, GBK or GB18030 text)", field="file")


def transcode(path: Path, encoding: str, dest: Path) -> int:
    """Copy a text file to UTF-8 in chunks; return how many undecodable byte sequences became U+FFFD."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    replaced = 0
    with path.open("rb") as src, dest.open("w", encoding="utf-8", newline="") as out:
        while chunk := src.read(4 << 20):
            text = decoder.decode(chunk)
            replaced += text.count("\ufffd")
            out.write(text)
        tail = decoder.decode(b"", final=True)
        replaced += tail.count("\ufffd")
        out.write(tail)
    return replaced


def open_source(con: duckdb.DuckDBPyConnection, contract: Contract, source: Source, workdir: Path) -> RawSource:
    """Open ``source`` for ``contract``: detect format and encoding, find the header, build the select."""
    fmt = detect_format(source.path, source.name)
    if fmt not in contract.formats:
        raise UnreadableFile(
            f"{source.name}: feed {contract.name} is not accepted as {fmt}; send {', '.join(contract.formats)}",
            field="file",
        )
    if fmt == "parquet":
        return open_parquet(con, contract, source)
    if fmt == "xlsx":
        return open_xlsx(contract, source, workdir)
    encoding = detect_encoding(source.path, source.name)
    path, replaced = source.path, 0
    if encoding not in ("utf-8", "utf-8-sig"):
        path = workdir / f"{source.id}.utf8"
        replaced = transcode(source.path, encoding, path)
    opener = open_jsonl if fmt == "jsonl" else open_csv
    raw = opener(contract, source, path, encoding)
    if fmt == "csv":  # the one-column JSON-lines read numbers blank lines itself (and drops them)
        raw.blank_lines_in = path
    if replaced:
        cells = ", ".join(sql_name(c) for c in raw.columns) or "''"
        flag = (
            "SELECT * REPLACE (CASE WHEN _malformed IS NULL AND contains(concat_ws('', "
            f"{cells}), '\ufffd') THEN 'invalid_encoding' ELSE _malformed END AS _malformed) FROM "
        )
        raw.select_sql = f"{flag}({raw.select_sql})"
        if raw.direct_sql is not None and raw.direct_sql_keeping_rejects is not None:
            raw.direct_sql = f"{flag}({raw.direct_sql})"
            raw.direct_sql_keeping_rejects = f"{flag}({raw.direct_sql_keeping_rejects})"
    return raw


def blank_lines(path: Path) -> list[int]:
    """Physical line numbers of empty lines, which DuckDB's reader skips without numbering."""
    if path.stat().st_size == 0:
        return []
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        found = [1] if data[:1] == b"\n" or data[:2] == b"\r\n" else []
        if data.find(b"\n\n") < 0 and data.find(b"\n\r\n") < 0:  # the usual file: a fast scan, no line counting
            return found
        line, counted_to = 1, 0
        for match in re.finditer(rb"\n(?=\r?\n)", data):
            end = match.start() + 1
            line += data[counted_to:end].count(b"\n")
            counted_to = end
            found.append(line)
        return found


def reader_rejects(con: duckdb.DuckDBPyConnection, raw: RawSource) -> list[MalformedRow]:
    """After the scan: the records the reader could not split into columns (every column is read as text)."""
    if raw.rejects_table is None:
        return []
    found = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [raw.rejects_table]).fetchall()
    if not found[0][0]:
        return []
    rows = con.execute(
        "SELECT line, any_value(csv_line), any_value(error_type), any_value(error_message) "
        f"FROM {sql_name(raw.rejects_table)} GROUP BY line ORDER BY line"
    ).fetchall()
    malformed = []
    for line, text, kind, message in rows:
        record = (text or "").strip("\r\n")
        reason = _REJECT_REASONS.get(str(kind).upper(), "malformed_row")
        malformed.append(MalformedRow(int(line), record, reason, str(message).split("\n")[0]))
    return malformed


def line_gaps(raw: RawSource, rejected: list[int]) -> list[int]:
    """Lines after the header that gave no row in the scan: blank lines and rejected records, in order."""
    return sorted({*raw.blank_lines, *rejected})
