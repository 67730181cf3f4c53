"""Fixtures of the risk-map tests: hand-made case tables (Yueqing's path, a quieter county, a county that never had
a case) and the real web app over the tiny simulated province ingested into a lake."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from fugong.hub import lake
from fugong.hub.folders import ingest_folder
from fugong.riskmap.cases import CaseDay
from fugong.settings import Settings
from fugong.web.testing import WebUnderTest, web_under_test

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


Web = WebUnderTest


@pytest.fixture(scope="session")
def riskmap_store_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A SQLite store migrated once, copied clean for each web test."""
    from fugong.store.testing import StoreTemplate

    with StoreTemplate("sqlite", tmp_path_factory.mktemp("riskmap-store")) as template:
        yield template


@pytest.fixture(scope="session")
def lake_dir(tiny_province: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny province ingested once into a lake of its own (read-only); returns its data_dir."""
    data_dir = tmp_path_factory.mktemp("riskmap-lake") / "var"
    result = ingest_folder(tiny_province.out_dir, Settings(data_dir=data_dir))
    assert lake.get_lake(Settings(data_dir=data_dir)).current("cdc_cases") is not None, result
    return data_dir


def _web(data_dir: Path, template: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Web]:
    with (
        template.clean_url(tmp_path) as url,
        web_under_test(url, data_dir, tmp_path, monkeypatch.setenv, official_counties=(YUEQING,)) as web,
    ):
        yield web


@pytest.fixture
def web(lake_dir: Path, riskmap_store_template: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Web]:
    """The real web app over the tiny province's lake."""
    yield from _web(lake_dir, riskmap_store_template, tmp_path, monkeypatch)


@pytest.fixture
def empty_web(riskmap_store_template: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Web]:
    """The real web app over a lake with nothing ingested."""
    yield from _web(tmp_path / "var", riskmap_store_template, tmp_path, monkeypatch)


@pytest.fixture
def analyst(web: Web) -> dict[str, str]:
    """Headers of a signed-in analyst."""
    return web.token("fenxi", "analyst")
