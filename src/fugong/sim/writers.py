"""Writers: one sink per feed file (CSV in any encoding, XLSX, Parquet, JSON lines), applying dirt as it writes.

Files are written chunk by chunk so that the province scale streams to disk; the same inputs give the same bytes
(XLSX archives get fixed timestamps, Parquet carries no wall-clock metadata).
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from fugong.sim.dirt import Defect, DirtSpec, Quota, Table, apply_dirt
from fugong.sim.manifest import FeedFile, FeedFormat
from fugong.sim.randomness import stream
from fugong.sim.xlsx import XlsxWriter

_TRUTH_SCHEMA = pa.schema(
    [
        ("feed", pa.string()),
        ("file", pa.string()),
        ("line", pa.int64()),
        ("record", pa.int64()),
        ("column", pa.string()),
        ("kind", pa.string()),
        ("value", pa.string()),
        ("clean_value", pa.string()),
    ]
)


def text(value: Any) -> str:
    """A value as a department's CSV writes it (and as the truth records it)."""
    if value is None:
        return ""
    if type(value) is date:
        return value.isoformat()
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal | int | str):
        return str(value)
    if isinstance(value, float):
        return f"{value:.1f}"
    raise TypeError(f"cannot write {type(value).__name__} to a feed")


class DirtyRowLog:
    """``truth/dirty_rows.parquet``: every dirty record, streamed in batches."""

    def __init__(self, path: Path, batch: int = 200_000) -> None:
        self.path = path
        self._batch = batch
        self._rows: dict[str, list[Any]] = {name: [] for name in _TRUTH_SCHEMA.names}
        self._writer: pq.ParquetWriter | None = None
        self.count = 0

    def add(self, feed: str, file: str, line: int, record: int, column: str, kind: str, value: str, clean: str) -> None:
        """Record one dirty record."""
        for name, item in zip(_TRUTH_SCHEMA.names, (feed, file, line, record, column, kind, value, clean), strict=True):
            self._rows[name].append(item)
        self.count += 1
        if len(self._rows["feed"]) >= self._batch:
            self._flush()

    def _flush(self) -> None:
        if not self._rows["feed"]:
            return
        if self._writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._writer = pq.ParquetWriter(self.path, _TRUTH_SCHEMA)
        self._writer.write_table(pa.table(self._rows, schema=_TRUTH_SCHEMA))
        self._rows = {name: [] for name in _TRUTH_SCHEMA.names}

    def close(self) -> None:
        """Write what is left (an empty file when the feeds are clean)."""
        self._flush()
        if self._writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._writer = pq.ParquetWriter(self.path, _TRUTH_SCHEMA)
        self._writer.close()


@dataclass
class Run:
    """What every sink of one generation shares: folder, seed, rates, the dirt quotas and the truth log."""

    out_dir: Path
    seed: int
    rates: dict[str, float]
    log: DirtyRowLog
    quotas: dict[str, Quota] = field(default_factory=dict)
    files: list[FeedFile] = field(default_factory=list)

    def quota(self, feed: str) -> Quota:
        """The dirt quota of a feed, shared by all its files."""
        return self.quotas.setdefault(feed, Quota())


class FeedSink:
    """One feed file being written; ``write`` takes a chunk of clean records, ``close`` returns its FeedFile."""

    def __init__(
        self,
        run: Run,
        feed: str,
        relative: str,
        fmt: FeedFormat,
        columns: list[str],
        spec: DirtSpec | None = None,
        *,
        encoding: str | None = None,
        sheet: str = "Sheet1",
        schema: pa.Schema | None = None,
    ) -> None:
        self.run, self.feed, self.relative, self.format = run, feed, relative, fmt
        self.columns, self.spec, self.encoding, self.sheet, self.schema = columns, spec, encoding, sheet, schema
        self.path = run.out_dir / relative
        self.records = 0
        self._chunks = 0
        self._handle: IO[str] | None = None
        self._csv: Any = None
        self._book: XlsxWriter | None = None
        self._parquet: pq.ParquetWriter | None = None

    def write(self, table: Table) -> None:
        """Apply dirt to a chunk of clean records and append it to the file."""
        if not table or not table[self.columns[0]]:
            return
        defects: list[Defect] = []
        if self.spec is not None:
            rng = stream(self.run.seed, "dirt", self.feed, self.relative, self._chunks)
            table, defects = apply_dirt(table, self.spec, self.run.rates, rng, self.run.quota(self.feed))
        self._chunks += 1
        header = 1 if self.format in ("csv", "xlsx") else 0
        for d in defects:
            record = self.records + d.record + 1
            clean = str(self.records + d.clean_value + 1) if d.kind == "duplicate" else text(d.clean_value)
            value = text(d.value) if d.kind != "duplicate" else ""
            self.run.log.add(self.feed, self.relative, record + header, record, d.column, d.kind, value, clean)
        self._append(table)
        self.records += len(table[self.columns[0]])

    def _append(self, table: Table) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        rows = zip(*(table[c] for c in self.columns), strict=True)
        if self.format == "csv":
            if self._handle is None:
                self._handle = self.path.open("w", encoding=self.encoding or "utf-8", newline="")
                terminator = "\r\n" if self.encoding in ("gbk", "gb18030") else "\n"
                self._csv = csv.writer(self._handle, lineterminator=terminator)
                self._csv.writerow(self.columns)
            # Format column by column: most values are already text, and the fast path keeps the province scale fast.
            columns = [[v if type(v) is str else text(v) for v in table[c]] for c in self.columns]
            self._csv.writerows(zip(*columns, strict=True))
        elif self.format == "jsonl":
            if self._handle is None:
                self._handle = self.path.open("w", encoding="utf-8", newline="\n")
            columns = [[v if type(v) is str else _json(v) for v in table[c]] for c in self.columns]
            dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
            keys = self.columns
            self._handle.writelines(
                dumps(dict(zip(keys, row, strict=True))) + "\n" for row in zip(*columns, strict=True)
            )
        elif self.format == "xlsx":
            if self._book is None:
                self._book = XlsxWriter(self.path, self.sheet, self.columns)
            self._book.append(rows)
        else:
            if self.schema is None:
                raise ValueError(f"{self.relative}: a Parquet sink needs a schema")
            arrow = pa.table({c: table[c] for c in self.columns}, schema=self.schema)
            self.write_arrow(arrow)

    def write_arrow(self, arrow: pa.Table) -> None:
        """Append an Arrow table as it is (dirt already applied by the caller)."""
        if self._parquet is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._parquet = pq.ParquetWriter(self.path, arrow.schema, compression="zstd")
        self._parquet.write_table(arrow)

    def close(self) -> FeedFile | None:
        """Finish the file; None when nothing was written (no file is left behind)."""
        if self._handle is not None:
            self._handle.close()
        if self._parquet is not None:
            self._parquet.close()
        if self._book is not None:
            self._book.close()
        if self.records == 0 and self._parquet is None:
            return None
        feed_file = FeedFile(self.feed, Path(self.relative), self.format, self.encoding, self.records)
        self.run.files.append(feed_file)
        return feed_file


def _json(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, np.generic):
        return value.item()
    return value


def write_json(path: Path, payload: Any) -> None:
    """A truth JSON file, keys in a fixed order."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def write_plain_csv(path: Path, columns: list[str], rows: list[list[Any]]) -> None:
    """A small truth CSV (UTF-8)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([text(v) for v in row] for row in rows)
