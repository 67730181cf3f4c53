"""``fugong healthcode`` as an analyst, a rule author or a hotline worker would use it."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from fugong.cli import main
from fugong.settings import Settings

CASES = Path(__file__).parent / "cases"
SUITES = sorted((CASES / "certlogic-testSuite").glob("*.json")) + sorted(
    (CASES / "certlogic-validation-testSuite").glob("*.json")
)


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_certlogic_test_runs_both_official_suites(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["healthcode", "certlogic-test", *map(str, SUITES)], capsys)
    assert code == 0
    assert out.splitlines() == ["255 passed, 0 failed"]


def test_certlogic_test_prints_failures_and_exits_1(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    suite = {
        "name": "ours",
        "cases": [
            {
                "name": "wrong on purpose",
                "certLogicExpression": {"+": [{"var": "a"}, 1]},
                "assertions": [
                    {"data": {"a": 1}, "expected": 2},
                    {"data": {"a": 1}, "expected": 3, "message": "one plus one"},
                    {"data": {"a": "1"}, "expected": 2},
                ],
            }
        ],
    }
    path = tmp_path / "ours.json"
    path.write_text(json.dumps(suite), encoding="utf-8")
    code, out, _ = _run(["healthcode", "certlogic-test", str(path)], capsys)
    assert code == 1
    assert out.splitlines() == [
        "FAIL ours.json › 1 wrong on purpose › 2 (one plus one): expected 3, got 2",
        'FAIL ours.json › 1 wrong on purpose › 3: expected 2, got an error: at +: operand 1 of "+" must be an '
        "integer, got string '1'",
        "1 passed, 2 failed",
    ]


def test_a_single_case_file_and_a_list_of_cases(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = {"name": "one", "certLogicExpression": {"var": "x"}, "assertions": [{"data": {"x": 5}, "expected": 5}]}
    (tmp_path / "one.json").write_text(json.dumps(case), encoding="utf-8")
    (tmp_path / "list.json").write_text(json.dumps([case, case]), encoding="utf-8")
    code, out, _ = _run(
        ["healthcode", "certlogic-test", str(tmp_path / "one.json"), str(tmp_path / "list.json")], capsys
    )
    assert (code, out.strip()) == (0, "3 passed, 0 failed")


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (None, "cannot read the file"),
        ("{oops", "not a JSON file"),
        ('{"name": "x", "cases": [{"name": "no assertions"}]}', "case 'no assertions' needs a list of assertions"),
        ('{"name": "x", "cases": 3}', "'cases' must be a list of case objects"),
        ('[{"name": "c", "assertions": [{"data": 1}]}]', "assertion 1 has no certLogicExpression"),
    ],
)
def test_an_unreadable_suite_file_exits_2(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None, words: str
) -> None:
    path = tmp_path / "suite.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    code, out, err = _run(["healthcode", "certlogic-test", str(SUITES[0]), str(path)], capsys)
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert words in err


def test_rulesets_lists_the_shipped_rule_sets(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["healthcode", "rulesets", "--format", "csv"], capsys)
    assert code == 0
    assert list(csv.DictReader(io.StringIO(out))) == [
        {
            "id": "zhejiang-default",
            "region": "330000",
            "region_name": "浙江省",
            "version": "1",
            "valid_from": "2020-02-11",
            "valid_to": "",
            "rules": "11",
        },
        {
            "id": "shaoxing",
            "region": "330600",
            "region_name": "绍兴市",
            "version": "1",
            "valid_from": "2020-02-15",
            "valid_to": "",
            "rules": "11",
        },
    ]


def test_rulesets_refuses_a_folder_with_a_bad_rule_set(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad: dict[str, Any] = json.loads(
        (Path(__file__).parents[2] / "src/fugong/healthcode/rulesets/330600-shaoxing.json").read_text("utf-8")
    )
    bad["rules"][6]["colour"] = "purple"
    (tmp_path / "330600-shaoxing.json").write_text(json.dumps(bad), encoding="utf-8")
    code, out, err = _run(["healthcode", "rulesets", "--rules", str(tmp_path)], capsys)
    assert code == 2
    assert out == ""
    assert err.startswith("error: 330600-shaoxing.json: rules[6].colour: unknown colour 'purple'")


def test_ruleset_shows_the_rules_in_force(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["healthcode", "ruleset", "越城区", "--on", "2020-02-20", "--format", "json"], capsys)
    assert code == 0
    head, table = out.split("\n", 1)
    assert head.startswith("shaoxing v1 (330600, from 2020-02-15): 绍兴市赋码规则")
    rows = json.loads(table)
    assert rows[0] == {
        "rule": "red-confirmed",
        "colour": "red",
        "green_after": "14 check-ins in a row + 14 days isolation",
        "reason": "确诊病例",
    }
    assert rows[5]["green_after"] == "14 check-ins in a row, or on its until date"
    assert rows[7]["green_after"] == "14 check-ins in a row"


def test_ruleset_for_an_unknown_region_exits_2(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(["healthcode", "ruleset", "火星", "--on", "2020-02-20"], capsys)
    assert code == 2
    assert "unknown region '火星'" in err


def _facts_file(tmp_path: Path, facts: Any) -> str:
    path = tmp_path / "person.json"
    path.write_text(json.dumps(facts, ensure_ascii=False), encoding="utf-8")
    return str(path)


PERSON = {
    "facts": [
        {"type": "risk_area_stay", "area": "420100", "start": "2020-01-25", "end": "2020-02-10", "source": "telecom"},
        {"type": "checkin", "on": "2020-02-10"},
        {"type": "checkin", "on": "2020-02-11"},
    ]
}


def test_status_explains_the_colour(settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["healthcode", "status", _facts_file(tmp_path, PERSON), "--region", "330106", "--on", "2020-02-11"]
    code, out, _ = _run(args, capsys)
    assert code == 0
    assert out.startswith("您的健康码为黄码（自2020-02-10起）。原因：14天内在重点疫区停留。")
    assert "将于2020-02-16转为绿码" in out
    # From 15 Feb Shaoxing has its own rules; check-ins stopped on 11 Feb, so the count starts again today.
    later = ["healthcode", "status", args[2], "--on", "2020-02-16", "--lang", "en"]
    code, out, _ = _run([*later, "--region", "330106"], capsys)
    assert "it turns green on 2020-02-22" in out  # 7 check-ins from 16 Feb
    code, out, _ = _run([*later, "--region", "330602"], capsys)
    assert "it turns green on 2020-02-24" in out  # 14 check-ins would take longer: 14 days after leaving the area


def test_status_as_json(settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["healthcode", "status", _facts_file(tmp_path, PERSON["facts"]), "--region", "西湖区", "--on", "2020-02-11"]
    code, out, _ = _run([*args, "--json"], capsys)
    assert code == 0
    status = json.loads(out)
    assert (status["colour"], status["rule"], status["green_on"]) == ("yellow", "yellow-key-area-stay", "2020-02-16")
    assert status["facts"][0]["source"] == "telecom"


@pytest.mark.parametrize(
    ("facts", "extra", "words"),
    [
        (
            {"facts": [{"type": "vaccination", "on": "2020-02-10"}]},
            [],
            "facts[0].type: unknown fact type 'vaccination'",
        ),
        ({"facts": [{"type": "checkin", "on": "2020-02-31"}]}, [], "facts[0].on: '2020-02-31' is not a date"),
        (PERSON, ["--region", "339999"], "unknown region '339999'"),
        (PERSON, ["--on", "2020-02-01"], "no rule set is in force on 2020-02-01"),
        (PERSON, ["--on", "11.02.2020"], "--on: '11.02.2020' is not a date in the form YYYY-MM-DD"),
        (PERSON, ["--lang", "fr"], "--lang: 'fr' is not zh or en"),
    ],
)
def test_status_bad_input_exits_2_with_one_line(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str], facts: Any, extra: list[str], words: str
) -> None:
    args = ["healthcode", "status", _facts_file(tmp_path, facts), "--region", "330106", "--on", "2020-02-11", *extra]
    code, out, err = _run(args, capsys)
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert words in err


def test_status_of_a_missing_file_exits_2(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(["healthcode", "status", str(tmp_path / "nobody.json"), "--region", "330106"], capsys)
    assert code == 2
    assert "cannot read the file" in err
