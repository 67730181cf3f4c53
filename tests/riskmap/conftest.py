"""Hand-made case tables for the risk-map tests: Yueqing's path, a quieter county, a county that never had a case."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from pathlib import Path

import pytest

from fugong.riskmap.cases import CaseDay

YUEQING, XIHU, PANAN = "330382", "330106", "330727"  # 乐清市, 西湖区, 磐安县
SIMPLE_HEADER = ["county", "day", "new_confirmed", "new_local", "new_imported", "new_clusters", "removed"]


def days(start: date, end: date) -> Iterable[date]:
    """Every day from ``start`` to ``end``."""
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def yueqing_path() -> list[CaseDay]:
    """Yueqing: cases every day from 22 Jan to 16 Feb (mostly local, two clusters); Xihu: a few; Pan'an: none."""
    rows = []
    for n, day in enumerate(days(date(2020, 1, 22), date(2020, 2, 16))):
        new = 12 if day <= date(2020, 2, 5) else 2
        local = new * 3 // 4
        rows.append(CaseDay(YUEQING, day, new, local, new - local, 1 if n in (3, 10) else 0))
    for day in (date(2020, 1, 25), date(2020, 1, 28), date(2020, 2, 2), date(2020, 2, 8)):
        rows.append(CaseDay(XIHU, day, 2, 1, 1, 1 if day == date(2020, 2, 2) else 0))
    rows.append(CaseDay(XIHU, date(2020, 2, 29), 0, 0, 0, 0))  # a quiet row: the data runs to the end of Feb
    return rows


def write_simple(path: Path, rows: Iterable[CaseDay]) -> Path:
    """Write rows in the simple daily layout."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(SIMPLE_HEADER)
        for r in rows:
            writer.writerow(
                [r.unit, r.day.isoformat(), r.new_confirmed, r.new_local, r.new_imported, r.new_clusters, r.removed]
            )
    return path


@pytest.fixture
def yueqing_csv(tmp_path: Path) -> Path:
    """Yueqing's path as a simple CSV file."""
    return write_simple(tmp_path / "cases.csv", yueqing_path())


@pytest.fixture
def write_lines(tmp_path: Path) -> Callable[[str, list[str]], Path]:
    """Write a CSV file from its lines (header first)."""

    def write(name: str, lines: list[str]) -> Path:
        path = tmp_path / name
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    return write
