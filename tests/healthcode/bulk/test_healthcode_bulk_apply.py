"""Applying the bulk re-evaluation to the stored colours (what gates read): per county's rule set, with a record
for every change, idempotent, respecting the officials' colours, counting but never creating unregistered persons."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from fugong.geo import Gazetteer
from fugong.healthcode import audit, registry, service
from fugong.healthcode.bulk.apply import apply
from fugong.healthcode.facts import CheckIn
from fugong.healthcode.models import HcPerson
from fugong.healthcode.rules import RuleBook, load_rulebook, shipped_folder
from fugong.hub.pseudonyms import pseudonymiser
from fugong.settings import Settings

from .conftest import PEOPLE

ON = date(2020, 2, 16)
YUECHENG = "330602"  # 绍兴市越城区: Shaoxing's rules


def _register(store: Any, settings: Settings, counties: dict[str, str]) -> dict[str, int]:
    keys = pseudonymiser(settings)
    with store.session() as session:
        return {
            n: registry.register_self(
                session, keys, registry.Registration(f"测试{n}", PEOPLE[n], county), f"person-{n.lower()}"
            ).id
            for n, county in counties.items()
        }


def _colour(store: Any, person_id: int) -> str | None:
    with store.session() as session:
        status = audit.current(session, person_id)
        return status.colour if status is not None else None


def _book_with_gate_rule(gazetteer: Gazetteer, folder: Path, envelope: dict[str, Any]) -> RuleBook:
    """The shipped rule sets plus the province's version 2 from 16 Feb: any gate reading turns a person yellow."""
    for path in shipped_folder().glob("*.json"):
        shutil.copy(path, folder / path.name)
    envelope |= {"version": 2, "valid_from": "2020-02-16", "facts": [*envelope["facts"], "checkpoint_temperature"]}
    envelope["rules"].append(
        {
            "id": "yellow-gate-reading",
            "colour": "yellow",
            "when": {"var": "checkpoint_temperature"},
            "since": {"var": "checkpoint_temperature.on"},
            "green_after": {"checkins": 7},
            "reason_zh": "近期经过卡口",
            "reason_en": "passed a gate recently",
        }
    )
    (folder / "330000-zhejiang-default-v2.json").write_text(json.dumps(envelope, ensure_ascii=False), "utf-8")
    return load_rulebook(folder, gazetteer)


def test_each_registered_person_gets_their_countys_colour_with_its_record(
    store: Any, small_lake: Settings, book: RuleBook
) -> None:
    ids = _register(store, small_lake, {"A": "330382", "C": YUECHENG, "D": "330382", "E": "330382"})
    done = apply(store.session, small_lake, book, ON)
    assert done.changed == {("none", "red"): 1, ("none", "yellow"): 2, ("none", "green"): 1}
    assert {g.ruleset: g.counties for g in done.groups} == {
        "zhejiang-default@1": ("330382",),
        "shaoxing@1": (YUECHENG,),
    }
    assert done.unregistered == 3  # B, F and G have facts in the lake but never registered
    assert done.disagreements == 0
    assert [_colour(store, ids[n]) for n in "ACDE"] == ["red", "yellow", "yellow", "green"]
    with store.session() as session:
        (record,) = audit.history(session, ids["C"])
        assert (record.ruleset_id, record.rule, record.kind) == ("shaoxing", "yellow-key-area-stay", "automatic")
        assert json.loads(record.facts)[0]["type"] == "risk_area_stay"
        assert session.scalar(select(func.count()).select_from(HcPerson)) == 4  # nobody was created
    again = apply(store.session, small_lake, book, ON)
    assert (again.colour_changes, again.dates_only, again.manual_kept) == (0, 0, 0)


def test_a_rule_set_change_turns_a_person_yellow_where_the_gate_reads(
    store: Any, small_lake: Settings, book: RuleBook, gazetteer: Gazetteer, tmp_path: Path, envelope: dict[str, Any]
) -> None:
    ids = _register(store, small_lake, {"D": "330382", "E": "330382"})
    apply(store.session, small_lake, book, ON)
    assert _colour(store, ids["E"]) == "green"
    stricter = _book_with_gate_rule(gazetteer, tmp_path, envelope)
    done = apply(store.session, small_lake, stricter, ON)
    assert done.changed == {("green", "yellow"): 1}  # D was yellow already; only their rule's dates may move
    assert [g.ruleset for g in done.groups] == ["zhejiang-default@2"]
    with store.session() as session:
        status = audit.current(session, ids["E"])
        assert status is not None
        assert (status.colour, status.since) == ("yellow", date(2020, 2, 7))
        assert (status.change.ruleset_id, status.change.ruleset_version) == ("zhejiang-default", 2)
        assert status.change.rule == "yellow-gate-reading"
    again = apply(store.session, small_lake, stricter, ON)
    assert (again.colour_changes, again.dates_only) == (0, 0)


