"""Completeness rolled up the hierarchy, reminders for county staff, and aggregates traceable to their submissions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import duckdb
import pytest
from tests.survey.conftest import (
    AFTER_DUE,
    BEFORE_DUE,
    DAY,
    GOOD_DAILY,
    GOOD_WEEKLY,
    RUIAN_VILLAGE,
    TOWN,
    VILLAGE_A,
    VILLAGE_B,
    VILLAGE_C,
    YUEQING,
    People,
)

from fugong.errors import InvalidInput, NotFound
from fugong.hub import lake
from fugong.settings import Settings
from fugong.store import Store
from fugong.survey import aggregate, completeness, service
from fugong.survey.orgunits import Hierarchy

Assigned = Callable[..., dict[str, int]]


@pytest.fixture
def reported(
    store: Store, survey_settings: Settings, hierarchy: Hierarchy, people: People, assigned: Assigned
) -> dict[str, int]:
    """Village A on time, B late, C a draft only, Ruian's village nothing."""
    ids = assigned()
    with store.session() as session:
        service.submit(
            session, survey_settings, hierarchy, people.village_a, ids[VILLAGE_A], GOOD_DAILY, 1, "a", now=BEFORE_DUE
        )
        late = {**GOOD_DAILY, "returnees_total": 10, "returnees_today": 1, "home_observation": 1}
        service.submit(
            session, survey_settings, hierarchy, people.township, ids[VILLAGE_B], late, 1, "b", now=AFTER_DUE
        )
        service.set_worker_units(session, hierarchy, "zhen", [TOWN, "330382100"])
        service.save_draft(
            session, survey_settings, hierarchy, people.township, ids[VILLAGE_C], {"checkpoints": 1}, 1, now=BEFORE_DUE
        )
    return ids


def _unit(rolled: dict[str, Any], code: str) -> dict[str, Any]:
    return next(u for u in rolled["units"] if u["code"] == code)


def test_completeness_rolls_up(store: Store, hierarchy: Hierarchy, reported: dict[str, int]) -> None:
    with store.session() as session:
        before = completeness.roll_up(
            session, hierarchy, "village_daily", DAY, "330000", BEFORE_DUE + timedelta(hours=1)
        )
        after = completeness.roll_up(session, hierarchy, "village_daily", DAY, "330000", AFTER_DUE + timedelta(hours=1))
    assert _unit(before, "330000")["assigned"] == 4
    assert {k: _unit(before, YUEQING)[k] for k in completeness.STATUSES} == {
        "submitted": 1,
        "late": 1,
        "overdue": 0,
        "in_progress": 1,
        "not_started": 0,
    }
    assert _unit(after, YUEQING)["overdue"] == 1
    assert _unit(after, YUEQING)["in_progress"] == 0
    assert _unit(after, TOWN) == {**_unit(after, TOWN), "assigned": 2, "submitted": 1, "late": 1, "on_time_share": 0.5}
    assert _unit(after, "330381")["overdue"] == 1
    assert _unit(after, "330300")["assigned"] == 4  # Wenzhou: both counties
    with store.session() as session:
        county = completeness.roll_up(session, hierarchy, "village_daily", DAY, YUEQING, AFTER_DUE)
    assert {u["code"] for u in county["units"]} == {YUEQING, TOWN, "330382100", VILLAGE_A, VILLAGE_B, VILLAGE_C}


def test_reminders_list_the_open_ones_with_their_workers(
    store: Store, hierarchy: Hierarchy, reported: dict[str, int]
) -> None:
    with store.session() as session:
        early = completeness.reminders(session, hierarchy, [YUEQING], BEFORE_DUE - timedelta(hours=12))
        due = completeness.reminders(session, hierarchy, [YUEQING], AFTER_DUE)
        ruian = completeness.reminders(session, hierarchy, ["330381"], AFTER_DUE)
    assert early == []  # nothing due within six hours yet
    assert [(r["unit"], r["status"], r["workers"]) for r in due] == [(VILLAGE_C, "overdue", ["zhen"])]
    assert [(r["unit"], r["workers"]) for r in ruian] == [(RUIAN_VILLAGE, ["ruian"])]


