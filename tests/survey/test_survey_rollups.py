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
from fugong.survey import aggregate, completeness, freshness, service
from fugong.survey.catalog import load_form
from fugong.survey.definitions import parse_form
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


def _resumption(settings: Settings) -> list[tuple[Any, ...]]:
    rel = lake.relation("survey_industry_resumption", settings)
    with duckdb.connect() as con:
        return con.execute(
            f"SELECT county_code, period, enterprises_total, enterprises_resumed, resumption_rate, returned_rate, "
            f"units_assigned, units_reported, coverage, capacity_share, submission_ids FROM ({rel.sql}) "
            "ORDER BY county_code"
        ).fetchall()


def test_industry_resumption_per_county_and_week(
    store: Store, survey_settings: Settings, hierarchy: Hierarchy, people: People, assigned: Assigned
) -> None:
    ids = assigned("industry_weekly", DAY)
    with store.session() as session:
        service.set_worker_units(session, hierarchy, "zhen", [TOWN, "330382100"])
        first = {**GOOD_WEEKLY, "capacity_share": 80}
        service.submit(session, survey_settings, hierarchy, people.township, ids[TOWN], first, 1, "w1", now=BEFORE_DUE)
        written = aggregate.aggregate(session, survey_settings, hierarchy, ["industry_weekly"], now=AFTER_DUE)
    assert [w.dataset for w in written] == ["survey_industry_weekly", "survey_industry_resumption"]
    # One township of two has reported: the rate stands for half of the county, and says so.
    assert [r[:10] for r in _resumption(survey_settings)] == [(YUEQING, DAY, 12, 9, 75.0, 70.0, 2, 1, 0.5, 80.0)]
    with store.session() as session:
        other = {
            **GOOD_WEEKLY,
            "enterprises_total": 8,
            "enterprises_resumed": 3,
            "workers_registered": 1000,
            "workers_returned": 400,
            "capacity_share": 30,
        }
        service.submit(
            session, survey_settings, hierarchy, people.township, ids["330382100"], other, 1, "w2", now=BEFORE_DUE
        )
        aggregate.aggregate(session, survey_settings, hierarchy, ["industry_weekly"], now=AFTER_DUE)
    rows = _resumption(survey_settings)
    assert len(rows) == 1  # Ruian's township has not reported: no row rather than a guess
    # Capacity back is a percent: weighted by enterprises, (12 × 80 + 8 × 30) / 20 = 60, never the sum 110.
    assert rows[0][:10] == (YUEQING, DAY, 20, 12, 60.0, 62.5, 2, 2, 1.0, 60.0)
    assert len(rows[0][10]) == 2
    # The risk map's county resumption index reads these rates as the forms' industry figure.
    from fugong.riskmap.sources import read_forms

    rates, source, set_aside = read_forms(survey_settings)
    assert source == lake.get_lake(survey_settings).require("survey_industry_resumption").reference
    assert [(r.county, float(r.rate)) for r in rates] == [(YUEQING, 60.0)]
    assert set_aside == []  # both of Yueqing's townships reported
    with store.session() as session:
        with pytest.raises(InvalidInput, match="at least one form"):
            aggregate.aggregate(session, survey_settings, hierarchy, [])
        with pytest.raises(NotFound, match="no form 'weekly'"):
            aggregate.aggregate(session, survey_settings, hierarchy, ["weekly"])


TOWNSHIP_BEDS: dict[str, Any] = {
    "id": "township_beds",
    "version": 1,
    "title": {"zh": "乡镇隔离点床位", "en": "Township isolation beds"},
    "unit_level": "township",
    "frequency": "daily",
    "sections": [
        {
            "id": "beds",
            "title": {"zh": "床位", "en": "Beds"},
            "fields": [
                {"id": "beds", "kind": "integer", "label": {"zh": "床位数", "en": "Beds"}},
                {
                    "id": "occupied",
                    "kind": "number",
                    "percent": True,
                    "label": {"zh": "使用率（%）", "en": "In use (%)"},
                },
                {"id": "rank", "kind": "integer", "aggregate": "none", "label": {"zh": "排名", "en": "Rank"}},
            ],
        }
    ],
}


def test_a_plain_mean_and_a_figure_kept_for_its_unit(
    store: Store, survey_settings: Settings, hierarchy: Hierarchy, people: People
) -> None:
    with store.session() as session:
        form = parse_form(TOWNSHIP_BEDS)
        load_form(session, form, by="guan", now=BEFORE_DUE)
        service.assign(session, hierarchy, form, YUEQING, [DAY], by="guan", now=BEFORE_DUE)
        service.set_worker_units(session, hierarchy, "zhen", [TOWN, "330382100"])
        for n, (town, values) in enumerate(
            [(TOWN, {"beds": 30, "occupied": 90, "rank": 1}), ("330382100", {"beds": 10, "occupied": 20, "rank": 2})]
        ):
            aid = service.find_assignment(session, form.id, town, DAY).id
            service.submit(
                session, survey_settings, hierarchy, people.township, aid, values, 1, f"b{n}", now=BEFORE_DUE
            )
        aggregate.aggregate(
            session, survey_settings, hierarchy, [form.id], now=AFTER_DUE, trigger="official", by="guan"
        )
    version = lake.get_lake(survey_settings).require("survey_township_beds")
    with duckdb.connect() as con:
        found = con.execute(f"SELECT unit_code, beds, occupied, rank FROM ({lake.scan_sql(version)})").fetchall()
    table = {r[0]: r[1:] for r in found}
    assert table[YUEQING] == (40, 55.0, None)  # beds summed, the share a plain mean, the rank not rolled up
    assert table[TOWN] == (30, 90.0, 1)
    assert version.manifest["aggregation"] == {"beds": "sum", "occupied": "mean", "rank": "none"}
    assert version.manifest["trigger"] == {"reason": "official", "by": "guan", "periods": None}  # whole


