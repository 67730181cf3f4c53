"""Fixtures of the power tests: the published Zhejiang figures, a case reproducing them, the real Tianchi panel."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pytest

from fugong.power.runs import Inputs, open_inputs

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "power"
TIANCHI = SHARED / "tianchi_yangzhong_daily_kwh.csv"
PUBLISHED = SHARED / "published_zhejiang_power_index.csv"


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Path:
    """Write a small CSV file."""
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def shared_file(path: Path) -> Path:
    """A file of the shared reference data, or a clear failure naming where it was looked for."""
    if not path.exists():
        pytest.fail(f"reference data {path.resolve()} is missing: the shared/ folder must sit beside the repository")
    return path


def published_case(folder: Path) -> Path:
    """10,000 users with a 1 kWh baseline whose 10, 19 and 20 Feb 2020 reproduce Zhejiang's published shares.

    Each day R users resume and together draw T Wh (T / 10,000,000 Wh of baseline = the production share);
    the others draw 0.299 kWh, just under the 30 % threshold.
    """
    from datetime import date

    import pyarrow as pa
    import pyarrow.parquet as pq

    days = {
        date(2020, 2, 10): (1937, 3_147_000),
        date(2020, 2, 19): (5760, 4_528_000),
        date(2020, 2, 20): (6015, 4_727_000),
    }
    users, day_col, kwh = [], [], []
    for u in range(10_000):
        users.append(f"u{u:05d}")
        day_col.append(date(2019, 12, 1))
        kwh.append(1.0)
    for day, (resumed, total) in days.items():
        base, extra = divmod(total, resumed)
        for u in range(10_000):
            users.append(f"u{u:05d}")
            day_col.append(day)
            wh = (base + (1 if u < extra else 0)) if u < resumed else 299
            kwh.append(wh / 1000)
    path = folder / "published.parquet"
    pq.write_table(pa.table({"user_id": users, "day": pa.array(day_col, pa.date32()), "kwh": kwh}), path)
    return path


@pytest.fixture
def published_readings(tmp_path: Path) -> Path:
    """Readings reproducing Zhejiang's published 10, 19 and 20 Feb 2020 shares (see published_case)."""
    return published_case(tmp_path)


@pytest.fixture
def published_index() -> Path:
    """State Grid Zhejiang's published figures (shared reference data)."""
    return shared_file(PUBLISHED)


@pytest.fixture
def tianchi_file() -> Path:
    """The real Yangzhong wide file (shared reference data)."""
    return shared_file(TIANCHI)


@pytest.fixture(scope="session")
def tianchi() -> Inputs:
    """The real Yangzhong panel loaded once (about 3 s): 1,454 users, 2015-01-01 … 2016-09-30."""
    return open_inputs(shared_file(TIANCHI))


@pytest.fixture(scope="session")
def power_lake(tiny_province: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny simulated province ingested once into a lake of its own (read-only); returns its data_dir."""
    from fugong.hub.folders import ingest_folder
    from fugong.hub.lake import get_lake
    from fugong.settings import Settings

    data_dir = tmp_path_factory.mktemp("power-lake") / "var"
    result = ingest_folder(tiny_province.out_dir, Settings(data_dir=data_dir))
    assert get_lake(Settings(data_dir=data_dir)).current("grid_readings") is not None, result
    return data_dir
