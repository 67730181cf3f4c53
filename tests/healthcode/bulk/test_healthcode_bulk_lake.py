"""Bulk re-evaluation over the lake's feeds: who turns which colour, what the output names, and bad input."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from fugong.geo import Gazetteer
from fugong.healthcode.bulk.compiler import NotCompilable
from fugong.healthcode.bulk.engine import colours, plan
from fugong.healthcode.bulk.frame import facts_table
from fugong.healthcode.bulk.run import NoFacts, UnknownEngine, read_output, reevaluate
from fugong.healthcode.facts import CheckIn
from fugong.healthcode.rules import RuleFailed, RuleSet, parse_ruleset
from fugong.healthcode.status import evaluate
from fugong.hub.pseudonyms import Pseudonymiser
from fugong.settings import Settings

from .conftest import PEOPLE

ON = date(2020, 2, 16)


def _by_name(settings: Settings, table: Any) -> dict[str, dict[str, Any]]:
    keys = Pseudonymiser(settings.key("pseudonym"))
    names = {keys.person(number): name for name, number in PEOPLE.items()}
    return {names[row["person"]]: row for row in table.to_pylist() if row["person"] in names}


def test_the_lake_feeds_give_each_person_their_colour(small_lake: Settings, province: RuleSet) -> None:
    run = reevaluate(small_lake, province, ON)
    rows = _by_name(small_lake, run.colours)
    got = {name: (row["colour"], row["rule"]) for name, row in rows.items()}
    assert got == {
        "A": ("red", "red-confirmed"),
        "B": ("red", "red-close-contact"),
        "C": ("yellow", "yellow-key-area-stay"),
        "D": ("yellow", "yellow-co-location"),
        "E": ("green", None),
        "F": ("yellow", "yellow-checkpoint-fever"),
        "G": ("yellow", "yellow-key-area-stay"),
    }
    assert rows["C"]["since"] == date(2020, 2, 12)
    assert rows["D"]["since"] == date(2020, 2, 10)  # known when the case was confirmed
    assert rows["D"]["green_on"] == date(2020, 2, 21)  # 14 days after the visit on 7 Feb
    assert run.counts == {"green": 1, "yellow": 4, "red": 2}
    assert run.nobody == "green"


def test_the_output_names_the_rule_set_and_every_snapshot(small_lake: Settings, province: RuleSet) -> None:
    run = reevaluate(small_lake, province, ON)
    table, meta = read_output(run.output)
    assert table.column_names == ["person", "colour", "rule", "since", "green_on", "ruleset"]
    assert set(table.column("ruleset").to_pylist()) == {"zhejiang-default@1"}
    assert meta["fugong.ruleset"] == "zhejiang-default@1"
    assert meta["fugong.on"] == "2020-02-16"
    inputs = run.inputs
    for feed in ("cdc_cases", "cdc_contacts", "telecom_stays", "checkpoint_scans", "persons"):
        assert inputs[feed].startswith(f"{feed}@v1-")
        assert inputs[feed] in meta["fugong.inputs"]
    assert not any(number in str(table.to_pylist()) for number in PEOPLE.values())  # pseudonyms only


def test_check_ins_from_the_store_let_a_yellow_turn_green(small_lake: Settings, province: RuleSet) -> None:
    keys = Pseudonymiser(small_lake.key("pseudonym"))
    c = keys.person(PEOPLE["C"])
    store = facts_table({c: [CheckIn(date(2020, 2, d)) for d in range(12, 19)]})
    run = reevaluate(small_lake, province, date(2020, 2, 18), facts=store)
    rows = _by_name(small_lake, run.colours)
    assert rows["C"]["colour"] == "green"
    assert rows["C"]["since"] == date(2020, 2, 18)
    assert run.inputs["store"] == "7 facts"


@pytest.mark.spark
def test_duckdb_and_spark_agree(small_lake: Settings, province: RuleSet, spark: Any, tmp_path: Path) -> None:
    on_duckdb = reevaluate(small_lake, province, ON, output=tmp_path / "duckdb.parquet")
    on_spark = reevaluate(small_lake, province, ON, engine="spark", spark=spark, output=tmp_path / "spark.parquet")
    assert on_spark.engine == "spark"
    assert sorted(on_spark.colours.to_pylist(), key=lambda r: r["person"]) == sorted(
        on_duckdb.colours.to_pylist(), key=lambda r: r["person"]
    )


def test_an_empty_lake_is_a_clear_error(settings: Settings, province: RuleSet) -> None:
    with pytest.raises(NoFacts, match="nothing to re-evaluate"):
        reevaluate(settings, province, ON)


def test_an_unknown_engine_is_refused(small_lake: Settings, province: RuleSet) -> None:
    with pytest.raises(UnknownEngine, match="'polars' is not one of duckdb, spark"):
        reevaluate(small_lake, province, ON, engine="polars")


def _ruleset(gazetteer: Gazetteer, when: Any, since: Any = None) -> RuleSet:
    envelope = {
        "id": "bad",
        "region": "330602",
        "version": 1,
        "valid_from": "2020-01-01",
        "valid_to": None,
        "description_zh": "测试",
        "description_en": "test",
        "facts": ["confirmed", "checkins"],
        "rules": [
            {
                "id": "r",
                "colour": "red",
                "when": when,
                "since": since or {"var": "confirmed.on"},
                "green_after": None,
                "reason_zh": "测试",
                "reason_en": "test",
            }
        ],
    }
    return parse_ruleset(envelope, gazetteer)


@pytest.mark.parametrize(
    ("when", "message"),
    [
        ({"plusTime": ["2020-01-01", 1, "day"]}, "rules[0].when.plusTime: operator 'plusTime' is not compiled"),
        (
            {"reduce": [[1], {"+": [{"var": "accumulator"}, 1]}, 0]},
            "rules[0].when.reduce: operator 'reduce' is not compiled",
        ),
        ({"===": [{"var": "confirmed"}, 1]}, "comparing whole facts is not compiled"),
        ({"<": [{"var": "confirmed.on"}, 3]}, "expected an integer, got a date value"),
        ({"in": [{"var": "confirmed.source"}, [{"var": "on"}]]}, "only against an array of literals"),
    ],
)
def test_an_expression_the_bulk_path_cannot_run_exactly_is_refused(
    gazetteer: Gazetteer, when: Any, message: str
) -> None:
    with pytest.raises(NotCompilable, match=message.replace("[", r"\[").replace("]", r"\]")):
        plan(_ruleset(gazetteer, when), ON)


def test_and_as_a_value_is_refused(gazetteer: Gazetteer) -> None:
    since = {"and": [{"var": "confirmed.on"}, {"var": "confirmed.on"}]}
    with pytest.raises(NotCompilable, match=r"rules\[0\]\.since\.and: 'and' is compiled only where its truth is read"):
        plan(_ruleset(gazetteer, {"var": "confirmed"}, since), ON)


def test_a_rule_without_a_since_fails_as_the_evaluator_does(gazetteer: Gazetteer) -> None:
    ruleset = _ruleset(gazetteer, {"var": "checkins"})  # since: confirmed.on, null for someone never confirmed
    facts = [CheckIn(date(2020, 2, 20))]
    with pytest.raises(RuleFailed, match="rule 'r': 'when' holds but 'since' gave null"):
        evaluate(facts, ruleset, date(2020, 2, 22))
    with pytest.raises(RuleFailed, match="rule 'r': 'when' holds but 'since' gave null"):
        colours(facts_table({"p": facts}), ruleset, date(2020, 2, 22))


def _cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    from fugong.cli import main

    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_the_reevaluate_command_names_its_inputs_and_output(
    small_lake: Settings, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out_file = tmp_path / "colours.parquet"
    args = ["healthcode", "reevaluate", "--on", "2020-02-16", "--no-store", "--output", str(out_file)]
    code, out, err = _cli(args, capsys)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "zhejiang-default@1 on 2020-02-16 (duckdb): 7 persons: green 1, yellow 4, red 2"
    assert lines[1] == "persons without any fact: green"
    assert "cdc_cases@v1-" in lines[2]
    assert lines[3].startswith(f"written: {out_file}")
    assert out_file.is_file()


def test_the_reevaluate_command_refuses_bad_input_in_one_line(
    small_lake: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    for args, message in (
        (["--ruleset", "nowhere"], "no rule set 'nowhere' is in force on 2020-02-16"),
        (["--engine", "polars"], "engine 'polars' is not one of duckdb, spark"),
        (["--on", "16/02/2020"], "--on: '16/02/2020' is not a date"),
    ):
        day = [] if "--on" in args else ["--on", "2020-02-16"]
        code, out, err = _cli(["healthcode", "reevaluate", "--no-store", *day, *args], capsys)
        assert code == 2
        assert out == ""
        assert message in err
        assert len(err.strip().splitlines()) == 1