def test_an_officials_colour_stands_until_a_fact_is_recorded_after_it(
    store: Any, small_lake: Settings, book: RuleBook
) -> None:
    ids = _register(store, small_lake, {"D": "330382"})
    apply(store.session, small_lake, book, ON)
    with store.session() as session:
        audit.set_colour(session, ids["D"], "green", ON, audit.Manual("li", "wu", "核酸阴性，排除同行"))
    done = apply(store.session, small_lake, book, ON)
    assert (done.manual_kept, done.colour_changes) == (1, 0)
    assert _colour(store, ids["D"]) == "green"
    with store.session() as session:  # a check-in after the decision: the rules decide again
        service.add_fact(session, ids["D"], CheckIn(ON))
    done = apply(store.session, small_lake, book, ON)
    assert done.changed == {("green", "yellow"): 1}
    assert _colour(store, ids["D"]) == "yellow"


def test_a_lake_fact_known_after_the_officials_decision_lets_the_rules_decide(
    store: Any, small_lake: Settings, book: RuleBook
) -> None:
    ids = _register(store, small_lake, {"D": "330382"})
    with store.session() as session:  # decided on 9 Feb; the co-location became known on 10 Feb
        audit.set_colour(session, ids["D"], "green", date(2020, 2, 9), audit.Manual("li", "wu", "test"))
    done = apply(store.session, small_lake, book, ON)
    assert (done.manual_kept, done.changed) == (0, {("green", "yellow"): 1})


def test_without_any_fact_registered_persons_get_the_colour_of_no_facts(
    store: Any, settings: Settings, book: RuleBook
) -> None:
    ids = _register(store, settings, {"A": "330382"})
    done = apply(store.session, settings, book, ON)
    assert done.changed == {("none", "green"): 1}
    assert done.groups[0].output is None
    assert _colour(store, ids["A"]) == "green"


def test_a_day_without_a_rule_set_in_force_is_refused_and_writes_nothing(
    store: Any, small_lake: Settings, book: RuleBook
) -> None:
    from fugong.healthcode.rules import NoRuleSet

    ids = _register(store, small_lake, {"A": "330382"})
    with pytest.raises(NoRuleSet, match="no rule set is in force on 2020-02-01"):
        apply(store.session, small_lake, book, date(2020, 2, 1))
    assert _colour(store, ids["A"]) is None


@pytest.mark.spark
def test_applying_on_spark_stores_the_same_colours(
    store: Any, small_lake: Settings, book: RuleBook, spark: Any
) -> None:
    ids = _register(store, small_lake, {"A": "330382", "C": YUECHENG, "D": "330382", "E": "330382"})
    done = apply(store.session, small_lake, book, ON, engine="spark", spark=spark)
    assert done.changed == {("none", "red"): 1, ("none", "yellow"): 2, ("none", "green"): 1}
    assert [_colour(store, ids[n]) for n in "ACDE"] == ["red", "yellow", "yellow", "green"]
    assert (done.disagreements, apply(store.session, small_lake, book, ON).colour_changes) == (0, 0)


def test_a_check_in_after_the_apply_keeps_the_colour_the_lake_gave(
    store: Any, small_lake: Settings, book: RuleBook
) -> None:
    from fugong.healthcode.models import LAKE_COPY, HcFact

    ids = _register(store, small_lake, {"C": YUECHENG, "E": "330382"})
    apply(store.session, small_lake, book, ON)
    assert _colour(store, ids["C"]) == "yellow"  # a stay in a key area, known only to the lake's telecom feed

    def copies() -> list[str]:
        with store.session() as session:
            rows = select(HcFact.type).where(HcFact.person_id == ids["C"], HcFact.source == LAKE_COPY)
            return list(session.scalars(rows))

    assert copies() == ["risk_area_stay"]
    with store.session() as session:  # the person checks in: re-evaluated from the store's facts
        service.add_fact(session, ids["C"], CheckIn(ON))
        service.reevaluate(session, ids["C"], book.for_region(YUECHENG, ON), ON)
    assert _colour(store, ids["C"]) == "yellow"
    again = apply(store.session, small_lake, book, ON)
    assert (again.colour_changes, again.disagreements) == (0, 0)
    assert copies() == ["risk_area_stay"]  # copied once, and the bulk run does not count it twice
