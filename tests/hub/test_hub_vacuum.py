"""``fugong hub vacuum``: old versions go, the current one (and what it reads) stays, bad options are refused."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from fugong.cli import main
from fugong.hub import lake as lake_module
from fugong.hub.errors import InvalidOption, UnknownDataset
from fugong.hub.ingest import ingest
from fugong.hub.lake import Lake
from fugong.hub.vacuum import vacuum
from fugong.settings import Settings


def _readings(path: Path, day: str, accounts: int = 20) -> Path:
    rows = "\n".join(f"{a:010d},{day},{10 + a}.50" for a in range(accounts))
    path.write_text(f"account_id,day,kwh\n{rows}\n", encoding="utf-8")
    return path


def _county_stats(path: Path, population: float) -> Path:
    path.write_text(f"县区代码,常住人口（万人）\n330382,{population}\n330381,{population + 1}\n", encoding="utf-8")
    return path


def _days(settings: Settings, tmp_path: Path, n: int) -> list[str]:
    """Ingest ``n`` daily files of readings (an append dataset); return the snapshot ids, oldest first."""
    return [
        ingest(
            "grid_readings", [_readings(tmp_path / f"d{i}.csv", f"2020-02-{i + 1:02d}")], settings=settings
        ).snapshot_id
        for i in range(n)
    ]


def _count(settings: Settings, dataset: str) -> int:
    with lake_module.connect(settings) as con:
        return int(con.execute(f"SELECT count(*) FROM {dataset}").fetchall()[0][0])


def test_by_default_the_current_and_previous_versions_stay(settings: Settings, tmp_path: Path) -> None:
    sids = [
        ingest("county_stats", [_county_stats(tmp_path / f"s{i}.csv", 100 + i)], settings=settings).snapshot_id
        for i in range(4)
    ]
    lake = Lake(settings.lake_path)
    (report,) = vacuum(settings=settings)
    assert [r.snapshot_id for r in report.removed] == sids[:2]
    assert report.kept == sids[2:]
    assert report.current == sids[3]
    assert [v.snapshot_id for v in lake.versions("county_stats")] == sids[2:]
    # An upsert version rewrites its dataset: the old folders are gone whole, and the bytes are counted.
    assert len(list((settings.lake_path / "county_stats").glob("v*"))) == 2
    assert report.bytes_freed > 0
    assert all(r.files >= 1 for r in report.removed)
    assert _count(settings, "county_stats") == 2
    with pytest.raises(UnknownDataset, match="has no snapshot"):
        lake.require("county_stats", sids[0])


def test_keep_n_keeps_the_newest_n_and_the_current_one_is_always_readable(settings: Settings, tmp_path: Path) -> None:
    sids = _days(settings, tmp_path, 5)
    (report,) = vacuum(["grid_readings"], keep=3, settings=settings)
    assert [r.snapshot_id for r in report.removed] == sids[:2]
    assert [v.snapshot_id for v in Lake(settings.lake_path).versions("grid_readings")] == sids[2:]
    # Append versions list their parents' files: the current one still reads all five days.
    assert report.shared_files > 0
    assert _count(settings, "grid_readings") == 100
    (report,) = vacuum(["grid_readings"], keep=1, settings=settings)
    assert report.kept == [sids[-1]]
    assert _count(settings, "grid_readings") == 100
    assert lake_module.table("grid_readings", sids[-1], settings=settings).count().to_pyarrow().as_py() == 100


@pytest.mark.parametrize("keep", [0, -1])
def test_a_keep_below_one_is_refused_and_nothing_is_removed(settings: Settings, tmp_path: Path, keep: int) -> None:
    sids = _days(settings, tmp_path, 3)
    with pytest.raises(InvalidOption, match="--keep must be a whole number of versions, at least 1") as caught:
        vacuum(keep=keep, settings=settings)
    assert caught.value.field == "keep"
    assert [v.snapshot_id for v in Lake(settings.lake_path).versions("grid_readings")] == sids


def test_bad_options_on_the_command_line_are_one_line_and_exit_2(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _days(settings, tmp_path, 3)
    assert main(["hub", "vacuum", "--keep", "0"]) == 2
    err = capsys.readouterr().err.strip()
    assert "--keep must be a whole number of versions" in err
    assert len(err.splitlines()) == 1
    assert main(["hub", "vacuum", "--older-than", "-3"]) == 2
    assert "--older-than must be a number of days, 0 or more" in capsys.readouterr().err
    assert main(["hub", "vacuum", "gird_readings"]) == 2
    assert "no dataset 'gird_readings'" in capsys.readouterr().err
    assert len(Lake(settings.lake_path).versions("grid_readings")) == 3


def test_nothing_to_remove_says_so(settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["hub", "vacuum"]) == 0
    assert "nothing to remove: the lake has no datasets" in capsys.readouterr().out
    sids = _days(settings, tmp_path, 2)
    assert main(["hub", "vacuum"]) == 0
    out = capsys.readouterr().out
    assert f"grid_readings: nothing to remove (kept {sids[0]}, {sids[1]}; current {sids[1]})" in out
    assert "can no longer be reproduced" not in out
    assert main(["hub", "vacuum", "--json"]) == 0
    (found,) = json.loads(capsys.readouterr().out)
    assert (found["removed"], found["bytes_freed"]) == ([], 0)


def test_the_command_prints_what_was_removed_and_warns_about_figures(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sids = _days(settings, tmp_path, 4)
    assert main(["hub", "vacuum", "grid_readings", "--keep", "2"]) == 0
    out = capsys.readouterr().out
    assert "grid_readings: removed 2 version(s)" in out
    for sid in sids[:2]:
        assert f"removed grid_readings@{sid}" in out
    assert "Figures that name a removed snapshot can no longer be reproduced" in out


def test_older_than_keeps_young_versions(settings: Settings, tmp_path: Path) -> None:
    sids = _days(settings, tmp_path, 4)
    (report,) = vacuum(keep=1, older_than_days=1, settings=settings)
    assert report.removed == []
    assert report.kept == sids
    later = datetime.now(UTC) + timedelta(days=2)
    (report,) = vacuum(keep=1, older_than_days=1, settings=settings, now=later)
    assert [r.snapshot_id for r in report.removed] == sids[:3]


def test_a_reader_of_the_current_version_is_unaffected(settings: Settings, tmp_path: Path) -> None:
    sids = [
        ingest("county_stats", [_county_stats(tmp_path / f"s{i}.csv", 100 + i)], settings=settings).snapshot_id
        for i in range(6)
    ]
    lake = Lake(settings.lake_path)
    current = lake.require("county_stats")
    listing = "[" + ", ".join(f"'{p}'" for p in current.files()) + "]"
    seen: list[float] = []
    failures: list[BaseException] = []
    reading, stop = threading.Event(), threading.Event()

    def read() -> None:  # reads the current version's files over and over while vacuum runs
        with duckdb.connect() as con:
            while not stop.is_set():
                try:
                    query = f"SELECT sum(population_10k) FROM read_parquet({listing})"
                    seen.append(float(con.execute(query).fetchall()[0][0]))
                except BaseException as exc:  # any failure of the reader fails the test
                    failures.append(exc)
                    return
                finally:
                    reading.set()

    reader = threading.Thread(target=read)
    reader.start()
    try:
        assert reading.wait(timeout=30)
        (report,) = vacuum(keep=1, settings=settings)
    finally:
        stop.set()
        reader.join(timeout=30)
    assert [r.snapshot_id for r in report.removed] == sids[:5]
    assert failures == []
    assert seen
    assert set(seen) == {105 + 106}
    with duckdb.connect() as con:  # and after: the files it reads are all still there
        assert con.execute(f"SELECT sum(population_10k) FROM read_parquet({listing})").fetchall()[0][0] == 211
    assert lake.require("county_stats").snapshot_id == sids[-1] == current.snapshot_id
    assert _count(settings, "county_stats") == 2


def test_leftovers_of_an_interrupted_vacuum_are_cleared(settings: Settings, tmp_path: Path) -> None:
    _days(settings, tmp_path, 3)
    trash = settings.lake_path / "grid_readings" / "_trash" / "v000001-dead"
    trash.mkdir(parents=True)
    (trash / "data_0.parquet").write_bytes(b"half-deleted")
    vacuum(settings=settings)
    assert not (settings.lake_path / "grid_readings" / "_trash").exists() or not any(
        (settings.lake_path / "grid_readings" / "_trash").iterdir()
    )
    assert Lake(settings.lake_path).datasets() == ["grid_readings"]
