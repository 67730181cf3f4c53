"""Drafts and submissions as a village worker meets them: scope, drafts, idempotent submits, closed periods."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from tests.survey.conftest import (
    AFTER_DUE,
    BEFORE_DUE,
    DAY,
    GOOD_DAILY,
    RUIAN_VILLAGE,
    TOWN,
    VILLAGE_A,
    VILLAGE_B,
    VILLAGE_C,
    People,
)

from fugong.errors import Conflict, Forbidden, InvalidInput, NotFound
from fugong.settings import Settings
from fugong.store import Store
from fugong.survey import service
from fugong.survey.catalog import get_form, load_form
from fugong.survey.definitions import parse_form
from fugong.survey.models import SurveyAssignment, SurveySubmission
from fugong.survey.orgunits import Hierarchy

Assigned = Callable[..., dict[str, int]]


def _submit(
    store: Store, s: Settings, h: Hierarchy, who: Any, aid: int, values: dict[str, Any], key: str, **kw: Any
) -> Any:
    with store.session() as session:
        return service.submit(session, s, h, who, aid, values, kw.pop("version", 1), key, now=kw.pop("now", BEFORE_DUE))


def test_assigning_reaches_every_village_once(
    store: Store, hierarchy: Hierarchy, people: People, assigned: Assigned
) -> None:
    ids = assigned("village_daily", DAY, DAY + timedelta(days=1))
    assert set(ids) == {VILLAGE_A, VILLAGE_B, VILLAGE_C, RUIAN_VILLAGE}
    with store.session() as session:
        again = service.assign(
            session, hierarchy, get_form(session, "village_daily"), "330382", [DAY], by="x", now=BEFORE_DUE
        )
        assert (again.created, again.unchanged) == (0, 3)
        with pytest.raises(InvalidInput, match="has no township units"):
            service.assign(
                session, hierarchy, get_form(session, "industry_weekly"), VILLAGE_A, [DAY], by="x", now=BEFORE_DUE
            )
        total = session.scalar(select(func.count()).select_from(SurveyAssignment))
    assert total == 8
    weekly = assigned("industry_weekly", DAY + timedelta(days=3))
    assert set(weekly) == {TOWN, "330382100", "330381001"}
    with store.session() as session:
        a = session.get(SurveyAssignment, weekly[TOWN])
        assert a is not None
        assert a.period == DAY
        assert a.due_at.isoformat() == "2020-02-14T09:00:00+00:00"  # Friday 17:00 China time


def test_a_worker_fills_only_their_units(
    store: Store, survey_settings: Settings, hierarchy: Hierarchy, people: People, assigned: Assigned
) -> None:
    ids = assigned()
    with pytest.raises(Forbidden, match=f"{VILLAGE_B} 南塘社区 is not one of the units 'cun_a'") as caught:
        _submit(store, survey_settings, hierarchy, people.village_a, ids[VILLAGE_B], GOOD_DAILY, "k-1")
    assert caught.value.code == "not_your_unit"
    with pytest.raises(Forbidden):
        _submit(store, survey_settings, hierarchy, people.official, ids[VILLAGE_A], GOOD_DAILY, "k-2")
    with pytest.raises(Forbidden):
        _submit(store, survey_settings, hierarchy, people.ruian, ids[VILLAGE_A], GOOD_DAILY, "k-3")
    # The township's worker fills for the villages below it.
    done = _submit(store, survey_settings, hierarchy, people.township, ids[VILLAGE_B], GOOD_DAILY, "k-4")
    assert done.status == "submitted"
    with store.session() as session:
        mine = service.my_assignments(session, hierarchy, people.village_a)
        assert [a.unit_code for a in mine] == [VILLAGE_A]
        assert len(service.my_assignments(session, hierarchy, people.township)) == 2
    # Units are given to grassroots workers only, and only townships or villages.
    with store.session() as session:
        with pytest.raises(InvalidInput, match="does not hold the role grassroots"):
            service.set_worker_units(session, hierarchy, "guan", [VILLAGE_A])
        with pytest.raises(InvalidInput, match="is a county"):
            service.set_worker_units(session, hierarchy, "cun_a", ["330382"])
        with pytest.raises(NotFound, match="no org unit"):
            service.set_worker_units(session, hierarchy, "cun_a", ["330382001099"])


def test_a_draft_keeps_the_valid_part(
    store: Store, survey_settings: Settings, hierarchy: Hierarchy, people: People, assigned: Assigned
) -> None:
    aid = assigned()[VILLAGE_A]
    with store.session() as session:
        outcome = service.save_draft(
            session,
            survey_settings,
            hierarchy,
            people.village_a,
            aid,
            {"returnees_total": 40, "checkpoints": "两个", "home_observation": 3},
            1,
            now=BEFORE_DUE,
        )
    assert outcome.status == "draft_saved"
    assert {p.field: p.code for p in outcome.problems}["checkpoints"] == "not_integer"
    with store.session() as session:
        a = service.get_assignment(session, aid)
        assert a.draft is not None
        assert json.loads(a.draft.answers) == {"home_observation": 3, "returnees_total": 40}
    # A submit with bad values is refused but keeps its valid part, and submits nothing.
    bad = _submit(
        store, survey_settings, hierarchy, people.village_a, aid, {**GOOD_DAILY, "checkpoints_staffed": 9}, "k-bad"
    )
    assert bad.status == "invalid"
    assert [p.code for p in bad.problems] == ["rule:staffed_within_checkpoints"]
    with store.session() as session:
        a = service.get_assignment(session, aid)
        assert a.submission is None
        assert a.draft is not None
        assert json.loads(a.draft.answers)["checkpoints_staffed"] == 9


def test_submitting_twice_with_one_key_is_one_report(
    store: Store, survey_settings: Settings, hierarchy: Hierarchy, people: People, assigned: Assigned
) -> None:
    aid = assigned()[VILLAGE_A]
    first = _submit(store, survey_settings, hierarchy, people.village_a, aid, GOOD_DAILY, "offline-7f3a")
    again = _submit(store, survey_settings, hierarchy, people.village_a, aid, GOOD_DAILY, "offline-7f3a")
    assert first.status == "submitted"
    assert again.status == "already_submitted"
    assert again.submission_id == first.submission_id
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(SurveySubmission)) == 1
        a = service.get_assignment(session, aid)
        assert a.draft is None
        assert a.submission is not None
        assert not a.submission.late
    with pytest.raises(Conflict, match="already submitted by cun_a") as caught:
        _submit(store, survey_settings, hierarchy, people.village_a, aid, GOOD_DAILY, "another-key")
    assert caught.value.code == "period_closed"
    with pytest.raises(Conflict, match="period is closed"), store.session() as session:
        service.save_draft(session, survey_settings, hierarchy, people.village_a, aid, GOOD_DAILY, 1, now=BEFORE_DUE)


def test_bad_idempotency_keys(
    store: Store, survey_settings: Settings, hierarchy: Hierarchy, people: People, assigned: Assigned
) -> None:
    ids = assigned()
    for key in ("", "x" * 65, "键"):
        with pytest.raises(InvalidInput, match="idempotency key"):
            _submit(store, survey_settings, hierarchy, people.township, ids[VILLAGE_A], GOOD_DAILY, key)
    _submit(store, survey_settings, hierarchy, people.township, ids[VILLAGE_A], GOOD_DAILY, "same")
    with pytest.raises(Conflict, match="was used for another form"):
        _submit(store, survey_settings, hierarchy, people.township, ids[VILLAGE_B], GOOD_DAILY, "same")


def test_a_late_submission_is_marked(
    store: Store, survey_settings: Settings, hierarchy: Hierarchy, people: People, assigned: Assigned
) -> None:
    aid = assigned()[VILLAGE_A]
    _submit(store, survey_settings, hierarchy, people.village_a, aid, GOOD_DAILY, "late-1", now=AFTER_DUE)
    with store.session() as session:
        sub = service.get_assignment(session, aid).submission
        assert sub is not None
        assert sub.late


def test_a_form_version_changed_since_the_draft(
    store: Store, survey_settings: Settings, hierarchy: Hierarchy, people: People, assigned: Assigned
) -> None:
    aid = assigned()[VILLAGE_A]
    with store.session() as session:
        service.save_draft(
            session, survey_settings, hierarchy, people.village_a, aid, {"returnees_total": 40}, 1, now=BEFORE_DUE
        )
        raw = copy.deepcopy(get_form(session, "village_daily").source)
        raw["version"] = 2
        raw["sections"][2]["fields"][0]["max"] = 50
        v2 = parse_form(raw)
        assert load_form(session, v2, by="official", now=BEFORE_DUE)
        assert not load_form(session, v2, by="official", now=BEFORE_DUE)  # the same file twice is one version
        raw["sections"][2]["fields"][0]["max"] = 60
        with pytest.raises(Conflict, match="give the changed form version 3"):
            load_form(session, parse_form(raw), by="official", now=BEFORE_DUE)
        moved = service.assign(session, hierarchy, v2, "330382", [DAY], by="official", now=BEFORE_DUE)
        assert moved.updated == 3
    with pytest.raises(Conflict, match="changed from version 1 to 2") as caught:
        _submit(store, survey_settings, hierarchy, people.village_a, aid, GOOD_DAILY, "v1-key", version=1)
    assert caught.value.code == "form_version_changed"
    with store.session() as session:
        a = service.get_assignment(session, aid)
        assert a.submission is None
        assert a.draft is not None
        assert json.loads(a.draft.answers)["checkpoints"] == 2  # what was typed is kept for the new version
    done = _submit(store, survey_settings, hierarchy, people.village_a, aid, GOOD_DAILY, "v2-key", version=2)
    assert done.status == "submitted"


def test_yesterday_is_read_across_periods(
    store: Store, survey_settings: Settings, hierarchy: Hierarchy, people: People, assigned: Assigned
) -> None:
    yesterday = assigned("village_daily", DAY - timedelta(days=1))[VILLAGE_A]
    today = assigned("village_daily", DAY)[VILLAGE_A]
    _submit(
        store,
        survey_settings,
        hierarchy,
        people.village_a,
        yesterday,
        GOOD_DAILY,
        "d-1",
        now=BEFORE_DUE - timedelta(days=1),
    )
    fewer = {**GOOD_DAILY, "returnees_total": 39, "returnees_today": 0}
    outcome = _submit(store, survey_settings, hierarchy, people.village_a, today, fewer, "d-2")
    assert outcome.status == "invalid"
    assert outcome.problems[0].message.zh == "累计返回人数不能少于昨天上报的累计数，请核对。"


VISITS: dict[str, Any] = {
    "id": "enterprise_visits",
    "version": 1,
    "title": {"zh": "驻企走访周报", "en": "Enterprise visits, weekly"},
    "unit_level": "township",
    "frequency": "weekly",
    "due": {"day": 4, "hour": 17},
    "sections": [
        {
            "id": "visits",
            "title": {"zh": "走访", "en": "Visits"},
            "fields": [{"id": "visited", "kind": "integer", "min": 0, "label": {"zh": "走访企业数", "en": "Visited"}}],
        }
    ],
    "rules": [
        {
            "id": "visited_within_enterprises",
            "check": {"<=": [{"var": "this.visited"}, {"var": "forms.industry_weekly.enterprises_total"}]},
            "message": {
                "zh": "走访企业数不能多于本周上报的规上企业数。",
                "en": "More visits than enterprises reported.",
            },
        }
    ],
}


def test_a_rule_reads_the_units_latest_report_of_another_form(
    store: Store, survey_settings: Settings, hierarchy: Hierarchy, people: People, assigned: Assigned
) -> None:
    from tests.survey.conftest import GOOD_WEEKLY

    industry = assigned("industry_weekly", DAY)
    later = assigned("industry_weekly", DAY + timedelta(days=7))
    with store.session() as session:
        form = parse_form(VISITS)
        load_form(session, form, by="guan", now=BEFORE_DUE)
        service.assign(session, hierarchy, form, TOWN, [DAY], by="guan", now=BEFORE_DUE)
        visits = service.find_assignment(session, form.id, TOWN, DAY)
        assert service.other_forms(session, visits) == {}  # nothing submitted yet: the rule waits
        visits_id = visits.id
    _submit(store, survey_settings, hierarchy, people.township, industry[TOWN], GOOD_WEEKLY, "i1")
    next_week = {**GOOD_WEEKLY, "enterprises_total": 50, "enterprises_resumed": 50}
    _submit(store, survey_settings, hierarchy, people.township, later[TOWN], next_week, "i2", now=AFTER_DUE)
    with store.session() as session:
        seen = service.other_forms(session, service.get_assignment(session, visits_id))
    assert list(seen) == ["industry_weekly"]  # not its own form
    assert seen["industry_weekly"]["enterprises_total"] == 12  # this week's report, not next week's
    refused = _submit(store, survey_settings, hierarchy, people.township, visits_id, {"visited": 13}, "v1")
    assert refused.status == "invalid"
    assert refused.problems[0].message.zh == "走访企业数不能多于本周上报的规上企业数。"
    done = _submit(store, survey_settings, hierarchy, people.township, visits_id, {"visited": 12}, "v2")
    assert done.status == "submitted"
