"""Dirt: none at rate 0; every dirty record is in the truth, where the truth says, at the documented rates."""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from fugong.geo import load_gazetteer
from fugong.sim import KINDS, Manifest
from fugong.sim.dirt import DATE_FORMATS, METER_ABSURD_CENTS

ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _truth(m: Manifest) -> list[dict[str, Any]]:
    return pq.read_table(m.out_dir / "truth/dirty_rows.parquet").to_pylist()


def _summary(m: Manifest) -> list[dict[str, str]]:
    with (m.out_dir / "truth/dirt_summary.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_dirt_zero_gives_clean_feeds(clean_tiny: Manifest, reader: Any) -> None:
    assert _truth(clean_tiny) == []
    assert all(row["dirty"] == "0" for row in _summary(clean_tiny))
    counties = {c.code for c in load_gazetteer("zhejiang").counties()}
    for person in reader.feed(clean_tiny, "persons"):
        assert person["现住址"] in counties
        assert ISO.match(person["出生日期"])
    registry = reader.feed(clean_tiny, "market_registry")
    assert all(len(r["行业门类"]) == 1 and r["所在地区"] in counties and r["企业名称"] for r in registry)
    assert len({r["统一社会信用代码"] for r in registry}) == len(registry)
    for case in reader.feed(clean_tiny, "cdc_cases"):
        assert case["现住址"] in counties
        assert all(not case[c] or ISO.match(case[c]) for c in ("发病日期", "疑似日期", "确诊日期"))
    readings = [r for f in clean_tiny.feed_files("grid_readings") for r in reader.file(clean_tiny, f.path)]
    assert all(r["kwh"] is not None and 0 <= r["kwh"] < METER_ABSURD_CENTS / 100 for r in readings)
    assert len({(r["account_id"], r["day"]) for r in readings}) == len(readings)
    for stay in reader.feed(clean_tiny, "telecom_stays"):
        assert ISO.match(stay["first_day"])
        assert ISO.match(stay["last_day"])
        assert stay["first_day"] <= stay["last_day"]


def test_every_dirty_record_is_where_the_truth_says(tiny_province: Manifest, reader: Any) -> None:
    truth = _truth(tiny_province)
    assert {t["kind"] for t in truth} == set(KINDS)
    by_file: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for t in truth:
        by_file[t["file"]].append(t)
    formats = {f.path.as_posix(): f.format for f in tiny_province.files}
    for file, defects in by_file.items():
        rows = reader.file(tiny_province, Path(file))
        for t in defects:
            header = 1 if formats[file] in ("csv", "xlsx") else 0
            assert t["line"] == t["record"] + header
            row = rows[t["record"] - 1]
            if t["kind"] == "duplicate":
                assert row == rows[int(t["clean_value"]) - 1]
                assert int(t["clean_value"]) == t["record"] - 1
                continue
            value = row[t["column"]]
            if t["kind"] == "missing":
                assert value in (None, ""), t
            elif t["kind"] == "meter_reset":
                assert value < 0 or value >= METER_ABSURD_CENTS / 100
            else:
                assert str(value) == t["value"], t
                assert t["value"] != t["clean_value"]


def test_standardisable_dirt_keeps_the_meaning(tiny_province: Manifest) -> None:
    gazetteer = load_gazetteer("zhejiang")
    truth = _truth(tiny_province)
    regions = [t for t in truth if t["kind"] == "region_format"]
    assert regions
    assert all(gazetteer.lookup(t["value"]).code == t["clean_value"] for t in regions)
    dates = [t for t in truth if t["kind"] == "date_format"]
    for t in dates:
        clean = date.fromisoformat(t["clean_value"])
        assert t["value"] in {fmt(clean) for fmt in DATE_FORMATS}
    industries = [t for t in truth if t["kind"] == "industry_text"]
    assert industries
    assert all(len(t["clean_value"]) == 1 and t["value"].endswith("业") for t in industries)


def test_rates_are_the_setting_on_tiny(tiny_province: Manifest) -> None:
    truth = Counter((t["feed"], t["kind"]) for t in _truth(tiny_province))
    for row in _summary(tiny_province):
        assert truth[(row["feed"], row["kind"])] == int(row["dirty"])
        assert int(row["dirty"]) <= 0.01 * int(row["eligible"]) + 1e-9
        assert int(row["dirty"]) >= 0.01 * int(row["eligible"]) - 1  # the fraction carries over to the next file


@pytest.mark.slow
def test_dirt_rates_within_ten_percent_at_demo_scale(demo_province: Manifest) -> None:
    truth = Counter(t["kind"] for t in _truth(demo_province))
    eligible: Counter[str] = Counter()
    for row in _summary(demo_province):
        eligible[row["kind"]] += int(row["eligible"])
    for kind in KINDS:
        rate = truth[kind] / eligible[kind]
        assert abs(rate - demo_province.dirt_rates[kind]) <= 0.1 * demo_province.dirt_rates[kind], (kind, rate)
    assert len(demo_province.counties) == 90
