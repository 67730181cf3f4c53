"""CDC cases: the real city series of 2020 allocated to counties, exactly, as a line list of synthetic persons.

Real: each city's cumulative confirmed count per day (canghailan/Wuhan-2019-nCoV, in ``data/``). Synthetic: which
county and which person each case is. The cumulative count of a city on a day equals, exactly, the number of its
counties' cases confirmed by then and not yet taken off the count (核减). Rows of the series without a city (the
Shilifeng prison outbreak, cases imported from abroad) become cases counted under the province (统计地区 330000).
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from importlib import resources

import numpy as np

from fugong.geo import load_gazetteer
from fugong.sim.randomness import stream

PROVINCE = "330000"
PROVINCE_ROWS = {"省十里丰监狱": "监所聚集", "境外输入": "境外输入"}
# Twelve counties never have a case: the published map of 9 Feb 2020 had 12 green counties that never had one.
NEVER_CASE = frozenset(
    {
        "330922",
        "330921",
        "331127",
        "331126",
        "331125",
        "331124",
        "330727",
        "330824",
        "330523",
        "330424",
        "330127",
        "331023",
    }
)
WORST_COUNTY = "330382"  # 乐清市: the only red county from 9 to 18 Feb 2020
# Extra weight of a county in its city's new cases, per period (synthetic, shaped on the record: Yueqing first).
HOTSPOTS: dict[str, tuple[tuple[date, float], ...]] = {
    "330382": ((date(2020, 2, 8), 5.0), (date(2020, 2, 18), 2.0), (date(2020, 12, 31), 0.4)),
    "330381": ((date(2020, 12, 31), 2.0),),
    "330302": ((date(2020, 12, 31), 1.6),),
    "330304": ((date(2020, 12, 31), 1.3),),
    "330303": ((date(2020, 12, 31), 1.2),),
    "331121": ((date(2020, 12, 31), 1.5),),
}


@dataclass
class Case:
    """One person in the case list (confirmed, suspected, or suspected then excluded)."""

    case_id: str
    county: str  # residence
    counted_in: str  # the unit the published series counts it under (the county, or 330000)
    classification: str  # 确诊病例 | 疑似病例 | 排除病例
    source: str
    onset: date | None
    suspected_on: date | None
    confirmed_on: date | None
    excluded_on: date | None
    removed_on: date | None = None
    removed_reason: str = ""
    cluster: str = ""
    male: bool = True
    birthday: date = date(1970, 1, 1)
    id_number: str = ""


@lru_cache(maxsize=1)
def city_series() -> dict[str, dict[date, int]]:
    """Cumulative confirmed per city (and per province-level row name) per day, as published."""
    path = resources.files("fugong.sim") / "data" / "zhejiang_city_daily_2020.csv"
    series: dict[str, dict[date, int]] = defaultdict(dict)
    for row in csv.DictReader(path.read_text(encoding="utf-8").splitlines()):
        if row["city"] in PROVINCE_ROWS:
            key = row["city"]
        elif row["cityCode"].startswith("33") and row["cityCode"].isdigit():
            key = row["cityCode"]
        else:
            continue
        series[key][date.fromisoformat(row["date"])] = int(row["confirmed"])
    return dict(series)


def daily_changes(key: str, last: date) -> list[tuple[date, int]]:
    """Day-by-day change of one series up to ``last``; a day without a row keeps the previous total."""
    values = city_series()[key]
    first = min(values)
    changes, previous, day = [], 0, first
    while day <= min(last, max(values)):
        current = values.get(day, previous)
        if current != previous:
            changes.append((day, current - previous))
        previous, day = current, day + timedelta(days=1)
    return changes


def _hotspot(county: str, day: date) -> float:
    for until, weight in HOTSPOTS.get(county, ()):
        if day <= until:
            return weight
    return 1.0


def _source(rng: np.random.Generator, day: date) -> str:
    if day <= date(2020, 1, 31):
        shares = (0.25, 0.70, 0.05)
    elif day <= date(2020, 2, 10):
        shares = (0.65, 0.30, 0.05)
    else:
        shares = (0.85, 0.10, 0.05)
    return str(rng.choice(["本地感染", "湖北输入", "其他省份输入"], p=shares))


def allocate(seed: int, population: dict[str, float], last: date) -> list[Case]:
    """Every case up to ``last``: city changes allocated to counties, province rows, suspected persons."""
    gazetteer = load_gazetteer("zhejiang")
    rng = stream(seed, "cases")
    cases: list[Case] = []
    for city in gazetteer.cities():
        counties = [c.code for c in gazetteer.counties(city=city.code) if c.code not in NEVER_CASE]
        pop = np.array([population[c] for c in counties]) ** 0.8
        recent: dict[str, list[date]] = defaultdict(list)
        for day, change in daily_changes(city.code, last):
            if change < 0:
                _remove(rng, cases, set(counties), None, day, -change)
                continue
            # Cases breed cases: a county with recent cases draws more (at most 2.5 times), so clusters form.
            weights = (
                np.array(
                    [
                        _hotspot(c, day) * (1 + 0.3 * min(sum(1 for d in recent[c] if (day - d).days < 7), 5))
                        for c in counties
                    ]
                )
                * pop
            )
            counts = rng.multinomial(change, weights / weights.sum())
            for county, count in zip(counties, counts.tolist(), strict=True):
                for _ in range(count):
                    cases.append(_confirmed(rng, county, county, day, _source(rng, day)))
                    recent[county].append(day)
        _cover_by(cases, counties, date(2020, 2, 9))
    for name, source in PROVINCE_ROWS.items():
        residence = list(population)
        for day, change in daily_changes(name, last):
            if change < 0:
                _remove(rng, cases, {PROVINCE}, source, day, -change)
            for _ in range(max(change, 0)):
                county = "331121" if source == "境外输入" and rng.random() < 0.6 else str(rng.choice(residence))
                cases.append(_confirmed(rng, county, PROVINCE, day, source))
    cases.extend(_suspected(rng, cases, population, last))
    _clusters(cases)
    cases.sort(key=lambda c: (c.suspected_on or c.confirmed_on or date.max, c.confirmed_on or date.max, c.county))
    for number, case in enumerate(cases, start=1):
        case.case_id = f"ZJ{number:06d}"
    return cases


def _confirmed(rng: np.random.Generator, county: str, counted_in: str, day: date, source: str) -> Case:
    onset = day - timedelta(days=int(rng.integers(1, 9))) if rng.random() < 0.9 else None
    suspected = day - timedelta(days=int(rng.integers(0, 4))) if rng.random() < 0.8 else None
    if suspected and onset and suspected < onset:
        suspected = onset
    age = int(np.clip(rng.normal(47, 15), 1, 90))
    birthday = date(2020 - age, 1, 1) + timedelta(days=int(rng.integers(0, 365)))
    return Case(
        "",
        county,
        counted_in,
        "确诊病例",
        source,
        onset,
        suspected,
        day,
        None,
        male=bool(rng.random() < 0.52),
        birthday=birthday,
    )


def _remove(
    rng: np.random.Generator, cases: list[Case], units: set[str], source: str | None, day: date, count: int
) -> None:
    """Take ``count`` cases counted in these units off the count on ``day`` (the published total went down)."""
    active = [
        c
        for c in cases
        if c.counted_in in units
        and c.removed_on is None
        and c.confirmed_on
        and c.confirmed_on < day
        and (source is None or c.source == source)
    ]
    reason = "转为境外输入" if day == date(2020, 3, 21) else "订正地区"
    for index in sorted(rng.choice(len(active), size=min(count, len(active)), replace=False).tolist()):
        active[index].removed_on, active[index].removed_reason = day, reason


def _cover_by(cases: list[Case], counties: list[str], by: date) -> None:
    """Every county allowed cases has one by ``by``: move a case from the busiest county of the city if needed."""
    for county in counties:
        if any(c.counted_in == county and c.confirmed_on and c.confirmed_on <= by for c in cases):
            continue
        mine = [
            c
            for c in cases
            if c.counted_in in counties and c.confirmed_on and c.confirmed_on <= by and c.removed_on is None
        ]
        load: dict[str, int] = defaultdict(int)
        for c in mine:
            load[c.counted_in] += 1
        if not load or max(load.values()) < 2:
            continue
        busiest = max(sorted(load), key=lambda k: load[k])
        donor = next(c for c in reversed(mine) if c.counted_in == busiest)
        donor.county = donor.counted_in = county


def _suspected(rng: np.random.Generator, cases: list[Case], population: dict[str, float], last: date) -> list[Case]:
    """Persons suspected and then excluded (about 1.5 per confirmed case, a few everywhere) and a few still open."""
    out: list[Case] = []
    confirmed: dict[str, int] = defaultdict(int)
    for c in cases:
        confirmed[c.county] += 1
    first, final = date(2020, 1, 22), min(last, date(2020, 3, 25))
    if final < first:
        return out
    span = (final - first).days
    for county in sorted(population):
        n = int(rng.poisson(1.5 * confirmed[county] + 1))
        for _ in range(n):
            day = first + timedelta(days=int(min(rng.exponential(span / 3), span)))
            excluded = day + timedelta(days=int(rng.integers(1, 6)))
            age = int(np.clip(rng.normal(42, 18), 1, 90))
            birthday = date(2020 - age, 1, 1) + timedelta(days=int(rng.integers(0, 365)))
            out.append(
                Case(
                    "",
                    county,
                    county,
                    "排除病例",
                    _source(rng, day),
                    day - timedelta(days=1),
                    day,
                    None,
                    excluded if excluded <= last else None,
                    male=bool(rng.random() < 0.5),
                    birthday=birthday,
                )
            )
            if out[-1].excluded_on is None:
                out[-1].classification = "疑似病例"
    return out


def _clusters(cases: list[Case]) -> None:
    """Local cases of one county within a week of each other form a cluster (聚集性疫情); prisons are one."""
    by_county: dict[str, list[Case]] = defaultdict(list)
    for c in sorted((c for c in cases if c.confirmed_on), key=lambda c: (c.counted_in, c.confirmed_on or date.min)):
        if c.source in ("本地感染", "监所聚集"):
            by_county[c.counted_in].append(c)
    for county, members in by_county.items():
        groups: list[list[Case]] = []
        for c in members:
            opened = groups[-1][0].confirmed_on if groups else None
            if (
                opened is not None
                and c.confirmed_on is not None
                and (c.source == "监所聚集" or (c.confirmed_on - opened).days <= 7)
            ):
                groups[-1].append(c)
            else:
                groups.append([c])
        number = 0
        for group in groups:
            if len(group) >= 2:
                number += 1
                for c in group:
                    c.cluster = f"JJ{county}{number:03d}"


def county_daily(cases: list[Case], last: date) -> list[list[object]]:
    """Truth: per unit and day with any change, new confirmed (net of removals), cumulative, new local, new imported."""
    events: dict[tuple[str, date], list[int]] = defaultdict(lambda: [0, 0, 0])
    for c in cases:
        if c.confirmed_on and c.confirmed_on <= last:
            entry = events[(c.counted_in, c.confirmed_on)]
            entry[0] += 1
            entry[1 if c.source in ("本地感染", "监所聚集") else 2] += 1
        if c.removed_on and c.removed_on <= last:
            events[(c.counted_in, c.removed_on)][0] -= 1
    rows: list[list[object]] = []
    totals: dict[str, int] = defaultdict(int)
    for (unit, day), (new, local, imported) in sorted(events.items()):
        totals[unit] += new
        rows.append([unit, day, new, totals[unit], local, imported])
    return rows