def test_aggregates_sum_up_and_trace_back(
    store: Store, survey_settings: Settings, hierarchy: Hierarchy, reported: dict[str, int]
) -> None:
    with store.session() as session:
        written = aggregate.aggregate(session, survey_settings, hierarchy, ["village_daily"], now=AFTER_DUE)
    assert [w.dataset for w in written] == ["survey_village_daily"]
    version = lake.get_lake(survey_settings).require("survey_village_daily")
    assert version.snapshot_id == written[0].snapshot_id
    with duckdb.connect() as con:
        rows = con.execute(
            f"SELECT unit_code, level, units_assigned, units_reported, units_late, returnees_total, home_observation "
            f"FROM ({lake.scan_sql(version)}) WHERE period = DATE '2020-02-10' ORDER BY unit_code"
        ).fetchall()
    table = {r[0]: r[1:] for r in rows}
    assert table[VILLAGE_A] == ("village", 1, 1, 0, 40, 5)
    assert table[VILLAGE_C] == ("village", 1, 0, 0, None, None)
    assert table[TOWN] == ("township", 2, 2, 1, 50, 6)
    assert table[YUEQING] == ("county", 3, 2, 1, 50, 6)
    assert table["330000"] == ("province", 4, 2, 1, 50, 6)
    with store.session() as session:
        traced = aggregate.trace(session, survey_settings, "survey_village_daily", YUEQING, DAY)
        with pytest.raises(NotFound, match="has no row for 330382"):
            aggregate.trace(session, survey_settings, "survey_village_daily", YUEQING, DAY + timedelta(days=5))
    assert traced["dataset"] == version.reference
    assert [(s["unit"], s["submitted_by"], s["late"]) for s in traced["submissions"]] == [
        (VILLAGE_A, "cun_a", False),
        (VILLAGE_B, "zhen", True),
    ]
    assert sum(s["values"]["returnees_total"] for s in traced["submissions"]) == 50


def test_industry_resumption_per_county_and_week(
    store: Store, survey_settings: Settings, hierarchy: Hierarchy, people: People, assigned: Assigned
) -> None:
    ids = assigned("industry_weekly", DAY)
    with store.session() as session:
        service.set_worker_units(session, hierarchy, "zhen", [TOWN, "330382100"])
        service.submit(
            session, survey_settings, hierarchy, people.township, ids[TOWN], GOOD_WEEKLY, 1, "w1", now=BEFORE_DUE
        )
        other = {
            **GOOD_WEEKLY,
            "enterprises_total": 8,
            "enterprises_resumed": 3,
            "workers_registered": 1000,
            "workers_returned": 400,
        }
        service.submit(
            session, survey_settings, hierarchy, people.township, ids["330382100"], other, 1, "w2", now=BEFORE_DUE
        )
        written = aggregate.aggregate(session, survey_settings, hierarchy, ["industry_weekly"], now=AFTER_DUE)
    assert [w.dataset for w in written] == ["survey_industry_weekly", "survey_industry_resumption"]
    rel = lake.relation("survey_industry_resumption", survey_settings)
    with duckdb.connect() as con:
        rows = con.execute(
            f"SELECT county_code, period, enterprises_total, enterprises_resumed, resumption_rate, returned_rate, "
            f"units_assigned, units_reported, submission_ids FROM ({rel.sql}) ORDER BY county_code"
        ).fetchall()
    assert len(rows) == 1  # Ruian's township has not reported: no row rather than a guess
    assert rows[0][:8] == (YUEQING, DAY, 20, 12, 60.0, 62.5, 2, 2)
    assert len(rows[0][8]) == 2
    # The risk map's county resumption index reads these rates as the forms' industry figure.
    from fugong.riskmap.sources import read_forms

    rates, source = read_forms(survey_settings)
    assert source == lake.get_lake(survey_settings).require("survey_industry_resumption").reference
    assert [(r.county, float(r.rate)) for r in rates] == [(YUEQING, 60.0)]
    with store.session() as session:
        with pytest.raises(InvalidInput, match="at least one form"):
            aggregate.aggregate(session, survey_settings, hierarchy, [])
        with pytest.raises(NotFound, match="no form 'weekly'"):
            aggregate.aggregate(session, survey_settings, hierarchy, ["weekly"])
