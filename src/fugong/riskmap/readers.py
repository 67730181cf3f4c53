"""Reading case files (the edge): the CDC line list (cdc_cases layout) or a simple daily table, CSV or Parquet."""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from fugong.riskmap.cases import CaseDataError, CaseDay, CaseTable, build_table

LOCAL_SOURCES = frozenset({"本地感染", "监所聚集"})  # local transmission; a prison outbreak counts as local
CONFIRMED = "确诊病例"
LINE_LIST_COLUMNS = ("病例编号", "统计地区", "病例分类", "感染来源", "确诊日期")
SIMPLE_COUNTS = ("new_confirmed", "new_local", "new_imported", "new_clusters", "removed")
_YMD = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")
_COMPACT = re.compile(r"^\s*(\d{4})(\d{2})(\d{2})\s*$")


@dataclass(frozen=True)
class Record:
    """One data row of a file with where it was: ``file:line`` (CSV line, header = 1) or ``file:row`` (Parquet)."""

    where: str
    values: dict[str, str]


def parse_date(text: str) -> date | None:
    """A date written as ISO or as the variants departments send (2020/2/10, 20200210, 2020年2月10日, 2020.02.10)."""
    match = _YMD.match(text) or _COMPACT.match(text)
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def read_records(path: Path) -> tuple[list[str], list[Record]]:
    """The header and every row of a CSV (UTF-8 or GBK, found by trying) or Parquet file, values as text."""
    if not path.is_file():
        raise CaseDataError(f"{path}: no such file", field="cases")
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        try:
            table = pq.read_table(path)
        except Exception as exc:  # pyarrow raises several types for a file that is not Parquet
            raise CaseDataError(f"{path}: not a readable Parquet file ({exc})", field="cases") from None
        header = list(table.column_names)
        rows = table.to_pylist()
        return header, [
            Record(f"{path.name}:row {n}", {k: _cell(v) for k, v in row.items()}) for n, row in enumerate(rows, 1)
        ]
    if suffix != ".csv":
        raise CaseDataError(f"{path}: case files must be .csv or .parquet", field="cases")
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise CaseDataError(f"{path}: neither UTF-8 nor GBK text", field="cases")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip() for h in next(reader, [])]
    records = []
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise CaseDataError(
                f"{path.name}:{reader.line_num}: {len(row)} fields where the header has {len(header)}", field="cases"
            )
        records.append(
            Record(f"{path.name}:{reader.line_num}", dict(zip(header, (c.strip() for c in row), strict=True)))
        )
    return header, records


def read_cases(path: Path, *, units: Iterable[str] | None = None, set_aside: Iterable[str] = ()) -> CaseTable:
    """Read a case file of either layout (found from its header) into a checked table.

    ``units``: the codes allowed (others are an error naming them); ``set_aside``: codes left out and counted.
    """
    header, records = read_records(path)
    if all(c in header for c in LINE_LIST_COLUMNS):
        rows, first, last = line_list_days(records)
    elif "new_confirmed" in header and "day" in header and ("county" in header or "unit" in header):
        rows, first, last = simple_days(records, "county" if "county" in header else "unit")
    else:
        raise CaseDataError(
            f"{path.name}: unknown layout; expected the cdc_cases columns ({', '.join(LINE_LIST_COLUMNS)}) or "
            f"county (or unit), day, new_confirmed; the header is: {', '.join(header)}",
            field="cases",
        )
    return build_table(rows, units=units, set_aside=set_aside, first_day=first, last_day=last, origin=str(path))


def _count(record: Record, column: str) -> int | None:
    text = record.values.get(column, "")
    if text == "":
        return None
    try:
        return int(text)
    except ValueError:
        raise CaseDataError(f"{record.where}: {column} {text!r} is not a whole number", field=column) from None


def simple_days(records: list[Record], unit_column: str) -> tuple[list[CaseDay], date | None, date | None]:
    """Rows of the simple layout: unit, day (ISO), new_confirmed, and optional split, clusters and removals."""
    rows = []
    for record in records:
        unit = record.values[unit_column]
        try:
            day = date.fromisoformat(record.values["day"])
        except ValueError:
            raise CaseDataError(
                f"{record.where}: day {record.values['day']!r} is not YYYY-MM-DD", field="day"
            ) from None
        counts = {c: _count(record, c) for c in SIMPLE_COUNTS}
        if counts["new_confirmed"] is None:
            raise CaseDataError(f"{record.where}: new_confirmed is empty", field="new_confirmed")
        rows.append(
            CaseDay(
                unit,
                day,
                counts["new_confirmed"] or 0,
                counts["new_local"],
                counts["new_imported"],
                counts["new_clusters"] or 0,
                counts["removed"] or 0,
                record.where,
            )
        )
    return rows, None, None


def _event_day(record: Record, column: str, required: bool) -> date | None:
    text = record.values.get(column, "")
    if text == "":
        if required:
            raise CaseDataError(f"{record.where}: {column} is empty for a confirmed case", field=column)
        return None
    day = parse_date(text)
    if day is None:
        raise CaseDataError(f"{record.where}: {column} {text!r} is not a date", field=column)
    return day


def line_list_days(records: list[Record]) -> tuple[list[CaseDay], date | None, date | None]:
    """Daily rows from the CDC line list: confirmed cases by 统计地区 and 确诊日期, removals by 核减日期.

    The data covers the first to the last date in any of its date columns. A row repeated exactly (same 病例编号,
    same values) counts once; the same case number with different values is an error.
    """
    seen: dict[str, Record] = {}
    new: dict[tuple[str, date], list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # confirmed, local, clusters, removed
    cluster_first: dict[tuple[str, str], date] = {}
    dated: list[date] = []
    for record in records:
        number = record.values["病例编号"]
        if number in seen:
            if seen[number].values != record.values:
                raise CaseDataError(
                    f"{record.where}: case {number} appears again with other values (first at {seen[number].where})",
                    field="病例编号",
                )
            continue
        seen[number] = record
        for column in ("发病日期", "疑似日期", "确诊日期", "排除日期", "核减日期"):
            text = record.values.get(column, "")
            parsed = parse_date(text) if text else None
            if parsed:
                dated.append(parsed)
        if record.values["病例分类"] != CONFIRMED:
            continue
        unit = record.values["统计地区"]
        day = _event_day(record, "确诊日期", required=True)
        assert day is not None  # required above
        counts = new[(unit, day)]
        counts[0] += 1
        counts[1] += record.values["感染来源"] in LOCAL_SOURCES
        cluster = record.values.get("聚集性疫情编号", "")
        if cluster and (cluster_first.get((unit, cluster)) is None or day < cluster_first[(unit, cluster)]):
            cluster_first[(unit, cluster)] = day
        removed_on = _event_day(record, "核减日期", required=False)
        if removed_on is not None:
            new[(unit, removed_on)][3] += 1
    for (unit, _), day in cluster_first.items():
        new[(unit, day)][2] += 1
    rows = [
        CaseDay(unit, day, c[0], c[1], c[0] - c[1], c[2], c[3], f"{unit} {day}")
        for (unit, day), c in sorted(new.items())
    ]
    return rows, (min(dated) if dated else None), (max(dated) if dated else None)
