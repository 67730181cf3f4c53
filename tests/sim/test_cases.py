"""CDC cases: county figures add up exactly to the real city series; the allocation looks like the record."""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from fugong.sim import Manifest

SERIES = Path("/work/shared/data/cases/zhejiang_city_daily_2020.csv")


def _published() -> dict[str, dict[date, int]]:
    out: dict[str, dict[date, int]] = defaultdict(dict)
    with SERIES.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["cityCode"].isdigit() and row["cityCode"] != "330000":
                out[row["cityCode"]][date.fromisoformat(row["date"])] = int(row["confirmed"])
    return out


def _cumulative(cases: list[dict[str, str]], unit_of: str, day: date) -> Counter[str]:
    counts: Counter[str] = Counter()
    for c in cases:
        confirmed, removed = c["确诊日期"], c["核减日期"]
        if confirmed and date.fromisoformat(confirmed) <= day and not (removed and date.fromisoformat(removed) <= day):
            counts[c[unit_of]] += 1
    return counts


def test_county_counts_add_up_exactly_to_each_city_every_day(clean_tiny: Manifest, reader: Any) -> None:
    cases = reader.feed(clean_tiny, "cdc_cases")
    published = _published()
    day, checked = date(2020, 1, 21), 0
    previous: dict[str, int] = defaultdict(int)
    while day <= date(2020, 3, 31):
        counts = _cumulative(cases, "统计地区", day)
        by_city: Counter[str] = Counter()
        for unit, n in counts.items():
            if unit != "330000":
                by_city[unit[:4] + "00"] += n
        for city, series in published.items():
            expected = series.get(day, previous[city])  # a day without a row keeps the previous total
            previous[city] = expected
            assert by_city[city] == expected, (city, day)
            checked += 1
        day += timedelta(days=1)
    assert checked == 11 * 71


def test_truth_county_series_matches_the_feed(clean_tiny: Manifest, reader: Any) -> None:
    cases = reader.feed(clean_tiny, "cdc_cases")
    with (clean_tiny.out_dir / "truth/county_cases_daily.csv").open(encoding="utf-8") as handle:
        truth = list(csv.DictReader(handle))
    last: dict[str, int] = {}
    for row in truth:
        last[row["county_code"]] = int(row["cumulative_confirmed"])
    assert last == {k: v for k, v in _cumulative(cases, "统计地区", date(2020, 3, 31)).items() if v or k in last}


def test_allocation_looks_like_the_record(clean_tiny: Manifest, reader: Any) -> None:
    cases = reader.feed(clean_tiny, "cdc_cases")
    by_9_feb = _cumulative(cases, "统计地区", date(2020, 2, 9))
    counties_with_cases = {k for k, n in by_9_feb.items() if n and k != "330000"}
    assert 90 - len(counties_with_cases) == 12  # the 12 green counties of 9 Feb had never had a case
    assert by_9_feb.most_common(1)[0][0] == "330382"  # 乐清 the worst county
    cities = Counter()
    for unit, n in _cumulative(cases, "统计地区", date(2020, 3, 31)).items():
        cities[unit[:4]] += n
    assert cities.most_common(1)[0][0] == "3303"  # 温州 the heaviest city
    sources = Counter(c["感染来源"] for c in cases if c["病例分类"] == "确诊病例")
    assert sources["本地感染"]
    assert sources["湖北输入"]
    assert sources["境外输入"]
    assert sources["监所聚集"] == 36
    assert sum(1 for c in cases if c["聚集性疫情编号"]) > 100
    assert Counter(c["病例分类"] for c in cases)["排除病例"] > 500
    province = [c for c in cases if c["统计地区"] == "330000"]
    assert province
    assert all(c["现住址"][:2] == "33" and c["现住址"] != "330000" for c in province)


def test_close_contacts_follow_their_cases(clean_tiny: Manifest, reader: Any) -> None:
    cases = {c["病例编号"]: c for c in reader.feed(clean_tiny, "cdc_cases")}
    contacts = reader.feed(clean_tiny, "cdc_contacts")
    assert contacts
    for contact in contacts:
        case = cases[contact["关联病例编号"]]
        assert case["病例分类"] == "确诊病例"
        last = date.fromisoformat(contact["末次接触日期"])
        assert last <= date.fromisoformat(case["确诊日期"])
        assert date.fromisoformat(contact["隔离解除日期"]) == last + timedelta(days=14)
    assert Counter(c["关系"] for c in contacts)["家庭成员"] > len(contacts) / 3
