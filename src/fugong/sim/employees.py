"""Employees: who works where, and the staff lists (员工名单) enterprises upload, with returners' arrival dates."""

from __future__ import annotations

from datetime import date

import numpy as np

from fugong.sim.persons import People
from fugong.sim.randomness import stream
from fugong.sim.registry import Enterprises
from fugong.sim.travel import Trips

COLUMNS = [
    "统一社会信用代码",
    "企业名称",
    "姓名",
    "身份证号",
    "手机号",
    "户籍地",
    "是否省外返回",
    "返回出发地",
    "抵达日期",
    "在岗状态",
]


def assign_employers(seed: int, p: People, e: Enterprises) -> np.ndarray:
    """Employer (enterprise index, -1 for none) of each person: working-age residents, by register size."""
    employer = np.full(len(p), -1, dtype=np.int64)
    ents = e.of_county(p.county)
    if len(ents) == 0 or len(p) == 0:
        return employer
    rng = stream(seed, "employers", p.county)
    age = p.age()
    works = (age >= 18) & (age <= 60) & (rng.random(len(p)) < np.where(p.migrant, 0.95, 0.7))
    weights = e.employees[ents].astype(float)
    employer[works] = ents[rng.choice(len(ents), int(works.sum()), p=weights / weights.sum())]
    return employer


def employee_rows(
    p: People, e: Enterprises, employer: np.ndarray, trips: Trips, start: date, end: date
) -> dict[str, list[object]]:
    """Clean staff-list rows of a county, grouped by employer."""
    working = np.flatnonzero(employer >= 0)
    working = working[np.argsort(employer[working], kind="stable")]
    returned = trips.returned(start, end)
    away = (
        (trips.region != "")
        & (np.isnat(trips.back) | (trips.back > np.datetime64(end)))
        & (trips.leave <= np.datetime64(end))
    )
    ents = employer[working]
    back = returned[working]
    arrival = np.where(back, trips.back[working], np.datetime64("NaT")).astype("datetime64[D]").astype(object)
    return {
        "统一社会信用代码": e.credit_code[ents].tolist(),
        "企业名称": e.name[ents].tolist(),
        "姓名": p.name[working].tolist(),
        "身份证号": p.id_number[working].tolist(),
        "手机号": [v or None for v in p.phone[working].tolist()],
        "户籍地": p.home[working].tolist(),
        "是否省外返回": np.where(back, "是", "否").tolist(),
        "返回出发地": [r if b else None for r, b in zip(trips.region[working].tolist(), back.tolist(), strict=True)],
        "抵达日期": arrival.tolist(),
        "在岗状态": np.where(away[working], "未返岗", "在岗").tolist(),
    }
