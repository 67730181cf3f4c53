"""The status engine with the default rules: every rule, every transition with dates, variants, explanations."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fugong.geo import Gazetteer
from fugong.healthcode.facts import (
    CheckIn,
    CheckpointTemperature,
    CloseContact,
    CoLocation,
    Diagnosis,
    Fact,
    FalseDeclarationFinding,
    Isolation,
    RiskAreaStay,
    SelfDeclaration,
)
from fugong.healthcode.rules import RuleBook, RuleFailed, RuleSet, parse_ruleset
from fugong.healthcode.status import evaluate

D = date(2020, 2, 10)


def day(n: int) -> date:
    """Day ``n`` of a scenario, counting ``D`` (10 Feb 2020) as day 1."""
    return D + timedelta(days=n - 1)


def checkins(first: int, last: int, *, skip: tuple[int, ...] = ()) -> list[Fact]:
    """Healthy daily check-ins on days ``first`` … ``last`` except ``skip``."""
    return [CheckIn(day(n)) for n in range(first, last + 1) if n not in skip]


def declaration(on: date, *, symptoms: bool = False, travel: bool = False, contact: bool = False) -> SelfDeclaration:
    return SelfDeclaration(on, symptoms=symptoms, travel=travel, contact=contact, legal_notice=True)


STAY = RiskAreaStay("420100", date(2020, 1, 25), day(1))

EACH_RULE: list[tuple[str, list[Fact], str, str]] = [
    ("confirmed", [Diagnosis("confirmed", day(1))], "red", "red-confirmed"),
    ("suspected", [Diagnosis("suspected", day(1))], "red", "red-suspected"),
    ("close contact", [CloseContact(day(1), last_exposure=date(2020, 2, 8))], "red", "red-close-contact"),
    ("false declaration", [FalseDeclarationFinding(day(1))], "red", "red-false-declaration"),
    ("denied travel", [declaration(day(1)), STAY], "red", "red-declaration-contradicted"),
    ("stay in a key area", [STAY], "yellow", "yellow-key-area-stay"),
    ("declared travel", [declaration(day(1), travel=True)], "yellow", "yellow-declared-travel"),
    ("declared symptoms", [declaration(day(1), symptoms=True)], "yellow", "yellow-symptoms"),
    ("symptoms at check-in", [CheckIn(day(1), symptoms=True)], "yellow", "yellow-symptoms"),
    (
        "fever 37.3 at a gate",
        [CheckpointTemperature(datetime(2020, 2, 10, 8), "杭州东站", 373)],
        "yellow",
        "yellow-checkpoint-fever",
    ),
    ("same place and hour", [CoLocation("武林银泰", datetime(2020, 2, 8, 14), day(1))], "yellow", "yellow-co-location"),
    ("declared contact", [declaration(day(1), contact=True)], "yellow", "yellow-declared-contact"),
    ("37.2 at a gate", [CheckpointTemperature(datetime(2020, 2, 10, 8), "杭州东站", 372)], "green", ""),
    ("a stay outside key areas", [RiskAreaStay("330100", day(1), day(1), key_area=False)], "green", ""),
    ("a truthful declaration", [declaration(day(1)), CheckIn(day(1))], "green", ""),
    ("nothing", [], "green", ""),
]


@pytest.mark.parametrize(("facts", "colour", "rule"), [c[1:] for c in EACH_RULE], ids=[c[0] for c in EACH_RULE])
def test_each_default_rule(province: RuleSet, facts: list[Fact], colour: str, rule: str) -> None:
    status = evaluate(facts, province, day(1))
    assert status.colour == colour
    assert (status.rule.id if status.rule else "") == rule
    if rule:
        assert status.since == day(1)
        assert set(status.facts) <= set(facts)
        assert status.facts


def test_yellow_day_6_vs_day_7(province: RuleSet) -> None:
    facts: list[Fact] = [STAY, *checkins(1, 6)]
    on_day_6 = evaluate(facts, province, day(6))
    assert (on_day_6.colour, on_day_6.since, on_day_6.green_on) == ("yellow", day(1), day(7))
    assert "已连续打卡6/7天" in on_day_6.explain()
    # Day 7 before the check-in: still yellow, turning green today.
    before = evaluate(facts, province, day(7))
    assert (before.colour, before.green_on) == ("yellow", day(7))
    on_day_7 = evaluate([*facts, CheckIn(day(7))], province, day(7))
    assert (on_day_7.colour, on_day_7.since, on_day_7.green_on) == ("green", day(7), None)


def test_a_missed_check_in_restarts_the_count(province: RuleSet) -> None:
    facts = [STAY, *checkins(1, 9, skip=(4,))]
    status = evaluate(facts, province, day(9))
    assert status.colour == "yellow"
    assert status.holding[0].progress is not None
    assert status.holding[0].progress.checkins == 5  # days 5 … 9
    assert status.green_on == day(11)
    assert evaluate([*facts, *checkins(10, 11)], province, day(11)).colour == "green"


def test_a_check_in_with_symptoms_restarts_the_count_and_is_a_reason_itself(province: RuleSet) -> None:
    facts = [STAY, *checkins(1, 3), CheckIn(day(4), symptoms=True), *checkins(5, 10)]
    status = evaluate(facts, province, day(10))
    assert status.colour == "yellow"
    assert [o.rule.id for o in status.holding] == ["yellow-key-area-stay", "yellow-symptoms"]
    assert status.green_on == day(11)  # 7 healthy days from day 5
    assert evaluate([*facts, CheckIn(day(11))], province, day(11)).colour == "green"


def test_yellow_lapses_14_days_after_leaving_the_area(province: RuleSet) -> None:
    status = evaluate([STAY], province, day(14))
    assert (status.colour, status.green_on) == ("yellow", day(15))
    lapsed = evaluate([STAY], province, day(15))
    assert (lapsed.colour, lapsed.since) == ("green", day(15))


def test_once_green_a_later_missed_check_in_does_not_turn_it_back(province: RuleSet) -> None:
    assert evaluate([STAY, *checkins(1, 7)], province, day(12)).colour == "green"


def test_a_new_fact_after_release_gives_a_new_colour(province: RuleSet) -> None:
    fever = CheckpointTemperature(datetime(2020, 2, 19, 9), "gate", 380)
    status = evaluate([STAY, *checkins(1, 7), fever], province, day(10))
    assert (status.colour, status.since, status.rule.id if status.rule else None) == (
        "yellow",
        day(10),
        "yellow-checkpoint-fever",
    )


def test_red_turns_green_after_14_days_isolation_and_14_check_ins(province: RuleSet) -> None:
    facts: list[Fact] = [CloseContact(day(1)), Isolation(day(1), place="centralised"), *checkins(1, 13)]
    day_13 = evaluate(facts, province, day(13))
    assert (day_13.colour, day_13.green_on) == ("red", day(14))
    assert "完成14天隔离并连续14天健康打卡正常（已连续打卡13/14天，已隔离13/14天）" in day_13.explain()
    day_14 = evaluate([*facts, CheckIn(day(14))], province, day(14))
    assert (day_14.colour, day_14.since) == ("green", day(14))


def test_red_without_isolation_has_no_green_date(province: RuleSet) -> None:
    status = evaluate([CloseContact(day(1)), *checkins(1, 20)], province, day(20))
    assert (status.colour, status.green_on) == ("red", None)
    assert "尚无隔离记录" in status.explain()
    assert "No isolation is recorded" in status.explain("en")


def test_red_isolation_cut_short_does_not_release(province: RuleSet) -> None:
    facts = [CloseContact(day(1)), Isolation(day(1), end=day(5)), *checkins(1, 20)]
    assert evaluate(facts, province, day(20)).colour == "red"
    resumed = [*facts, Isolation(day(8))]  # 5 + 9 more days of isolation: complete on day 16
    assert evaluate(resumed, province, day(15)).colour == "red"
    assert evaluate(resumed, province, day(16)).colour == "green"


def test_confirmed_counts_from_discharge(province: RuleSet) -> None:
    ill = Diagnosis("confirmed", day(1))
    status = evaluate([ill, *checkins(1, 20)], province, day(20))
    assert (status.colour, status.green_on) == ("red", None)
    assert "起算日（如治愈出院、排除疑似）尚未到来" in status.explain()
    discharged = Diagnosis("confirmed", day(1), cleared_on=day(21))
    facts = [discharged, Isolation(day(21), place="home"), *checkins(1, 34)]
    assert evaluate(facts, province, day(33)).green_on == day(34)
    assert evaluate(facts, province, day(34)).colour == "green"


def test_red_beats_yellow_whatever_the_order(province: RuleSet, envelope: dict[str, Any], gazetteer: Gazetteer) -> None:
    envelope["rules"].reverse()
    reversed_rules = parse_ruleset(envelope, gazetteer)
    facts: list[Fact] = [STAY, CloseContact(day(2))]
    for ruleset in (province, reversed_rules):
        status = evaluate(facts, ruleset, day(3))
        assert [o.rule.colour for o in status.holding] == ["red", "yellow"]


def test_yellow_after_red_starts_when_red_lets_go(province: RuleSet) -> None:
    facts: list[Fact] = [CloseContact(day(1)), Isolation(day(1)), *checkins(1, 14), CheckIn(day(15), symptoms=True)]
    status = evaluate(facts, province, day(15))
    assert (status.colour, status.since, status.green_on) == ("yellow", day(15), day(22))


def test_the_green_date_is_the_latest_of_the_holding_rules(province: RuleSet) -> None:
    facts: list[Fact] = [CloseContact(day(1)), Isolation(day(1)), *checkins(1, 5), CheckIn(day(6), symptoms=True)]
    status = evaluate(facts, province, day(6))
    assert [o.green_on for o in status.holding] == [day(20), day(13)]
    assert status.green_on == day(20)


def test_facts_not_yet_known_are_ignored(province: RuleSet) -> None:
    assert evaluate([CloseContact(day(5))], province, day(4)).colour == "green"
    assert evaluate([CloseContact(day(5))], province, day(5)).colour == "red"


def test_shaoxing_needs_14_days_for_yellow(province: RuleSet, shaoxing: RuleSet) -> None:
    facts = [declaration(day(1), symptoms=True), *checkins(2, 14)]
    assert evaluate(facts, province, day(8)).colour == "green"
    assert evaluate(facts, shaoxing, day(8)).colour == "yellow"
    assert evaluate(facts, shaoxing, day(14)).green_on == day(15)
    assert evaluate([*facts, CheckIn(day(15))], shaoxing, day(15)).colour == "green"


HUBEI_STYLE_RULE = {
    "id": "yellow-no-temperature",
    "colour": "yellow",
    "when": {"!": [{"withinDays": [{"var": "temperature.on"}, {"var": "on"}, 2]}]},
    "since": {"if": [{"var": "temperature.on"}, {"addDays": [{"var": "temperature.on"}, 2]}, {"var": "on"}]},
    "green_after": None,
    "reason_zh": "两天内无体温记录",
    "reason_en": "no temperature record in the last two days",
}


def test_a_county_variant_where_green_expires_without_a_temperature(
    book: RuleBook, envelope: dict[str, Any], gazetteer: Gazetteer
) -> None:
    envelope.update(id="yuecheng-temperature", region="330602", valid_from="2020-02-18")
    envelope["facts"].append("temperature")
    envelope["rules"].append(HUBEI_STYLE_RULE)
    county = parse_ruleset(envelope, gazetteer)
    local = RuleBook([*book, county], gazetteer)
    assert local.for_region("330602", date(2020, 2, 20)) is county
    reading = CheckIn(day(9), tenths=365)
    assert evaluate([reading], county, day(10)).colour == "green"
    expired = evaluate([reading], county, day(11))
    assert (expired.colour, expired.since, expired.green_on) == ("yellow", day(11), None)
    assert "该情形解除后即转为绿码" in expired.explain()
    measured = CheckpointTemperature(datetime(2020, 2, 20, 9), "越城区政府", 361)
    assert evaluate([reading, measured], county, day(11)).colour == "green"


def test_a_rule_that_fails_on_real_data_is_reported_with_its_path(
    envelope: dict[str, Any], gazetteer: Gazetteer
) -> None:
    envelope["rules"][2]["since"] = {"var": "close_contact.source"}
    broken = parse_ruleset(envelope, gazetteer)
    with pytest.raises(RuleFailed) as caught:
        evaluate([CloseContact(day(1))], broken, day(1))
    assert caught.value.field == "rules[2].since"
    assert caught.value.detail == "rule 'red-close-contact', since: 'cdc' is not a date of the form YYYY-MM-DD"


def test_the_explanation_in_chinese_and_english(province: RuleSet) -> None:
    status = evaluate([STAY, *checkins(1, 3)], province, day(3))
    assert status.explain() == (
        "您的健康码为黄码（自2020-02-10起）。原因：14天内在重点疫区停留。"
        "依据：2020-01-25至2020-02-10在重点疫区420100停留（通信运营商，2020-02-10）。"
        "转绿条件：连续7天健康打卡正常（已连续打卡3/7天）。如每天按时健康打卡且无新情况，将于2020-02-16转为绿码。"
    )
    assert status.explain("en") == (
        "Your health code is yellow since 2020-02-10. Reason: stay in a key epidemic area within the last 14 days. "
        "Based on: stay in the key epidemic area 420100, 2020-01-25–2020-02-10 (telecom operator, 2020-02-10). "
        "To turn green: 7 consecutive healthy daily check-ins (check-ins in a row: 3 of 7). "
        "If you check in healthy every day and nothing new happens, it turns green on 2020-02-16."
    )
    assert evaluate([], province, day(1)).explain() == "您的健康码为绿码，可凭码通行。"


def test_the_status_as_json(province: RuleSet) -> None:
    status = evaluate([CloseContact(day(1), last_exposure=day(1)), Isolation(day(1))], province, day(2))
    out = json.loads(json.dumps(status.as_dict(), ensure_ascii=False))
    assert out["colour"] == "red"
    assert out["rule"] == "red-close-contact"
    assert out["facts"] == [
        {"type": "close_contact", "on": "2020-02-10", "last_exposure": "2020-02-10", "source": "cdc"}
    ]
    assert out["ruleset"] == {"id": "zhejiang-default", "version": 1, "region": "330000"}
    assert out["green_on"] == "2020-02-24"  # day 1 passed without a check-in: 14 in a row from day 2
    assert out["explanation_en"].startswith("Your health code is red since 2020-02-10.")


# Random people: facts of every kind on days 1 … 20, evaluated on day 20.
_days = st.integers(1, 20).map(day)
_facts = st.one_of(
    st.builds(
        lambda k, d, n: Diagnosis(k, d, None if n is None else d + timedelta(days=n)),
        st.sampled_from(["confirmed", "suspected"]),
        _days,
        st.none() | st.integers(0, 10),
    ),
    st.builds(CloseContact, _days),
    st.builds(lambda a, b: RiskAreaStay("420100", min(a, b), max(a, b)), _days, _days),
    st.builds(lambda d, s, t, c, n: SelfDeclaration(d, s, t, c, n), _days, *[st.booleans()] * 4),
    st.builds(
        lambda d, t: CheckpointTemperature(datetime.combine(d, datetime.min.time()), "gate", t),
        _days,
        st.integers(355, 395),
    ),
    st.builds(
        lambda d, k: CoLocation("mall", datetime.combine(d, datetime.min.time()), d + timedelta(days=k)),
        _days,
        st.integers(0, 3),
    ),
    st.builds(FalseDeclarationFinding, _days),
    st.builds(
        lambda d, n: Isolation(d, None if n is None else d + timedelta(days=n)), _days, st.none() | st.integers(0, 20)
    ),
    st.builds(CheckIn, _days, st.booleans(), st.none() | st.integers(360, 385)),
)


# Runs of daily healthy check-ins, so that releases by check-ins happen often.
_runs = st.builds(lambda first, n: [CheckIn(day(first + i)) for i in range(n)], st.integers(1, 20), st.integers(1, 15))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(single=st.lists(_facts, max_size=10), runs=st.lists(_runs, max_size=2))
def test_the_green_date_holds_if_the_person_checks_in_every_day(
    single: list[Fact], runs: list[list[Fact]], province: RuleSet
) -> None:
    on = day(20)
    # "If nothing changes": no fact becomes known later.
    facts = [f for f in [*single, *(c for run in runs for c in run)] if f.on <= on]
    status = evaluate(facts, province, on)
    assert status.colour in ("green", "yellow", "red")
    if status.colour == "green":
        assert status.green_on is None
        return
    assert status.since is not None
    assert status.since <= on
    assert status.facts
    assert all(f.on <= on for f in status.facts)
    if status.green_on is None:
        return
    assert status.green_on >= on  # today, when only today's check-in is missing
    done = {f.on for f in facts if isinstance(f, CheckIn)}
    days = (status.green_on - on).days + 1
    future = [CheckIn(on + timedelta(days=i)) for i in range(days) if on + timedelta(days=i) not in done]
    if status.green_on > on:
        assert evaluate([*facts, *future], province, status.green_on - timedelta(days=1)).colour != "green"
    assert evaluate([*facts, *future], province, status.green_on).colour == "green"
