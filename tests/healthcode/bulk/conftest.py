"""Fixtures of the bulk re-evaluation tests: a rule set that exercises every operator the compiler supports."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fugong.geo import Gazetteer
from fugong.healthcode.rules import RuleSet, parse_ruleset
from fugong.settings import Settings

# Hubei-style expiry (!, withinDays, if, addDays), and rules using ===, in, <=, daysBetween, +, latestDate.
EXERCISE_RULES: list[dict[str, Any]] = [
    {
        "id": "yellow-no-temperature",
        "colour": "yellow",
        "when": {"!": [{"withinDays": [{"var": "temperature.on"}, {"var": "on"}, 2]}]},
        "since": {"if": [{"var": "temperature.on"}, {"addDays": [{"var": "temperature.on"}, 2]}, {"var": "on"}]},
        "green_after": None,
        "reason_zh": "两天内无体温记录",
        "reason_en": "no temperature record in the last two days",
    },
    {
        "id": "red-hubei-contact",
        "colour": "red",
        "when": {
            "and": [
                {"in": [{"var": "key_area_stay.area"}, ["420100", "420200"]]},
                {"===": [{"var": "close_contact.source"}, "cdc"]},
            ]
        },
        "since": {"latestDate": [{"var": "key_area_stay.on"}, {"var": "close_contact.on"}]},
        "green_after": {"checkins": 3, "isolation_days": 4},
        "reason_zh": "湖北停留且为密接",
        "reason_en": "stay in Hubei and a close contact",
    },
    {
        "id": "yellow-recent-suspicion",
        "colour": "yellow",
        "when": {
            "if": [
                {"var": "suspected"},
                {"<=": [0, {"daysBetween": [{"var": "suspected.on"}, {"var": "on"}]}, {"+": [2, 3]}]},
                False,
            ]
        },
        "since": {"var": "suspected.on"},
        "until": {"addDays": [{"var": "suspected.on"}, 6]},
        "green_after": {"checkins": 2, "counted_from": {"var": "suspected.cleared_on"}},
        "reason_zh": "近期疑似",
        "reason_en": "suspected recently",
    },
    {
        "id": "yellow-streak-broken",
        "colour": "yellow",
        "when": {"and": [{">": [{"var": "checkins.count"}, 4]}, {"===": [{"var": "checkins.streak"}, 0]}]},
        "since": {"var": "checkins.last_on"},
        "green_after": {"checkins": 2},
        "reason_zh": "打卡中断",
        "reason_en": "check-ins broken off",
    },
]


@pytest.fixture(scope="session")
def exercise(gazetteer: Gazetteer) -> RuleSet:
    """A county rule set whose rules use every compiled operator and both kinds of release."""
    envelope = {
        "id": "exercise",
        "region": "330602",
        "version": 1,
        "valid_from": "2020-01-01",
        "valid_to": None,
        "description_zh": "测试用规则",
        "description_en": "rules for tests",
        "facts": ["temperature", "key_area_stay", "close_contact", "suspected", "checkins"],
        "rules": EXERCISE_RULES,
    }
    return parse_ruleset(envelope, gazetteer, origin="exercise.json")


def resident_id(n: int, county: str = "330106", born: str = "19900101") -> str:
    """A valid resident ID number (GB 11643 check character) for test person ``n``."""
    from stdnum.cn import ric

    body = f"{county}{born}{n:03d}"
    return body + ric.calc_check_digit(body + "0")  # it reads the first 17 characters


PEOPLE = {name: resident_id(i + 1) for i, name in enumerate("ABCDEFG")}
"""A: a case confirmed 10 Feb; B: their close contact; C: back from Wuhan; D: at the case's gate in the same hour;
E: at that gate an hour later; F: a fever at another gate; G: in the persons list only, with a phone in Wuhan."""


def _csv(folder: Path, name: str, header: str, rows: list[str]) -> Path:
    path = folder / f"{name}.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def small_lake(settings: Settings, tmp_path: Path) -> Settings:
    """A lake with one case, a contact, a stay in Wuhan, scans at two gates and a persons list (ingested)."""
    from fugong.hub.ingest import ingest

    p = PEOPLE
    feeds = {
        "cdc_cases": (
            "病例编号,身份证号,现住址,病例分类,疑似日期,确诊日期",
            [f"ZJ1,{p['A']},330382,确诊病例,2020-02-08,2020-02-10"],
        ),
        "cdc_contacts": (
            "密接编号,关联病例编号,身份证号,末次接触日期,隔离开始日期,隔离解除日期,现住址",
            [f"MJ1,ZJ1,{p['B']},2020-02-08,2020-02-10,2020-02-23,330382"],
        ),
        "telecom_stays": (
            "手机号,身份证号,地区,首次出现日期,末次出现日期",
            [
                f"13957700001,{p['C']},420100,2020-02-01,2020-02-12",
                "13957700002,,420100,2020-02-03,2020-02-13",
                f"13957700003,{p['D']},330382,2020-02-01,2020-02-14",
            ],
        ),
        "checkpoint_scans": (
            "场所编码,身份证号,扫码时间,体温,核验结果",
            [
                f"gate-1,{p['A']},2020-02-07 10:15:00,36.6,通行",
                f"gate-1,{p['D']},2020-02-07 10:40:00,36.5,通行",
                f"gate-1,{p['E']},2020-02-07 11:05:00,36.6,通行",
                f"gate-2,{p['F']},2020-02-15 09:00:00,38.0,劝返",
            ],
        ),
        "persons": (
            "身份证号,姓名,现住址,手机号",
            [f"{p['G']},测试,330382,13957700002"],
        ),
    }
    for feed, (header, rows) in feeds.items():
        report = ingest(feed, [_csv(tmp_path, feed, header, rows)], settings=settings)
        assert report.quarantined == 0, (feed, report)
    return settings
