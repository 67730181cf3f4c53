"""Lineage: every accepted row traces back to its file and line, with what was standardised on the way."""

from __future__ import annotations

import hashlib
from typing import Any

import duckdb
import pytest

from fugong.cli import main
from fugong.errors import InvalidInput
from fugong.hub.lineage import trace
from fugong.settings import Settings


def _dirty(tiny_lake: Any, feed: str, kind: str) -> tuple[str, int, str, str]:
    truth = tiny_lake.manifest.out_dir / "truth" / "dirty_rows.parquet"
    with duckdb.connect() as con:
        row = con.execute(
            f"SELECT file, line, value, clean_value FROM read_parquet('{truth}') WHERE feed = ? AND kind = ? "
            "ORDER BY line LIMIT 1",
            [feed, kind],
        ).fetchall()[0]
    return str(row[0]), int(row[1]), str(row[2]), str(row[3])


def test_a_person_traces_to_the_line_and_the_fix(tiny_lake: Any) -> None:
    file, line, raw, clean = _dirty(tiny_lake, "persons", "region_format")
    path = tiny_lake.manifest.out_dir / file
    id_number = path.read_text(encoding="utf-8").splitlines()[line - 1].split(",")[0]
    found = trace("persons", [id_number], tiny_lake.settings)
    [row] = found["rows"]
    assert (row["file"], row["line"], row["format"], row["encoding"]) == ("persons.csv", line, "csv", "utf-8")
    assert row["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert row["ingested_in"] == found["snapshot_id"]
    fixes = {(f["column"], f["raw"], f["standard"]): f["fix"] for f in row["fixes"]}
    assert fixes[("residence_code", raw, clean)] in ("region_name", "region_short_name", "old_region_code")
    assert id_number not in str(found)  # the key shown is the pseudonym
    assert "birth_date" not in row["values"]  # personal values are withheld from a trace


def test_a_reading_traces_through_the_late_file(tiny_lake: Any) -> None:
    late = tiny_lake.manifest.late_files[0]
    with duckdb.connect() as con:
        account, day = con.execute(
            f"SELECT account_id, CAST(day AS VARCHAR) FROM read_parquet('{tiny_lake.manifest.out_dir / late}') "
            "WHERE kwh IS NOT NULL AND kwh >= 0 AND kwh < 1000000 LIMIT 1"
        ).fetchall()[0]
    found = trace("grid_readings", [account, day], tiny_lake.settings)
    assert [r["file"] for r in found["rows"]] == [late.name]
    assert found["rows"][0]["ingested_in"].startswith("v2-")


def test_a_duplicate_is_listed_with_the_row_it_repeats(tiny_lake: Any) -> None:
    file, line, _, first = _dirty(tiny_lake, "persons", "duplicate")
    path = tiny_lake.manifest.out_dir / file
    id_number = path.read_text(encoding="utf-8").splitlines()[line - 1].split(",")[0]
    found = trace("persons", [id_number], tiny_lake.settings)
    assert [r["line"] for r in found["rows"]] == [int(first) + 1]
    assert found["duplicates"] == [
        {"file": "persons.csv", "line": line, "detail": f"same key as persons.csv line {int(first) + 1}"}
    ]


def test_trace_needs_every_key_and_valid_ones(tiny_lake: Any) -> None:
    with pytest.raises(InvalidInput, match="grid_readings is keyed by account_id, day: give 2 value"):
        trace("grid_readings", ["3301060001"], tiny_lake.settings)
    with pytest.raises(InvalidInput, match="person_key: '330106' is not a valid key"):
        trace("persons", ["330106"], tiny_lake.settings)
    assert trace("grid_readings", ["0000000000", "2020-02-01"], tiny_lake.settings)["rows"] == []


def test_trace_command_prints_file_and_line(
    tiny_env: Settings, tiny_lake: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    file, line, _, clean = _dirty(tiny_lake, "persons", "date_format")
    id_number = (tiny_lake.manifest.out_dir / file).read_text(encoding="utf-8").splitlines()[line - 1].split(",")[0]
    assert main(["hub", "trace", "persons", id_number]) == 0
    out = capsys.readouterr().out
    assert f"persons.csv line {line} (sha256 " in out
    assert "standardised birth_date: " in out
    assert "(date_format)" in out
    assert clean not in out  # a birth date is personal: masked even in a trace
    assert main(["hub", "trace", "persons"]) == 2
