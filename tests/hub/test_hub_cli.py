"""``fugong hub`` as a data steward uses it: feeds, ingest, catalog, versions, quarantine; errors in one line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from fugong.cli import main
from fugong.settings import Settings


def test_feeds_lists_every_contract(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["hub", "feeds", "--format", "json"]) == 0
    feeds = {f["feed"]: f for f in json.loads(capsys.readouterr().out)}
    assert {
        "market_registry",
        "supply_links",
        "grid_accounts",
        "grid_readings",
        "cdc_cases",
        "cdc_contacts",
        "persons",
        "telecom_stays",
        "checkpoint_places",
        "checkpoint_scans",
        "employees",
        "county_stats",
        "org_units",
    } <= set(feeds)
    assert feeds["grid_readings"]["keys"] == "account_id,day"
    assert feeds["cdc_cases"]["owner"] == "省疾病预防控制中心"


def test_contract_shows_headers_kinds_and_personal_columns(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["hub", "contract", "persons", "--format", "json"]) == 0
    columns = {c["column"]: c for c in json.loads(capsys.readouterr().out)}
    assert columns["person_key"] == {
        "column": "person_key",
        "header": "身份证号",
        "kind": "id_number",
        "type": "VARCHAR",
        "unit": "",
        "required": "yes",
        "key": "yes",
        "personal": "yes",
        "kept": "yes",
    }
    assert columns["name"]["kept"] == "dropped"


def test_ingest_prints_counts_that_add_up(settings: Settings, case: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["hub", "ingest", "county_stats", str(case("county_stats", "county_stats_gbk.csv"))]) == 0
    out = capsys.readouterr().out
    assert "read 3 = accepted 2 + quarantined 1 (of which 0 duplicates); dataset now 2 rows" in out
    assert "quarantined by reason: missing_value 1" in out
    assert "county_stats_gbk.csv [csv, gbk]" in out


def test_ingest_errors_are_one_line_with_exit_2(
    settings: Settings, case: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(case("grid_readings", "readings_header_only.csv"))
    assert main(["hub", "ingest", "grid_readings", path]) == 2
    captured = capsys.readouterr()
    assert captured.err.strip() == "error: readings_header_only.csv: a header and no rows; nothing was ingested"
    assert main(["hub", "ingest", "nope", path]) == 2
    assert capsys.readouterr().err.startswith("error: unknown feed 'nope'; feeds are ")
    assert main(["hub", "ingest-dir", str(Path(path).parent)]) == 2
    assert "no manifest.json" in capsys.readouterr().err


def test_catalog_as_json(tiny_env: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["hub", "catalog", "--format", "json"]) == 0
    entries = {e["name"]: e for e in json.loads(capsys.readouterr().out)}
    readings = entries["grid_readings"]
    assert readings["owner"] == "国网浙江省电力有限公司"
    assert readings["version"] == 2
    assert readings["snapshot_id"].startswith("v2-")
    assert readings["quality"]["read"] == readings["quality"]["accepted"] + readings["quality"]["quarantined"]
    assert set(readings["quality"]["by_reason"]) == {"above_maximum", "below_minimum", "duplicate", "missing_value"}
    assert readings["first_day"] == "2019-10-01"
    assert readings["freshness"] == "fresh"
    assert {c["name"] for c in readings["columns"]} == {"account_id", "day", "kwh"}
    assert entries["persons"]["columns"][0] == {
        "name": "person_key",
        "type": "VARCHAR",
        "title": "身份证号",
        "kind": "id_number",
        "unit": None,
        "required": True,
        "personal": True,
    }


def test_catalog_table_versions_and_quarantine(tiny_env: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["hub", "catalog", "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "dataset,title,owner,rows,snapshot,updated,freshness,accepted,quarantined"
    assert len(lines) == 14
    assert any(line.startswith("grid_readings,日用电量,国网浙江省电力有限公司,") for line in lines)
    assert main(["hub", "versions", "grid_readings", "--format", "json"]) == 0
    versions = json.loads(capsys.readouterr().out)
    assert [v["snapshot_id"][:3] for v in versions] == ["v2-", "v1-"]
    assert versions[0]["files"].startswith("readings_2020-02-17_")
    assert (
        main(["hub", "quarantine", "persons", "--reason", "bad_check_character", "--format", "json", "--limit", "3"])
        == 0
    )
    records = json.loads(capsys.readouterr().out)
    assert len(records) == 3
    assert all(r["reason"] == "bad_check_character" and "*" in r["value"] for r in records)


def test_apps_lists_the_hub_itself(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["hub", "apps", "--format", "json"]) == 0
    apps = {a["app"]: a for a in json.loads(capsys.readouterr().out)}
    assert "register_feeds" in apps["fugong.hub.builtin"]["hooks"]
    assert apps["fugong.hub.builtin"]["status"] == "loaded"


def test_grants_and_the_audit_log_from_the_command_line(
    settings: Settings, case: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["hub", "ingest", "county_stats", str(case("county_stats", "county_stats_gbk.csv"))]) == 0
    capsys.readouterr()
    assert main(["hub", "grant", "analyst", "county_stats", "--purpose", "复工指数", "--columns", "county_code"]) == 0
    assert capsys.readouterr().out.strip() == "grant 1: role analyst may read county_stats (county_code)"
    assert main(["hub", "grant", "analyst", "county_stats", "--purpose", "x", "--columns", "salary"]) == 2
    assert "has no column(s) salary" in capsys.readouterr().err
    assert main(["hub", "grants", "--format", "json"]) == 0
    [grant] = json.loads(capsys.readouterr().out)
    assert (grant["grantee"], grant["purpose"], grant["columns"]) == ("analyst", "复工指数", "county_code")
    assert main(["hub", "revoke", "1"]) == 0
    assert main(["hub", "revoke", "1"]) == 2
    assert "no active grant 1" in capsys.readouterr().err
    assert main(["hub", "audit", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
