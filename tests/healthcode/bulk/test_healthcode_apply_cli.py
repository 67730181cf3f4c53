"""``fugong healthcode reevaluate --apply`` and ``fugong healthcode new-case`` on the configured store and lake."""

from __future__ import annotations

from typing import Any

import pytest

from fugong.cli import main
from fugong.healthcode import registry
from fugong.hub.pseudonyms import pseudonymiser
from fugong.settings import Settings, get_settings

from .conftest import PEOPLE


@pytest.fixture
def on_store(store: Any, store_url: str, small_lake: Settings, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """The CLI's settings pointed at the test store and the small lake; A, C and D registered (C in 越城区)."""
    monkeypatch.setenv("FUGONG_DATABASE_URL", store_url)
    get_settings.cache_clear()
    keys = pseudonymiser(get_settings())
    counties = {"A": "330382", "C": "330602", "D": "330382"}
    with store.session() as session:
        return {
            n: registry.register_self(session, keys, registry.Registration(f"测试{n}", PEOPLE[n], c), f"p-{n}").id
            for n, c in counties.items()
        }


def test_apply_prints_who_changed_colour_and_a_second_run_changes_nothing(
    on_store: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["healthcode", "reevaluate", "--on", "2020-02-16", "--apply"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "on 2020-02-16 (duckdb): 3 registered persons, 2 rule sets"
    assert lines[1].startswith("zhejiang-default@1: 2 persons in 1 counties, 2 with facts; written: ")
    assert lines[2].startswith("shaoxing@1: 1 persons in 1 counties, 1 with facts; written: ")
    assert lines[3] == "changed colour: 3 (none→red 1, none→yellow 2)"
    assert lines[4].startswith(
        "dates only: 0; officials' colours kept: 0; persons of the lake not registered: 4 (counted, not registered)"
    )
    assert main(["healthcode", "reevaluate", "--on", "2020-02-16", "--apply"]) == 0
    assert "changed colour: 0\n" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--ruleset", "shaoxing"], "--ruleset cannot be used with --apply"),
        (["--output", "x.parquet"], "--output cannot be used with --apply"),
        (["--no-store"], "--no-store cannot be used with --apply"),
    ],
)
def test_apply_refuses_options_that_do_not_fit(
    on_store: dict[str, int], capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    assert main(["healthcode", "reevaluate", "--on", "2020-02-16", "--apply", *extra]) == 2
    assert message in capsys.readouterr().err


def test_new_case_by_id_number_turns_the_case_and_who_shared_their_hour(
    on_store: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    ids = on_store
    assert main(["healthcode", "new-case", PEOPLE["A"], "--on", "2020-02-10", "--today", "2020-02-12"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"person {ids['A']} confirmed on 2020-02-10: red on 2020-02-12"
    assert out[1] == "close contacts registered: 0, same place and hour: 1, not registered: 1"  # B
    assert out[2] == f"changed colour: 2 ({ids['A']} none→red, {ids['D']} none→yellow)"
    assert out[3].startswith("inputs: cdc_cases@v1-")


def test_new_case_of_an_unknown_person_or_in_the_future_is_refused(
    on_store: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["healthcode", "new-case", "9999", "--on", "2020-02-10"]) == 2
    assert "9999" in capsys.readouterr().err
    case = str(on_store["A"])
    assert main(["healthcode", "new-case", case, "--on", "2020-02-13", "--today", "2020-02-12"]) == 2
    assert "after today" in capsys.readouterr().err
