"""Checkpoints (卡口): malls, stations, factory gates, village entrances, highway exits; scans with temperatures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from fugong.sim.cases import Case
from fugong.sim.persons import People
from fugong.sim.randomness import stream
from fugong.sim.registry import Enterprises
from fugong.sim.travel import Trips

PLACE_TYPES = ("商场超市", "交通站点", "企业厂区", "小区村口", "高速卡口")
PLACE_SHARES = (0.25, 0.10, 0.35, 0.25, 0.05)
SCANS_FROM = date(2020, 1, 25)
FEVER = 37.3
_SUFFIX = {"商场超市": "超市", "交通站点": "汽车站", "小区村口": "村口卡点", "高速卡口": "高速出口"}


@dataclass
class Places:
    """Checkpoints of one county."""

    place_id: np.ndarray
    name: np.ndarray
    type: np.ndarray
    enterprise: np.ndarray  # enterprise index for factory gates, else -1

    def __len__(self) -> int:
        return len(self.place_id)


def build_places(seed: int, county: str, county_name: str, n_persons: int, e: Enterprises) -> Places:
    """About one checkpoint per 150 persons of the sample (at least 4 where anyone lives)."""
    if n_persons == 0:
        empty = np.zeros(0, dtype=str)
        return Places(empty, empty, empty, np.zeros(0, dtype=np.int64))
    rng = stream(seed, "places", county)
    n = max(4, round(n_persons / 150))
    kinds = np.array(PLACE_TYPES)[rng.choice(len(PLACE_TYPES), n, p=PLACE_SHARES)]
    ents = e.of_county(county)
    biggest = ents[np.argsort(-e.employees[ents], kind="stable")] if len(ents) else ents
    gates = np.flatnonzero(kinds == "企业厂区")
    enterprise = np.full(n, -1, dtype=np.int64)
    take = min(len(gates), len(biggest))
    enterprise[gates[:take]] = biggest[:take]
    kinds[gates[take:]] = "商场超市"
    names = []
    for k, (kind, ent) in enumerate(zip(kinds.tolist(), enterprise.tolist(), strict=True)):
        names.append(f"{e.name[ent]}厂门" if ent >= 0 else f"{county_name}{k + 1:03d}号{_SUFFIX[kind]}")
    ids = np.array([f"CK{county}{k + 1:04d}" for k in range(n)])
    return Places(ids, np.array(names), kinds, enterprise)


def place_rows(places: Places, county: str, e: Enterprises) -> dict[str, list[object]]:
    """Clean rows of the checkpoint register."""
    return {
        "场所编码": places.place_id.tolist(),
        "场所名称": places.name.tolist(),
        "场所类型": places.type.tolist(),
        "县区": [county] * len(places),
        "关联企业信用代码": [str(e.credit_code[x]) if x >= 0 else None for x in places.enterprise.tolist()],
    }


def scan_rows(
    seed: int,
    p: People,
    places: Places,
    employer: np.ndarray,
    trips: Trips,
    cases: list[Case],
    rate: float,
    start: date,
    end: date,
) -> dict[str, list[object]]:
    """Scans in the county from 2020-01-25: a random sample of person-days, plus cases in the week before diagnosis."""
    first = max(start, SCANS_FROM)
    if len(places) == 0 or first > end or len(p) == 0:
        return {"场所编码": [], "身份证号": [], "扫码时间": [], "体温": [], "核验结果": []}
    rng = stream(seed, "scans", p.county)
    n_days = (end - first).days + 1
    total = int(rng.poisson(rate * len(p) * n_days))
    person = rng.integers(0, len(p), total)
    day = np.datetime64(first) + rng.integers(0, n_days, total)
    fever = rng.random(total) < 0.002
    # Cases were out and about in the week before they were diagnosed, some already with a fever.
    extra_person, extra_day = [], []
    for i in np.flatnonzero(p.case >= 0).tolist():
        anchor = cases[int(p.case[i])].confirmed_on
        if anchor is None:
            continue
        for back in rng.choice(np.arange(1, 9), size=int(rng.integers(3, 7)), replace=False).tolist():
            when = anchor - timedelta(days=back)
            if first <= when <= end:
                extra_person.append(i)
                extra_day.append(np.datetime64(when))
    person = np.concatenate([person, np.array(extra_person, dtype=np.int64)])
    day = np.concatenate([day, np.array(extra_day, dtype="datetime64[D]")])
    fever = np.concatenate([fever, rng.random(len(extra_person)) < 0.4])
    keep = ~trips.away_on(person, day) & (p.age()[person] >= 3)
    person, day, fever = person[keep], day[keep], fever[keep]
    gate_of = np.full(max(int(employer.max(initial=-1)), int(places.enterprise.max(initial=-1))) + 2, -1)
    gated = places.enterprise >= 0
    gate_of[places.enterprise[gated]] = np.flatnonzero(gated)
    others = np.flatnonzero(~gated)
    pool = others if len(others) else np.arange(len(places))
    place = pool[rng.integers(0, len(pool), len(person))]
    gate = gate_of[employer[person]]  # employer -1 reads the last cell, which is always -1
    place = np.where((rng.random(len(person)) < 0.5) & (gate >= 0), gate, place)
    seconds = rng.integers(7 * 3600, 21 * 3600, len(person))
    normal = np.clip(np.round(rng.normal(36.5, 0.22, len(person)), 1), 35.8, 37.2)
    temperature = np.where(fever, np.round(rng.uniform(FEVER, 38.6, len(person)), 1), normal)
    stamp = day.astype("datetime64[s]") + seconds.astype("timedelta64[s]")
    order = np.lexsort((person, stamp))
    temperature = temperature[order]
    return {
        "场所编码": places.place_id[place[order]].tolist(),
        "身份证号": p.id_number[person[order]].tolist(),
        "扫码时间": np.char.replace(np.datetime_as_string(stamp[order], unit="s"), "T", " ").tolist(),
        "体温": np.char.mod("%.1f", temperature).tolist(),
        "核验结果": np.where(temperature >= FEVER, "劝返", "通行").tolist(),
    }
