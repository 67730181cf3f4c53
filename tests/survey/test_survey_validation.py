"""Checking values: each field kind, skip logic, required fields, rules within a form, across periods and forms."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from tests.survey.conftest import GOOD_DAILY, GOOD_WEEKLY, credit_code, id_number

from fugong.settings import Settings
from fugong.survey.definitions import FormDefinition, parse_form, shipped_forms
from fugong.survey.service import resolvers
from fugong.survey.validation import Checked, Resolvers, check_values


@pytest.fixture
def daily() -> FormDefinition:
    return shipped_forms()[("village_daily", 1)]


@pytest.fixture
def weekly() -> FormDefinition:
    return shipped_forms()[("industry_weekly", 1)]


@pytest.fixture
def resolve(settings: Settings) -> Resolvers:
    return resolvers(settings)


def _codes(checked: Checked) -> dict[str | None, str]:
    return {p.field: p.code for p in checked.problems}


def test_good_values_pass_and_are_typed(daily: FormDefinition, resolve: Resolvers) -> None:
    raw = {**GOOD_DAILY, "returnees_total": "40", "from_key_areas": "否", "checkpoints": 2.0}
    checked = check_values(daily, raw, resolve)
    assert checked.ok, checked.problems
    assert checked.values["returnees_total"] == 40
    assert checked.values["checkpoints"] == 2
    assert checked.values["from_key_areas"] is False


def test_skip_logic_hides_and_asks(daily: FormDefinition, resolve: Resolvers) -> None:
    hidden = check_values(daily, {**GOOD_DAILY, "key_area_returnees": 2}, resolve)
    assert "key_area_returnees" in hidden.hidden
    assert "key_area_returnees" not in hidden.values
    shown = check_values(daily, {**GOOD_DAILY, "from_key_areas": True}, resolve)
    assert _codes(shown) == {"key_area_returnees": "required"}
    assert shown.problems[0].message.zh == "请填写“其中来自重点地区（人）”。"
    note = check_values(daily, {**GOOD_DAILY, "issue": "masks"}, resolve)
    assert _codes(note) == {"issue_note": "required"}


def test_a_value_outside_its_rule_keeps_the_rest(daily: FormDefinition, resolve: Resolvers) -> None:
    checked = check_values(daily, {**GOOD_DAILY, "home_observation": -1, "checkpoints": 500}, resolve)
    assert _codes(checked) == {"home_observation": "below_minimum", "checkpoints": "above_maximum"}
    assert "home_observation" not in checked.values
    assert checked.values["returnees_total"] == 40  # the valid part is kept
    english = {p.field: p.message.en for p in checked.problems}
    assert english["checkpoints"] == "“Checkpoints (count)” cannot be more than 200."


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("returnees_today", "2.5", "not_integer"),
        ("returnees_today", "三", "not_integer"),
        ("returnees_today", True, "not_integer"),
        ("from_key_areas", "maybe", "not_yes_no"),
        ("issue", "tired", "unknown_choice"),
    ],
)
def test_each_bad_value_kind(daily: FormDefinition, resolve: Resolvers, field: str, value: Any, code: str) -> None:
    checked = check_values(daily, {**GOOD_DAILY, field: value}, resolve)
    assert _codes(checked).get(field) == code
    assert field not in checked.values


def test_missing_required_fields_are_each_named(daily: FormDefinition, resolve: Resolvers) -> None:
    checked = check_values(daily, {"returnees_total": 4}, resolve)
    missing = {p.field for p in checked.problems if p.code == "required"}
    assert missing == {
        "returnees_today",
        "from_key_areas",
        "home_observation",
        "checkpoints",
        "checkpoints_staffed",
        "issue",
    }
    assert checked.values == {"returnees_total": 4}


def test_within_form_rules(daily: FormDefinition, weekly: FormDefinition, resolve: Resolvers) -> None:
    checked = check_values(daily, {**GOOD_DAILY, "returnees_today": 50, "checkpoints_staffed": 3}, resolve)
    assert _codes(checked) == {
        "returnees_today": "rule:today_within_total",
        "checkpoints_staffed": "rule:staffed_within_checkpoints",
    }
    assert checked.values["returnees_today"] == 50  # each value is valid on its own: the draft keeps it
    back = check_values(weekly, {**GOOD_WEEKLY, "workers_returned": 3001}, resolve)
    assert [p.message.zh for p in back.problems] == ["已返岗员工数不能多于在册员工数，请核对。"]


def test_cross_period_rule_needs_yesterday(daily: FormDefinition, resolve: Resolvers) -> None:
    lower = {**GOOD_DAILY, "returnees_total": 30, "returnees_today": 1}
    assert check_values(daily, lower, resolve).ok  # nothing reported yesterday: nothing to compare
    checked = check_values(daily, lower, resolve, previous={"returnees_total": 35, "home_observation": 5})
    assert _codes(checked) == {"returnees_total": "rule:total_not_below_yesterday"}
    assert "yesterday" in checked.problems[0].message.en
    released = check_values(daily, {**GOOD_DAILY, "released_today": 6}, resolve, previous={"home_observation": 5})
    assert _codes(released) == {"released_today": "rule:released_within_yesterday"}


def test_cross_form_rule(daily: FormDefinition, resolve: Resolvers) -> None:
    raw = copy.deepcopy(daily.source)
    raw["id"], raw["version"] = "village_daily_x", 1
    raw["rules"].append(
        {
            "id": "checkpoints_as_planned",
            "fields": ["checkpoints"],
            "check": {"<=": [{"var": "this.checkpoints"}, {"var": "forms.checkpoint_plan.planned"}]},
            "message": {"zh": "卡口数多于报备的卡口计划。", "en": "More checkpoints than the plan on record."},
        }
    )
    form = parse_form(raw)
    assert check_values(form, GOOD_DAILY, resolve).ok
    plan = {"checkpoint_plan": {"planned": 1}}
    checked = check_values(form, GOOD_DAILY, resolve, forms=plan)
    assert _codes(checked) == {"checkpoints": "rule:checkpoints_as_planned"}


def test_hub_fields_become_keys(weekly: FormDefinition, resolve: Resolvers, settings: Settings) -> None:
    from fugong.hub.pseudonyms import enterprise_key, person_key

    raw = {
        **GOOD_WEEKLY,
        "main_obstacle": "workers",
        "workers_from": "乐清",
        "enterprise_in_need": credit_code(1),
        "liaison": id_number(7),
        "reported_on": "2020-02-12",
        "capacity_share": "62.5",
    }
    checked = check_values(weekly, raw, resolve)
    assert checked.ok, checked.problems
    assert checked.values["workers_from"] == "330382"
    assert checked.values["enterprise_in_need"] == enterprise_key(credit_code(1), settings)
    assert checked.values["liaison"] == person_key(id_number(7), settings)
    assert id_number(7) not in str(checked.values)  # never kept in clear
    assert checked.values["capacity_share"] == 62.5


def test_bad_hub_fields(weekly: FormDefinition, resolve: Resolvers) -> None:
    raw = {
        **GOOD_WEEKLY,
        "main_obstacle": "workers",
        "workers_from": "火星",
        "enterprise_in_need": credit_code(1)[:-1] + "0",
        "liaison": "330382198001010000",
        "reported_on": "10/02/2020",
        "capacity_share": "120",
    }
    checked = check_values(weekly, raw, resolve)
    assert _codes(checked) == {
        "workers_from": "invalid_region",
        "enterprise_in_need": "invalid_enterprise",
        "liaison": "invalid_person",
        "reported_on": "not_a_date",
        "capacity_share": "above_maximum",
    }
    assert "330382198001010000" not in str(checked.values)


def test_unknown_fields_and_too_long_text(daily: FormDefinition, resolve: Resolvers) -> None:
    checked = check_values(daily, {**GOOD_DAILY, "issue": "other", "issue_note": "很" * 201, "mood": "ok"}, resolve)
    assert _codes(checked) == {"issue_note": "too_long", "mood": "unknown_field"}