def test_a_version_names_what_it_read_and_goes_stale(
    store: Store, survey_settings: Settings, hierarchy: Hierarchy, people: People, assigned: Assigned
) -> None:
    ids = assigned()
    with store.session() as session:
        assert not aggregate.is_fresh(session, survey_settings, hierarchy, "village_daily")  # nothing written yet
        first = service.submit(
            session, survey_settings, hierarchy, people.village_a, ids[VILLAGE_A], GOOD_DAILY, 1, "a", now=BEFORE_DUE
        )
        done = freshness.refresh(
            session, survey_settings, "village_daily", trigger="official", by="guan", now=AFTER_DUE
        )
        assert [d["status"] for d in done] == ["written"]
        assert aggregate.is_fresh(session, survey_settings, hierarchy, "village_daily")
        again = freshness.refresh(
            session, survey_settings, "village_daily", trigger="official", by="guan", now=AFTER_DUE
        )
        assert [(d["status"], d["snapshot_id"]) for d in again] == [("unchanged", done[0]["snapshot_id"])]
    inputs = lake.get_lake(survey_settings).require("survey_village_daily").manifest["inputs"]
    assert inputs["form"] == "village_daily@v1"
    assert (inputs["assignments"], inputs["submissions"], inputs["last_submission_id"]) == (4, 1, first.submission_id)
    with store.session() as session:
        service.submit(
            session, survey_settings, hierarchy, people.township, ids[VILLAGE_B], GOOD_DAILY, 1, "b", now=AFTER_DUE
        )
        assert not aggregate.is_fresh(session, survey_settings, hierarchy, "village_daily")  # a report the lake lacks


def test_the_lake_catches_up_after_a_submission(
    store: Store, survey_settings: Settings, hierarchy: Hierarchy, people: People, assigned: Assigned
) -> None:
    ids = assigned()
    with store.session() as session:
        service.submit(
            session, survey_settings, hierarchy, people.village_a, ids[VILLAGE_A], GOOD_DAILY, 1, "a", now=BEFORE_DUE
        )
    freshness.refresh_in_background(store, survey_settings, "village_daily", "cun_a")
    version = lake.get_lake(survey_settings).require("survey_village_daily")
    assert version.manifest["trigger"] == {"reason": "submission", "by": "cun_a", "periods": None}  # the first
    assert version.manifest["inputs"]["submissions"] == 1
    freshness.refresh_in_background(store, survey_settings, "village_daily", "cun_a")
    assert lake.get_lake(survey_settings).require("survey_village_daily").number == version.number  # nothing new


def test_a_failed_refresh_is_logged_not_raised(
    store: Store, survey_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    freshness.refresh_in_background(store, survey_settings, "no_such_form", "cun_a")
    assert "aggregating no_such_form after a submission failed" in caplog.text
    freshness.refresh_in_background(store, survey_settings, "no_such_form", "cun_a")  # not stuck as running
    assert caplog.text.count("after a submission failed") == 2


def _dump(settings: Settings, dataset: str) -> list[tuple[Any, ...]]:
    version = lake.get_lake(settings).require(dataset)
    with duckdb.connect() as con:
        return con.execute(f"SELECT * FROM ({lake.scan_sql(version)}) ORDER BY period, unit_code").fetchall()


def test_a_refresh_rolls_up_only_the_changed_period_and_matches_a_whole_run(
    store: Store, survey_settings: Settings, hierarchy: Hierarchy, people: People, assigned: Assigned
) -> None:
    before = assigned("village_daily", DAY - timedelta(days=1))
    today = assigned("village_daily", DAY)
    with store.session() as session:
        service.submit(
            session, survey_settings, hierarchy, people.village_a, before[VILLAGE_A], GOOD_DAILY, 1, "y", now=BEFORE_DUE
        )
        aggregate.aggregate(session, survey_settings, hierarchy, ["village_daily"], now=AFTER_DUE)
        service.submit(
            session, survey_settings, hierarchy, people.village_a, today[VILLAGE_A], GOOD_DAILY, 1, "t", now=AFTER_DUE
        )
        written = aggregate.refresh(
            session, survey_settings, hierarchy, "village_daily", now=AFTER_DUE, trigger="submission", by="cun_a"
        )
        assert [w.dataset for w in written] == ["survey_village_daily"]
        assert (
            aggregate.refresh(
                session, survey_settings, hierarchy, "village_daily", now=AFTER_DUE, trigger="submission", by="cun_a"
            )
            == []
        )  # nothing changed since
    refreshed = lake.get_lake(survey_settings).require("survey_village_daily")
    assert refreshed.manifest["trigger"]["periods"] == ["2020-02-10"]
    assert refreshed.manifest["inputs"]["periods"]["2020-02-09"][:2] == [4, 1]  # kept: 4 assigned, 1 reported
    assert refreshed.manifest["inputs"]["periods"]["2020-02-10"][:2] == [4, 1]
    partial = _dump(survey_settings, "survey_village_daily")
    with store.session() as session:
        aggregate.aggregate(session, survey_settings, hierarchy, ["village_daily"], now=AFTER_DUE)
    assert partial == _dump(survey_settings, "survey_village_daily")
    assert {r[0] for r in partial} == {DAY - timedelta(days=1), DAY}
