"""Survey fixtures: a small township/village register for 乐清市 and 瑞安市, workers holding units, a store."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from stdnum.cn import ric, uscc

from fugong.auth.principal import Principal
from fugong.auth.users import create_user, principal_of
from fugong.geo import load_gazetteer
from fugong.settings import Settings, get_settings
from fugong.store import Store
from fugong.survey import service
from fugong.survey.catalog import get_form
from fugong.survey.orgunits import Hierarchy, load_hierarchy

YUEQING, RUIAN = "330382", "330381"
TOWN = "330382001"  # a street with two communities
VILLAGE_A, VILLAGE_B = "330382001001", "330382001002"
TOWN2, VILLAGE_C = "330382100", "330382100200"
RUIAN_TOWN, RUIAN_VILLAGE = "330381001", "330381001001"
DAY = date(2020, 2, 10)  # a Monday
BEFORE_DUE = datetime(2020, 2, 10, 6, 0, tzinfo=UTC)  # 14:00 in China; the daily report is due at 18:00
AFTER_DUE = datetime(2020, 2, 10, 12, 0, tzinfo=UTC)  # 20:00 in China

UNITS = [
    (TOWN, "东湖街道", "township", "街道", YUEQING),
    (VILLAGE_A, "东湖社区", "village", "社区", TOWN),
    (VILLAGE_B, "南塘社区", "village", "社区", TOWN),
    (TOWN2, "北白象镇", "township", "镇", YUEQING),
    (VILLAGE_C, "金山村", "village", "村", TOWN2),
    (RUIAN_TOWN, "安阳街道", "township", "街道", RUIAN),
    (RUIAN_VILLAGE, "安阳社区", "village", "社区", RUIAN_TOWN),
]
HEADER = ["code", "name", "level", "type", "parent_code", "county_code", "households", "residents"]


def write_units(path: Path, rows: list[tuple[str, str, str, str, str]]) -> Path:
    """Write an org_units CSV (the simulator's layout)."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for code, name, level, kind, parent in rows:
            writer.writerow([code, name, level, kind, parent, code[:6], 100, 300])
    return path


def id_number(serial: int, birth: str = "19950101", place: str = YUEQING) -> str:
    """A valid resident ID number (GB 11643 check character)."""
    body = f"{place}{birth}{serial:03d}"
    return body + ric.calc_check_digit(body + "0")


def credit_code(serial: int) -> str:
    """A valid unified social credit code (GB 32100 check character)."""
    body = f"91330382MA2{serial:06d}"
    return body + uscc.calc_check_digit(body)


@pytest.fixture
def units_csv(tmp_path: Path) -> Path:
    return write_units(tmp_path / "org_units.csv", UNITS)


@pytest.fixture
def survey_settings(settings: Settings, units_csv: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """The test's settings with the small register as the org units."""
    monkeypatch.setenv("FUGONG_SURVEY_ORG_UNITS", str(units_csv))
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


@pytest.fixture
def hierarchy(survey_settings: Settings) -> Hierarchy:
    return load_hierarchy(survey_settings)


@dataclass
class People:
    """Principals of the test's users: workers of village A, of the township, of Ruian; an official; an admin."""

    village_a: Principal
    township: Principal
    ruian: Principal
    official: Principal
    admin: Principal


@pytest.fixture
def people(store: Store, survey_settings: Settings, hierarchy: Hierarchy) -> People:
    gazetteer = load_gazetteer(survey_settings.province, survey_settings.reference_date)
    found: dict[str, Principal] = {}
    with store.session() as session:
        for name, roles, counties, units in (
            ("cun_a", ("grassroots",), (), [VILLAGE_A]),
            ("zhen", ("grassroots",), (), [TOWN]),
            ("ruian", ("grassroots",), (), [RUIAN_VILLAGE]),
            ("guan", ("county_official",), (YUEQING,), []),
            ("root", ("admin",), (), []),
        ):
            user = create_user(session, name, roles=roles, counties=counties, gazetteer=gazetteer)
            session.flush()
            if units:
                service.set_worker_units(session, hierarchy, name, units)
            found[name] = principal_of(user, via="token")
    return People(found["cun_a"], found["zhen"], found["ruian"], found["guan"], found["root"])


@pytest.fixture
def assigned(store: Store, hierarchy: Hierarchy, people: People) -> Callable[..., dict[str, int]]:
    """Assign a form to every unit of its level in 乐清市 and 瑞安市 for some days; returns assignment ids by unit."""

    def make(form_id: str = "village_daily", *days: date) -> dict[str, int]:
        from sqlalchemy import select

        from fugong.survey.models import SurveyAssignment

        with store.session() as session:
            form = get_form(session, form_id)
            for county in (YUEQING, RUIAN):
                service.assign(session, hierarchy, form, county, list(days or (DAY,)), by="root", now=BEFORE_DUE)
            period = form.period_of((days or (DAY,))[-1])
            rows = session.scalars(
                select(SurveyAssignment).where(SurveyAssignment.form_id == form_id, SurveyAssignment.period == period)
            )
            return {a.unit_code: a.id for a in rows}

    return make


GOOD_DAILY: dict[str, Any] = {
    "returnees_total": 40,
    "returnees_today": 3,
    "from_key_areas": False,
    "home_observation": 5,
    "released_today": 0,
    "checkpoints": 2,
    "checkpoints_staffed": 2,
    "issue": "none",
}
GOOD_WEEKLY: dict[str, Any] = {
    "enterprises_total": 12,
    "enterprises_resumed": 9,
    "workers_registered": 3000,
    "workers_returned": 2100,
    "main_obstacle": "none",
}
