"""Done when: ingesting the simulator's feeds reproduces its ground truth, per kind of dirt (P and R ≥ 0.99)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest

from fugong.hub.folders import ingest_folder
from fugong.hub.lake import Lake
from fugong.settings import Settings

KINDS = {"duplicate", "missing", "region_format", "industry_text", "bad_check", "date_format", "meter_reset"}


def _assert_reproduces_truth(scores: Callable[[Path, Lake], dict[str, Any]], out_dir: Path, lake: Lake) -> None:
    found = scores(out_dir, lake)
    assert set(found) >= KINDS, f"kinds of dirt never seen: {KINDS - set(found)}"
    report = {k: (s.truth, s.found, round(s.precision, 4), round(s.recall, 4)) for k, s in found.items()}
    for kind in KINDS:
        assert found[kind].truth > 0, report
        assert found[kind].precision >= 0.99, report
        assert found[kind].recall >= 0.99, report


def test_tiny_province_quarantine_reproduces_the_truth(tiny_lake: Any, truth_scores: Any) -> None:
    assert tiny_lake.result.failures == {}
    _assert_reproduces_truth(truth_scores, tiny_lake.manifest.out_dir, Lake(tiny_lake.settings.lake_path))


def test_every_record_of_every_file_is_accounted_for(tiny_lake: Any) -> None:
    rows = {f.path.name: f.rows for f in tiny_lake.manifest.files}
    seen = {}
    for report in tiny_lake.result.reports:
        assert report.accepted + report.quarantined == report.read
        for source in report.sources:
            assert source.accepted + source.quarantined == source.read
            seen[source.name] = source.read
    assert seen == rows


def test_the_late_file_is_flagged_late_and_lands_in_its_days(tiny_lake: Any) -> None:
    late = [s for r in tiny_lake.result.reports for s in r.sources if s.late]
    assert [s.name for s in late] == [p.name for p in tiny_lake.manifest.late_files]
    assert late[0].first_date == "2020-02-17"
    assert late[0].last_date == "2020-02-21"


@pytest.mark.slow
def test_demo_province_quarantine_reproduces_the_truth(demo_province: Any, tmp_path: Path, truth_scores: Any) -> None:
    settings = Settings(data_dir=tmp_path / "var")
    result = ingest_folder(demo_province.out_dir, settings)
    assert result.failures == {}
    _assert_reproduces_truth(truth_scores, demo_province.out_dir, Lake(settings.lake_path))


def test_no_raw_id_number_or_name_reaches_the_lake(tiny_lake: Any) -> None:
    persons = (tiny_lake.manifest.out_dir / "feeds" / "persons" / "persons.csv").read_text(encoding="utf-8")
    rows = [line.split(",") for line in persons.splitlines()[1:301]]
    secrets = {r[0] for r in rows if len(r[0]) == 18} | {r[1] for r in rows if len(r[1]) >= 3}
    lake = tiny_lake.settings.lake_path
    texts: list[str] = []
    with duckdb.connect() as con:
        for path in lake.rglob("*"):
            if path.suffix == ".parquet":
                for row in con.execute(f"SELECT CAST(COLUMNS(*) AS VARCHAR) FROM read_parquet('{path}')").fetchall():
                    texts.extend(str(v) for v in row)
            elif path.is_file():
                texts.append(path.read_text(encoding="utf-8", errors="replace"))
    everything = "\n".join(texts)
    assert {p.name for p in lake.glob("persons/v*/*")} == {"data", "quarantine.parquet", "fixes.parquet"}
    assert len(secrets) > 350
    assert [s for s in secrets if s in everything] == []
