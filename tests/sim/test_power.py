"""The power feeds: calibration to the published index, the Spring Festival, fakers, the late file."""

from __future__ import annotations

import csv
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import chinese_calendar
import duckdb
import pyarrow.parquet as pq
import pytest

from fugong.sim import Manifest
from fugong.sim.calibration import TARGETS, TOLERANCE
from fugong.sim.oracle import power_index

PUBLISHED = Path("/work/shared/data/power/published_zhejiang_power_index.csv")


def _published() -> dict[date, tuple[float, float, float]]:
    with PUBLISHED.open(encoding="utf-8") as handle:
        return {
            date.fromisoformat(r["date"]): (
                float(r["resumed_user_share_pct"]),
                float(r["production_share_pct"]),
                float(r["index"]),
            )
            for r in csv.DictReader(handle)
            if r["date"] in ("2020-02-10", "2020-02-19", "2020-02-20")
        }


def _readings(m: Manifest) -> list[Path]:
    return [m.out_dir / f.path for f in m.feed_files("grid_readings")]


def test_targets_are_the_published_figures() -> None:
    assert _published() == TARGETS


@pytest.mark.parametrize("day", sorted(TARGETS))
def test_index_lands_on_the_published_figures_clean_and_after_quarantine(
    clean_tiny: Manifest, tiny_province: Manifest, day: date
) -> None:
    published = dict(zip(("resumed_share", "production_share", "index"), TARGETS[day], strict=True))
    for manifest in (clean_tiny, tiny_province):
        achieved = power_index(_readings(manifest), day)
        assert achieved["users"] > 150
        for figure, value in published.items():
            assert abs(achieved[figure] - value) <= TOLERANCE, (manifest.dirt, figure, achieved[figure], value)
    recorded = json.loads((tiny_province.out_dir / "truth/calibration.json").read_text(encoding="utf-8"))
    assert recorded["targets"][day.isoformat()]["published"] == published


def test_oracle_compares_the_threshold_exactly(tmp_path: Path) -> None:
    import pyarrow as pa

    table = pa.table(
        {
            "account_id": ["a"] * 31 + ["a", "b"] * 1 + ["b"] * 30 + ["b"],
            "day": [date(2019, 12, d) for d in range(1, 32)]
            + [date(2020, 2, 10)] * 2
            + [date(2019, 12, d) for d in range(1, 31)]
            + [date(2019, 12, 31)],
            "kwh": [Decimal("10.00")] * 31 + [Decimal("3.00"), Decimal("2.99")] + [Decimal("10.00")] * 31,
        },
        schema=pa.schema([("account_id", pa.string()), ("day", pa.date32()), ("kwh", pa.decimal128(18, 2))]),
    )
    path = tmp_path / "r.parquet"
    pq.write_table(table, path)
    result = power_index([path], date(2020, 2, 10))
    # a: exactly 30 % of its baseline is resumed; b: 0.01 below is not.
    assert result["users"] == 2
    assert result["resumed_share"] == 50.0
    assert abs(result["production_share"] - 100 * 3.00 / 20.00) < 1e-9


def test_spring_festival_dips_and_make_up_days(clean_tiny: Manifest) -> None:
    daily = dict(
        duckdb.sql(
            f"SELECT day, sum(kwh) FROM read_parquet({[str(p) for p in _readings(clean_tiny)]}) GROUP BY day"
        ).fetchall()
    )
    december = sum(v for d, v in daily.items() if d.month == 12 and d.year == 2019) / 31
    assert daily[date(2020, 1, 28)] < Decimal("0.5") * december  # the festival, extended by the epidemic
    assert daily[date(2020, 2, 10)] < Decimal("0.5") * december
    assert daily[date(2020, 3, 31)] > Decimal("0.8") * december
    workday, sunday = date(2019, 12, 9), date(2019, 12, 8)
    assert daily[sunday] < daily[workday]
    make_up = date(2019, 10, 12)  # a Saturday worked to make up for the National Day holiday
    assert chinese_calendar.is_workday(make_up)
    assert make_up.weekday() == 5
    assert daily[make_up] > daily[date(2019, 10, 19)]  # an ordinary Saturday


def test_fakers_flat_or_jumping_to_baseline(clean_tiny: Manifest) -> None:
    with (clean_tiny.out_dir / "truth/gaming.csv").open(encoding="utf-8") as handle:
        fakers = list(csv.DictReader(handle))
    assert {f["pattern"] for f in fakers} == {"flat", "jump"}
    files = [str(p) for p in _readings(clean_tiny)]
    truth = pq.read_table(clean_tiny.out_dir / "truth/enterprise_resumption.parquet").to_pylist()
    for faker in fakers:
        rows = duckdb.execute(
            f"SELECT day, kwh FROM read_parquet({files}) WHERE account_id = ? ORDER BY day", [faker["account_id"]]
        ).fetchall()
        baseline = sum(k for d, k in rows if d.year == 2019 and d.month == 12) / 31
        after = [k for d, k in rows if d >= date.fromisoformat(faker["from_day"])]
        if faker["pattern"] == "flat":
            assert len(set(after)) == 1  # the same kWh every day, weekends and holidays included
        else:
            assert all(abs(k / baseline - 1) < Decimal("0.03") for k in after)
        honest = [t for t in truth if t["credit_code"] == faker["credit_code"] and t["day"] >= date(2020, 2, 10)]
        assert honest
        assert not any(t["resumed"] for t in honest)


def test_late_file_holds_one_countys_missing_week(tiny_province: Manifest) -> None:
    assert len(tiny_province.late_files) == 1
    late = tiny_province.out_dir / tiny_province.late_files[0]
    with (tiny_province.out_dir / "truth/late_files.csv").open(encoding="utf-8") as handle:
        record = next(csv.DictReader(handle))
    assert record["file"] == tiny_province.late_files[0].as_posix()
    assert record["delivered_on"] > record["due_on"]
    days = {r["day"] for r in pq.read_table(late, columns=["day"]).to_pylist()}
    assert days == {date(2020, 2, d) for d in range(17, 22)}
    feb = str(tiny_province.out_dir / "feeds/grid/readings/readings_2020-02.parquet")
    accounts = [r["account_id"] for r in pq.read_table(late, columns=["account_id"]).to_pylist()]
    overlap = duckdb.execute(
        f"SELECT count(*) FROM read_parquet('{feb}') WHERE day BETWEEN '2020-02-17' AND '2020-02-21' "
        "AND account_id IN (SELECT unnest(?))",
        [accounts],
    ).fetchone()
    assert overlap == (0,)
