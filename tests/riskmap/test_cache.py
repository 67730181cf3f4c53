"""The cockpit's figures kept on disk per snapshot: identical to a fresh computation, warmed after an ingest."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from fugong.cli import main
from fugong.demo import DemoOptions
from fugong.power.lake import _coverage, _index
from fugong.riskmap import sources
from fugong.riskmap.cockpit import lake_matrix_on, lake_resumption_on
from fugong.riskmap.demo import warm_step
from fugong.riskmap.figures import combine
from fugong.riskmap.plugin import _grade, _graded, lake_grading
from fugong.settings import Settings, get_settings


def _fresh_process() -> None:
    """Forget what this process keeps in memory, as a new process would."""
    _graded.cache_clear()
    _index.cache_clear()
    _coverage.cache_clear()
    sources._cache.clear()


@pytest.fixture
def own_lake(lake_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """A copy of the tiny province's lake with nothing kept yet, as get_settings() too."""
    copy = tmp_path / "var"
    shutil.copytree(lake_dir, copy, ignore=shutil.ignore_patterns("cache"))
    monkeypatch.setenv("FUGONG_DATA_DIR", str(copy))
    monkeypatch.setenv("FUGONG_CONFIG", str(tmp_path / "absent.toml"))
    get_settings.cache_clear()
    _fresh_process()
    yield get_settings()
    get_settings.cache_clear()


def _drop_data(settings: Settings, *datasets: str) -> None:
    """Delete the data files of these datasets (their manifests stay): only kept figures can answer now."""
    for name in datasets:
        for path in (settings.lake_path / name).rglob("*.parquet"):
            path.unlink()


def test_the_kept_grading_equals_grading_the_lake_again(own_lake: Settings) -> None:
    first = lake_grading(own_lake)
    assert list((own_lake.data_dir / "cache" / "riskmap").glob("*.json"))
    _fresh_process()
    _drop_data(own_lake, "cdc_cases")
    kept = lake_grading(own_lake)  # read from disk: the case list's rows are gone
    assert kept.grades == first.grades
    assert kept.table == first.table
    assert kept.parameters() == first.parameters()


def test_the_kept_grading_equals_an_uncached_grading(own_lake: Settings) -> None:
    lake_grading(own_lake)
    _fresh_process()
    kept = lake_grading(own_lake)
    version = kept.table.origin.split("@")[1]
    fresh = _grade(str(own_lake.lake_path), version, kept.units, kept.config)
    assert kept.grades == fresh.grades
    assert kept.table == fresh.table


@pytest.mark.parametrize("damage", ["", "{not json", '{"table": {}, "grades": []}', '{"table": 1}', "[1, 2]"])
def test_a_corrupt_kept_grading_is_ignored_and_graded_again(own_lake: Settings, damage: str) -> None:
    first = lake_grading(own_lake)
    for path in (own_lake.data_dir / "cache" / "riskmap").glob("*.json"):
        path.write_text(damage, encoding="utf-8")
    _fresh_process()
    again = lake_grading(own_lake)
    assert again.grades == first.grades
    assert again.table == first.table
    _fresh_process()  # written over with a sound copy
    _drop_data(own_lake, "cdc_cases")
    assert lake_grading(own_lake).grades == first.grades


def test_warm_keeps_what_the_first_page_view_reads(own_lake: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["riskmap", "warm"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["grades"] > 0
    assert out["cases"].startswith("cdc_cases@")
    assert out["power"].startswith("grid_readings@")
    assert out["resumption_days"] > 0
    before = lake_resumption_on(own_lake, date(2020, 2, 19))
    _fresh_process()
    _drop_data(own_lake, "cdc_cases", "grid_readings", "grid_accounts", "market_registry")
    after = lake_resumption_on(own_lake, date(2020, 2, 19))
    assert after == before
    assert "grid_readings@" in after["parameters"]["power"]["snapshot"]


def test_warm_on_a_lake_without_cases_is_one_clear_error(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["riskmap", "warm"]) == 2
    assert "no cdc_cases dataset yet" in capsys.readouterr().err
    assert not (settings.data_dir / "cache").exists()


def test_the_demo_step_warms_the_cockpit_or_says_there_is_nothing(own_lake: Settings, tmp_path: Path) -> None:
    said = warm_step(DemoOptions(own_lake))
    assert "grades from cdc_cases@" in said
    assert "resumption" in said
    empty = Settings(data_dir=tmp_path / "empty")
    assert warm_step(DemoOptions(empty)).startswith("nothing to warm: the lake has no cdc_cases")


def test_the_cockpit_after_a_warm_gives_the_same_answers(web: Any) -> None:  # conftest's Web
    headers = web.token("fenxi", "analyst")
    shutil.rmtree(web.settings.data_dir / "cache", ignore_errors=True)
    _fresh_process()
    day = "2020-02-19"
    shown = {
        api: web.client.get(f"/api/riskmap/{api}", params={"date": day}, headers=headers).json()
        for api in ("grades", "resumption", "matrix")
    }
    assert main(["riskmap", "warm"]) == 0
    _fresh_process()
    for api, body in shown.items():
        assert web.client.get(f"/api/riskmap/{api}", params={"date": day}, headers=headers).json() == body


def test_the_kept_resumption_figures_equal_a_fresh_computation(own_lake: Settings) -> None:
    fresh = sources.lake_resumption(own_lake, date(2020, 2, 1), date(2020, 2, 29))
    _fresh_process()
    kept = sources.lake_resumption(own_lake, date(2020, 2, 1), date(2020, 2, 29))
    assert kept == fresh
    assert kept.days[0] == date(2020, 2, 1)
    for path in (own_lake.data_dir / "cache" / "riskmap").glob("*.json"):
        path.write_text('{"counties": [["330382", "not a day"]], "province": []}', encoding="utf-8")
    _fresh_process()
    assert sources.lake_resumption(own_lake, date(2020, 2, 1), date(2020, 2, 29)) == fresh


def test_the_page_calls_arriving_together_compute_the_resumption_figures_once(
    own_lake: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[int] = []

    def counted(*args: Any, **kwargs: Any) -> Any:  # the real computation, counted
        made.append(1)
        return combine(*args, **kwargs)

    monkeypatch.setattr(sources, "combine", counted)
    day = date(2020, 2, 19)
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(
            pool.map(
                lambda f: f(own_lake, day), [lake_resumption_on, lake_matrix_on, lake_resumption_on, lake_matrix_on]
            )
        )
    assert made == [1]
    assert answers[0] == answers[2]
    assert answers[1] == answers[3]
