"""Form definitions as data: the shipped forms load; every malformed definition is a clear error naming its place."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from fugong.errors import InvalidInput
from fugong.survey.definitions import (
    Aggregation,
    FieldKind,
    Frequency,
    InvalidForm,
    parse_form,
    read_form_file,
    shipped_folder,
    shipped_forms,
)


@pytest.fixture
def daily() -> dict[str, Any]:
    raw: dict[str, Any] = json.loads((shipped_folder() / "village_daily.json").read_text("utf-8"))
    return copy.deepcopy(raw)


def test_the_2020_forms_ship() -> None:
    forms = shipped_forms()
    daily = forms[("village_daily", 1)]
    assert daily.frequency is Frequency.daily
    assert daily.unit_level == "village"
    assert {"returnees_total", "home_observation", "checkpoints_staffed"} <= {f.id for f in daily.fields()}
    assert daily.field("returnees_total").prefill == "returnees"
    weekly = forms[("industry_weekly", 1)]
    assert weekly.frequency is Frequency.weekly
    assert weekly.unit_level == "township"
    kinds = {f.kind for f in weekly.fields()} | {f.kind for f in daily.fields()}
    assert kinds == set(FieldKind)  # every kind of field is in use in the shipped forms
    for form in forms.values():
        for rule in form.rules:
            assert rule.message.zh
            assert rule.message.en
            assert rule.message.zh != rule.message.en


def test_periods_and_previous_periods() -> None:
    from datetime import date

    forms = shipped_forms()
    weekly, daily = forms[("industry_weekly", 1)], forms[("village_daily", 1)]
    assert weekly.period_of(date(2020, 2, 13)) == date(2020, 2, 10)
    assert weekly.previous_period(date(2020, 2, 10)) == date(2020, 2, 3)
    assert daily.period_of(date(2020, 2, 13)) == date(2020, 2, 13)
    assert daily.previous_period(date(2020, 2, 13)) == date(2020, 2, 12)


def _problems(raw: Any) -> list[str]:
    with pytest.raises(InvalidForm) as caught:
        parse_form(raw)
    assert caught.value.code == "invalid_form"
    return caught.value.problems


def test_unknown_kind_is_named_with_its_place(daily: dict[str, Any]) -> None:
    daily["sections"][0]["fields"][1]["kind"] = "float"
    problems = _problems(daily)
    assert any(p.startswith("sections[0].fields[1].kind") and "'float'" in p and "integer" in p for p in problems)


def test_every_problem_is_reported_at_once(daily: dict[str, Any]) -> None:
    daily["version"] = 0
    daily["frequency"] = "hourly"
    daily["sections"][1]["fields"][0]["label"] = {"zh": "居家观察"}
    daily["sections"][2]["fields"][0]["min"] = 10
    daily["sections"][2]["fields"][0]["max"] = 5
    problems = _problems(daily)
    assert len(problems) == 4
    assert any(p.startswith("version") for p in problems)
    assert any(p.startswith("frequency") for p in problems)
    assert any("English" in p and "fields[0].label" in p for p in problems)
    assert any("min 10 is above max 5" in p for p in problems)


def test_rule_reading_an_unknown_field(daily: dict[str, Any]) -> None:
    daily["rules"][0]["check"] = {"<=": [{"var": "this.returned_today"}, {"var": "this.returnees_total"}]}
    problems = _problems(daily)
    assert any("rules[0].check" in p and "no field 'returned_today'" in p for p in problems)


def test_rule_with_invalid_certlogic(daily: dict[str, Any]) -> None:
    daily["rules"][0]["check"] = {"<==": [1, 2]}
    assert any("rules[0].check" in p for p in _problems(daily))


def test_skip_logic_reading_outside_the_scopes(daily: dict[str, Any]) -> None:
    daily["sections"][0]["fields"][3]["only_if"] = {"var": "from_key_areas"}
    assert any("this.<field>" in p for p in _problems(daily))


def test_choice_field_without_choices_and_repeated_ids(daily: dict[str, Any]) -> None:
    daily["sections"][2]["fields"][2]["choices"] = []
    daily["sections"][1]["fields"][1]["id"] = "home_observation"
    problems = _problems(daily)
    assert any("needs a list of choices" in p for p in problems)
    assert any("'home_observation' repeats" in p for p in problems)


def test_unknown_prefill_source_and_unknown_key(daily: dict[str, Any]) -> None:
    daily["sections"][0]["fields"][0]["prefill"] = "telepathy"
    daily["sections"][0]["fields"][1]["mandatory"] = True
    problems = _problems(daily)
    assert any("unknown hub source 'telepathy'" in p for p in problems)
    assert any("unknown key 'mandatory'" in p for p in problems)


def test_not_an_object_and_no_sections() -> None:
    assert _problems([1, 2]) == ["a form definition is a JSON object"]
    problems = _problems({"id": "x", "version": 1, "unit_level": "village", "frequency": "daily", "title": "X"})
    assert any(p.startswith("sections") for p in problems)


def test_a_file_that_is_not_json_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "form.json"
    path.write_text('{"id": "x",\n  "version": 1,,\n}', encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"form\.json is not JSON: line 2"):
        read_form_file(path)
    with pytest.raises(InvalidInput, match="cannot read form file"):
        read_form_file(tmp_path / "absent.json")


def test_how_each_number_rolls_up() -> None:
    weekly = shipped_forms()[("industry_weekly", 1)]
    assert weekly.field("enterprises_total").aggregation_text() == "sum"
    share = weekly.field("capacity_share")
    assert share.percent
    assert share.aggregation_text() == "mean weighted by enterprises_total"
    assert weekly.field("main_obstacle").aggregate is None  # only numbers roll up


def _share_field(**keys: Any) -> dict[str, Any]:
    return {"id": "share", "kind": "number", "label": {"zh": "占比（%）", "en": "Share (%)"}, **keys}


def test_a_percent_is_averaged_and_bounded_by_default(daily: dict[str, Any]) -> None:
    daily["sections"][2]["fields"].append(_share_field(percent=True))
    share = parse_form(daily).field("share")
    assert share.aggregate is Aggregation.mean
    assert share.weight is None
    assert (share.minimum, share.maximum) == (0, 100)


def test_summing_percentages_is_refused(daily: dict[str, Any]) -> None:
    daily["sections"][2]["fields"].append(_share_field(percent=True, aggregate="sum"))
    problems = _problems(daily)
    assert problems == [
        "sections[2].fields[4].aggregate: a sum of percentages is not a percentage: a percent field aggregates as mean "
        "(with a weight field if reports differ in size) or none"
    ]


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        ({"aggregate": "average"}, "'average' must be sum, mean or none"),
        ({"aggregate": "sum", "weight": "checkpoints"}, 'given with "aggregate": "mean"'),
        ({"aggregate": "mean", "weight": "issue"}, "'issue' must be another field of this form that is summed"),
        ({"aggregate": "mean", "weight": "share"}, "'share' must be another field of this form that is summed"),
        ({"percent": True, "max": 150}, "a percent field's min and max lie within 0 to 100"),
        ({"percent": "yes"}, "percent: must be true or false"),
    ],
)
def test_bad_aggregations_are_named(daily: dict[str, Any], keys: dict[str, Any], expected: str) -> None:
    daily["sections"][2]["fields"].append(_share_field(**keys))
    problems = _problems(daily)
    assert len(problems) == 1, problems
    assert expected in problems[0]
    assert problems[0].startswith("sections[2].fields[4]")


def test_only_numbers_roll_up(daily: dict[str, Any]) -> None:
    daily["sections"][2]["fields"][3]["aggregate"] = "sum"  # issue_note, a text field
    assert _problems(daily) == [
        "sections[2].fields[3].aggregate: only number and integer fields are aggregated, not a text field"
    ]
