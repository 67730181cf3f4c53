"""Property: on random facts, the bulk path (Ibis on DuckDB) and the per-person evaluator give the same status."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fugong.healthcode.bulk.engine import colours
from fugong.healthcode.bulk.frame import facts_table
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
from fugong.healthcode.rules import RuleSet
from fugong.healthcode.status import evaluate

DAY0 = date(2020, 1, 25)
ON = date(2020, 2, 20)  # fixed, so the plan compiles once per rule set; the facts move around it
days = st.integers(0, 35).map(lambda n: DAY0 + timedelta(days=n))
gap = st.integers(0, 6).map(lambda n: timedelta(days=n))
hours = st.integers(0, 23)
places = st.sampled_from(["gate-1", "gate-2"])


@st.composite
def diagnosis(draw: st.DrawFn) -> Fact:
    on = draw(days)
    cleared = draw(st.none() | gap.map(lambda g: on + g))
    return Diagnosis(draw(st.sampled_from(["confirmed", "suspected"])), on, cleared)


@st.composite
def contact(draw: st.DrawFn) -> Fact:
    on = draw(days)
    return CloseContact(on, draw(st.none() | gap.map(lambda g: on - g)), draw(st.sampled_from(["cdc", "manual"])))


@st.composite
def stay(draw: st.DrawFn) -> Fact:
    start = draw(days)
    end = start + draw(gap)
    reported = draw(st.none() | gap.map(lambda g: end + g))
    area = draw(st.sampled_from(["420100", "420200", "330106"]))
    return RiskAreaStay(area, start, end, reported, draw(st.booleans()))


@st.composite
def declaration(draw: st.DrawFn) -> Fact:
    symptoms, travel, contact, notice = (draw(st.booleans()) for _ in range(4))
    return SelfDeclaration(draw(days), symptoms, travel, contact, notice)


@st.composite
def reading(draw: st.DrawFn) -> Fact:
    at = datetime.combine(draw(days), datetime.min.time()) + timedelta(hours=draw(hours))
    return CheckpointTemperature(at, draw(places), draw(st.integers(360, 392)))


@st.composite
def co_location(draw: st.DrawFn) -> Fact:
    at = datetime.combine(draw(days), datetime.min.time()) + timedelta(hours=draw(hours))
    return CoLocation(draw(places), at, at.date() + draw(gap))


@st.composite
def isolation(draw: st.DrawFn) -> Fact:
    start = draw(days)
    return Isolation(
        start, draw(st.none() | gap.map(lambda g: start + g)), draw(st.sampled_from(["home", "centralised"]))
    )


@st.composite
def checkin_run(draw: st.DrawFn) -> list[Fact]:
    """Check-ins on consecutive days, now and then with symptoms, a fever or a day left out."""
    start, length = draw(days), draw(st.integers(1, 16))
    out: list[Fact] = []
    for i in range(length):
        kind = draw(st.sampled_from(["ok"] * 8 + ["skip", "sick", "fever", "twice"]))
        day = start + timedelta(days=i)
        if kind == "skip":
            continue
        tenths = draw(st.none() | st.integers(360, 372))
        out.append(CheckIn(day, symptoms=kind == "sick", tenths=380 if kind == "fever" else tenths))
        if kind == "twice":
            out.append(CheckIn(day, symptoms=draw(st.booleans())))
    return out


single = st.one_of(
    diagnosis(),
    contact(),
    stay(),
    declaration(),
    reading(),
    co_location(),
    isolation(),
    days.map(FalseDeclarationFinding),
)
person = (
    st.tuples(st.lists(single, max_size=5), st.lists(checkin_run(), max_size=2))
    .map(lambda parts: [*parts[0], *(c for run in parts[1] for c in run)])
    .filter(bool)
)  # a person without any fact is not in the facts table (see run.py)
people = st.lists(person, min_size=1, max_size=25)


def _agree(everyone: list[list[Fact]], ruleset: RuleSet) -> None:
    facts = {f"p{i}": person for i, person in enumerate(everyone)}
    bulk = {row["person"]: row for row in colours(facts_table(facts), ruleset, ON).to_pylist()}
    for name, person in facts.items():
        expected = evaluate(person, ruleset, ON)
        got: dict[str, Any] = bulk.get(name) or {"colour": "green", "rule": None, "since": None, "green_on": None}
        want = {
            "colour": expected.colour,
            "rule": expected.rule.id if expected.rule else None,
            "since": expected.since,
            "green_on": expected.green_on,
        }
        assert {k: got[k] for k in want} == want, f"{name}: {person}"


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(people)
def test_bulk_agrees_with_the_evaluator_on_the_province_rules(province: RuleSet, everyone: list[list[Fact]]) -> None:
    _agree(everyone, province)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(people)
def test_bulk_agrees_with_the_evaluator_on_every_compiled_operator(
    exercise: RuleSet, everyone: list[list[Fact]]
) -> None:
    _agree(everyone, exercise)
