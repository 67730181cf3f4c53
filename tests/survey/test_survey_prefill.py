"""Pre-fill from the hub: figures the lake holds, marked with their snapshots; corrections kept, the hub untouched."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

from tests.survey.conftest import BEFORE_DUE, DAY, GOOD_DAILY, VILLAGE_A, VILLAGE_B, People, credit_code, id_number

from fugong.hub.ingest import ingest
from fugong.hub.lake import get_lake
from fugong.settings import Settings
from fugong.store import Store
from fugong.survey import service
from fugong.survey.definitions import shipped_forms
from fugong.survey.orgunits import Hierarchy
from fugong.survey.prefill import prefill


def _csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _lake(settings: Settings, tmp_path: Path) -> None:
    """Six residents of community A and two of B; four of A's came back (one after the day); two under observation."""
    persons = [[id_number(i), "330382", VILLAGE_A] for i in range(1, 7)] + [
        [id_number(i), "330382", VILLAGE_B] for i in (7, 8)
    ]
    ingest(
        "persons",
        [_csv(tmp_path / "persons.csv", ["person_key", "residence_code", "community_code"], persons)],
        settings=settings,
    )
    employees = [
        [credit_code(1), id_number(1), "true", "2020-02-01"],
        [credit_code(1), id_number(2), "true", "2020-02-05"],
        [credit_code(2), id_number(3), "true", "2020-02-09"],
        [credit_code(2), id_number(4), "true", "2020-02-15"],  # after the day: not yet a returnee
        [credit_code(2), id_number(5), "false", ""],
        [credit_code(1), id_number(7), "true", "2020-02-03"],  # lives in B
    ]
    header = ["enterprise_key", "person_key", "returned_from_outside", "arrived_on"]
    ingest("employees", [_csv(tmp_path / "employees.csv", header, employees)], settings=settings)
    contacts = [
        ["c1", id_number(1), "2020-02-03", "2020-02-03", "2020-02-17"],
        ["c2", id_number(2), "2020-02-08", "2020-02-08", ""],  # no end date: 14 days
        ["c3", id_number(3), "2020-01-20", "2020-01-20", "2020-02-03"],  # already released
    ]
    header = ["contact_id", "person_key", "last_contact_on", "observation_from", "observation_to"]
    ingest("cdc_contacts", [_csv(tmp_path / "contacts.csv", header, contacts)], settings=settings)


def test_hub_figures_name_their_snapshots(survey_settings: Settings, tmp_path: Path) -> None:
    _lake(survey_settings, tmp_path)
    form = shipped_forms()[("village_daily", 1)]
    figures = prefill(survey_settings, form, VILLAGE_A, DAY)
    assert figures["returnees_total"].value == 3
    assert figures["home_observation"].value == 2
    lake = get_lake(survey_settings)
    for name in ("persons", "employees"):
        assert lake.require(name).reference in figures["returnees_total"].source
    assert prefill(survey_settings, form, VILLAGE_B, DAY)["returnees_total"].value == 1


def test_no_lake_no_prefill(survey_settings: Settings) -> None:
    form = shipped_forms()[("village_daily", 1)]
    assert prefill(survey_settings, form, VILLAGE_A, DAY) == {}


def test_a_correction_is_a_signal_and_the_hub_stays(
    survey_settings: Settings,
    tmp_path: Path,
    store: Store,
    hierarchy: Hierarchy,
    people: People,
    assigned: Callable[..., dict[str, int]],
) -> None:
    _lake(survey_settings, tmp_path)
    lake = get_lake(survey_settings)
    before = {name: lake.require(name).snapshot_id for name in ("persons", "employees", "cdc_contacts")}
    ids = assigned()
    with store.session() as session:
        confirmed = service.submit(
            session,
            survey_settings,
            hierarchy,
            people.township,
            ids[VILLAGE_B],
            {**GOOD_DAILY, "returnees_total": 1, "returnees_today": 0, "home_observation": 0},
            1,
            "b-1",
            now=BEFORE_DUE,
        )
        corrected = service.submit(
            session,
            survey_settings,
            hierarchy,
            people.village_a,
            ids[VILLAGE_A],
            {**GOOD_DAILY, "returnees_total": 5, "home_observation": 2},
            1,
            "a-1",
            now=BEFORE_DUE,
        )
    assert confirmed.corrections == []  # the worker confirmed the hub's figures
    assert corrected.corrections == ["returnees_total"]
    with store.session() as session:
        signals = service.corrections(session, "330382")
        sub = service.get_assignment(session, ids[VILLAGE_A]).submission
        assert sub is not None
        offered = json.loads(sub.prefill)
    assert len(signals) == 1
    assert signals[0]["unit"] == VILLAGE_A
    assert (signals[0]["hub_value"], signals[0]["reported_value"]) == (3, 5)
    assert "employees@" in signals[0]["source"]
    assert json.loads(sub.answers)["returnees_total"] == 5  # the report says what the worker counted
    assert offered["returnees_total"]["value"] == 3  # and keeps what the hub offered
    after = {name: lake.require(name).snapshot_id for name in before}
    assert after == before  # never silently overriding the hub
