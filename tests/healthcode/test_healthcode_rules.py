"""Rule sets as data: the shipped ones, resolution by region and date, and every way a rule set can be wrong."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from fugong.geo import Gazetteer, UnknownDivision
from fugong.healthcode.rules import (
    InvalidRuleExpression,
    MalformedRuleSet,
    NoRuleSet,
    RuleBook,
    RuleSetError,
    UndeclaredFact,
    UnknownColour,
    UnknownRegion,
    UnknownRuleFact,
    load_rulebook,
    parse_ruleset,
    shipped_folder,
)

FEB_20 = date(2020, 2, 20)


def _write(folder: Path, name: str, content: Any) -> None:
    (folder / name).write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")


def test_the_shipped_rule_sets(book: RuleBook) -> None:
    assert [(rs.id, rs.region, rs.version) for rs in book] == [
        ("zhejiang-default", "330000", 1),
        ("shaoxing", "330600", 1),
    ]
    province = next(iter(book))
    assert [r.colour for r in province.rules] == ["red"] * 5 + ["yellow"] * 6
    assert {r.green_after.checkins for r in province.rules if r.green_after and r.colour == "yellow"} == {7}
    assert {
        (r.green_after.checkins, r.green_after.isolation_days)
        for r in province.rules
        if r.colour == "red" and r.green_after
    } == {(14, 14)}


def test_shaoxing_differs_from_the_province_only_in_the_yellow_period(envelope: dict[str, Any]) -> None:
    shaoxing = json.loads((shipped_folder() / "330600-shaoxing.json").read_text("utf-8"))
    for rule in envelope["rules"]:
        if rule["colour"] == "yellow":
            assert rule["green_after"] == {"checkins": 7}
            rule["green_after"] = {"checkins": 14}
    differing = {k for k in envelope if envelope[k] != shaoxing[k]}
    assert differing == {"id", "region", "valid_from", "description_zh", "description_en", "source"}


@pytest.mark.parametrize(
    ("region", "on", "expected"),
    [
        ("330106", FEB_20, "zhejiang-default"),  # 西湖区, Hangzhou: the province default
        ("330602", FEB_20, "shaoxing"),  # 越城区, Shaoxing
        ("越城区", FEB_20, "shaoxing"),
        ("330621", FEB_20, "shaoxing"),  # the old code of 绍兴县, now 柯桥区
        ("330600", FEB_20, "shaoxing"),  # the city itself
        ("330602", date(2020, 2, 14), "zhejiang-default"),  # before Shaoxing's own rules
        ("330000", FEB_20, "zhejiang-default"),
    ],
)
def test_resolution_by_region_and_day(book: RuleBook, region: str, on: date, expected: str) -> None:
    assert book.for_region(region, on).id == expected


def test_no_rule_set_before_the_first_one(book: RuleBook) -> None:
    with pytest.raises(NoRuleSet) as caught:
        book.for_region("330602", date(2020, 2, 1))
    assert (
        caught.value.detail == "no rule set is in force on 2020-02-01 for 330602 越城区 → 330600 绍兴市 → 330000 浙江省"
    )


def test_an_unknown_region_to_resolve(book: RuleBook) -> None:
    with pytest.raises(UnknownDivision, match="unknown region '339999'"):
        book.for_region("339999", FEB_20)


def test_a_county_override_beats_its_city_within_its_validity(
    tmp_path: Path, envelope: dict[str, Any], gazetteer: Gazetteer
) -> None:
    for path in shipped_folder().glob("*.json"):
        (tmp_path / path.name).write_text(path.read_text("utf-8"), encoding="utf-8")
    county = dict(envelope, id="yuecheng", region="330602", valid_from="2020-02-18", valid_to="2020-03-01")
    _write(tmp_path, "330602-yuecheng.json", county)
    book = load_rulebook(tmp_path, gazetteer)
    assert book.for_region("330602", FEB_20).id == "yuecheng"
    assert book.for_region("330603", FEB_20).id == "shaoxing"  # another county of the same city
    assert book.for_region("330602", date(2020, 2, 17)).id == "shaoxing"
    assert book.for_region("330602", date(2020, 3, 1)).id == "shaoxing"  # valid_to is the first day it is not


def test_the_highest_version_in_force_wins(tmp_path: Path, envelope: dict[str, Any], gazetteer: Gazetteer) -> None:
    _write(tmp_path, "v1.json", envelope)
    _write(tmp_path, "v2.json", dict(envelope, version=2, valid_from="2020-02-25"))
    book = load_rulebook(tmp_path, gazetteer)
    assert book.for_region("330106", FEB_20).version == 1
    assert book.for_region("330106", date(2020, 2, 25)).version == 2


def test_the_same_version_twice_is_refused(tmp_path: Path, envelope: dict[str, Any], gazetteer: Gazetteer) -> None:
    _write(tmp_path, "a.json", envelope)
    _write(tmp_path, "b.json", envelope)
    with pytest.raises(MalformedRuleSet, match="rule set 'zhejiang-default' version 1 is defined twice"):
        load_rulebook(tmp_path, gazetteer)


def _edit(envelope: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """Set (or, with ``...``, delete) the value at a dotted path like ``rules.0.when``."""
    *parents, last = path.split(".")
    target: Any = envelope
    for step in parents:
        target = target[int(step)] if step.isdigit() else target[step]
    key: Any = int(last) if last.isdigit() else last
    if value is ...:
        del target[key]
    else:
        target[key] = value
    return envelope


BAD = [
    ("region", ..., MalformedRuleSet, "region", "missing field(s): region"),
    ("valid_form", "2020-02-11", MalformedRuleSet, "valid_form", "unknown field; expected: description_en"),
    ("version", "1", MalformedRuleSet, "version", "must be an integer ≥ 1, got '1'"),
    ("valid_from", "11/02/2020", MalformedRuleSet, "valid_from", "must be a date YYYY-MM-DD, got '11/02/2020'"),
    ("valid_to", "2020-02-01", MalformedRuleSet, "valid_to", "2020-02-01 is not after valid_from 2020-02-11"),
    ("description_en", "", MalformedRuleSet, "description_en", "must be a non-empty string"),
    ("rules", [], MalformedRuleSet, "rules", "must be a non-empty list of rules"),
    ("rules.3.reason_en", ..., MalformedRuleSet, "rules[3].reason_en", "missing field(s): reason_en"),
    ("rules.1.id", "red-confirmed", MalformedRuleSet, "rules[1].id", "duplicate rule id 'red-confirmed'"),
    ("rules.5.green_after.checkins", 0, MalformedRuleSet, "rules[5].green_after.checkins", "must be an integer ≥ 1"),
    ("rules.5.green_after.days", 7, MalformedRuleSet, "rules[5].green_after.days", "unknown field"),
    ("rules.0.colour", "orange", UnknownColour, "rules[0].colour", "unknown colour 'orange'"),
    ("rules.0.colour", "green", UnknownColour, "rules[0].colour", "green is what remains when none holds"),
    ("region", "339999", UnknownRegion, "region", "unknown region '339999'; closest: 331181 龙泉市"),
    ("facts.3", "vaccination", UnknownRuleFact, "facts[3]", "unknown fact type 'vaccination'"),
    (
        "rules.0.when",
        {"or": [{"var": "confirmed"}, True]},
        InvalidRuleExpression,
        "rules[0].when.or",
        'not valid CertLogic: unrecognised operator: "or"',
    ),
    (
        "rules.0.when",
        {"and": [{"var": "confirmed"}]},
        InvalidRuleExpression,
        "rules[0].when.and",
        'a "and" operation must have at least 2 operands, but it has 1',
    ),
    (
        "rules.5.until",
        {"addDays": [{"var": "key_area_stay.end"}, 13.5]},
        InvalidRuleExpression,
        "rules[5].until.addDays[1]",
        "13.5 is a non-integer number",
    ),
    ("rules.0.when", {"var": "confirmed."}, InvalidRuleExpression, "rules[0].when.var", "valid format"),
    (
        "rules.0.when",
        {"var": "vaccinated"},
        UndeclaredFact,
        "rules[0].when.var",
        "reads 'vaccinated', but there is no fact 'vaccinated'",
    ),
    (
        "rules.0.since",
        {"var": "confirmed.date"},
        UndeclaredFact,
        "rules[0].since.var",
        "fact 'confirmed' has no field 'date'; its fields: cleared_on, on, source",
    ),
    (
        "rules.0.when",
        {"var": "temperature"},
        UndeclaredFact,
        "rules[0].when.var",
        "reads 'temperature', which the rule set does not declare in 'facts'",
    ),
    ("rules.0.when", {"var": ""}, UndeclaredFact, "rules[0].when.var", "reads the whole data object"),
    (
        "rules.0.green_after.counted_from",
        {"var": "isolation.start"},
        UndeclaredFact,
        "rules[0].green_after.counted_from.var",
        "reads 'isolation'",
    ),
    (
        "rules.0.when",
        {"reduce": [[1], {"+": [{"var": "accumulator"}, {"var": "data.nope"}]}, 0]},
        UndeclaredFact,
        "rules[0].when.reduce[1].+[1].var",
        "there is no fact 'nope'",
    ),
]


@pytest.mark.parametrize(("path", "value", "error", "field", "words"), BAD, ids=[f"{b[0]}={b[1]!r}"[:50] for b in BAD])
def test_a_bad_rule_set_is_refused_with_the_json_path(
    envelope: dict[str, Any],
    gazetteer: Gazetteer,
    path: str,
    value: Any,
    error: type[RuleSetError],
    field: str,
    words: str,
) -> None:
    with pytest.raises(error) as caught:
        parse_ruleset(_edit(envelope, path, value), gazetteer, origin="bad.json")
    assert caught.value.field == field
    assert words in caught.value.detail
    assert caught.value.detail.startswith(f"bad.json: {field}: ")
    assert caught.value.as_json()["error"] == error.code


def test_an_undeclared_fact_is_caught_for_the_rule_that_reads_it(
    envelope: dict[str, Any], gazetteer: Gazetteer
) -> None:
    envelope["facts"].remove("co_location")
    with pytest.raises(UndeclaredFact) as caught:
        parse_ruleset(envelope, gazetteer)
    assert caught.value.field == "rules[9].when.var"
    assert caught.value.code == "undeclared_fact"


def test_reduce_lambdas_may_read_current_and_accumulator(envelope: dict[str, Any], gazetteer: Gazetteer) -> None:
    envelope["rules"][0]["when"] = {
        "reduce": [[1, 2], {"if": [{"var": "data.confirmed"}, {"var": "current"}, {"var": "accumulator"}]}, 0]
    }
    ruleset = parse_ruleset(envelope, gazetteer)
    assert ruleset.rules[0].reads == ("confirmed",)


@pytest.mark.parametrize(
    ("content", "words"),
    [("{not json", "not a JSON file"), ("[]", "the rule set must be a JSON object")],
)
def test_a_bad_file_names_itself(tmp_path: Path, gazetteer: Gazetteer, content: str, words: str) -> None:
    (tmp_path / "broken.json").write_text(content, encoding="utf-8")
    with pytest.raises(MalformedRuleSet) as caught:
        load_rulebook(tmp_path, gazetteer)
    assert "broken.json: " in caught.value.detail
    assert words in caught.value.detail


def test_a_missing_folder(tmp_path: Path, gazetteer: Gazetteer) -> None:
    with pytest.raises(MalformedRuleSet, match="is not a folder of rule set files"):
        load_rulebook(tmp_path / "nowhere", gazetteer)
