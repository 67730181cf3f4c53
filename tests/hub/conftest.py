"""Hub fixtures: sample files, a lake of the tiny simulated province (ingested once), a migrated store."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest

from fugong.hub.folders import FolderResult, ingest_folder
from fugong.hub.lake import Lake
from fugong.hub.plugins import contracts
from fugong.settings import Settings, get_settings
from fugong.web.testing import web_under_test

CASES = Path(__file__).resolve().parents[1] / "cases"


@dataclass(frozen=True)
class IngestedProvince:
    """A simulated province and the lake it was ingested into."""

    manifest: Any
    settings: Settings
    result: FolderResult


@pytest.fixture(scope="session")
def tiny_lake(tiny_province: Any, tmp_path_factory: pytest.TempPathFactory) -> IngestedProvince:
    """The tiny province ingested (every feed, then the late file) into a lake of its own; read-only."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("tiny_lake") / "var")
    return IngestedProvince(tiny_province, settings, ingest_folder(tiny_province.out_dir, settings))


@pytest.fixture
def tiny_env(tiny_lake: IngestedProvince, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Process settings pointing at the tiny province's lake (for the CLI)."""
    monkeypatch.setenv("FUGONG_DATA_DIR", str(tiny_lake.settings.data_dir))
    monkeypatch.setenv("FUGONG_CONFIG", str(tiny_lake.settings.data_dir / "absent.toml"))
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


@pytest.fixture
def case() -> Any:
    """The path of a sample file under tests/cases/<feed>/."""

    def path(feed: str, name: str) -> Path:
        found = CASES / feed / name
        assert found.is_file(), f"missing sample file {found}"
        return found

    return path


# What the hub reports for each kind of dirt the simulator writes (docs/hub.md, "Reasons and fixes").
KIND_OF = {
    "duplicate": "duplicate",
    "missing_value": "missing",
    "bad_check_character": "bad_check",
    "below_minimum": "meter_reset",
    "above_maximum": "meter_reset",
    "region_name": "region_format",
    "region_short_name": "region_format",
    "old_region_code": "region_format",
    "industry_text": "industry_text",
    "date_format": "date_format",
}


@dataclass(frozen=True)
class Score:
    """Precision and recall of one kind of dirt, with the rows behind them."""

    kind: str
    truth: int
    found: int
    hits: int

    @property
    def precision(self) -> float:
        return self.hits / self.found if self.found else 1.0

    @property
    def recall(self) -> float:
        return self.hits / self.truth if self.truth else 1.0


def scores(out_dir: Path, lake: Lake) -> dict[str, Score]:
    """Per kind of dirt: truth rows (feed, file, line) against the rows the hub flagged with that kind."""
    truth: dict[str, set[tuple[str, str, int]]] = defaultdict(set)
    found: dict[str, set[tuple[str, str, int]]] = defaultdict(set)
    with duckdb.connect() as con:
        rows = con.execute(
            f"SELECT feed, file, line, kind FROM read_parquet('{out_dir / 'truth' / 'dirty_rows.parquet'}')"
        ).fetchall()
        for feed, file, line, kind in rows:
            truth[kind].add((feed, Path(file).name, int(line)))
        for feed in contracts():
            version = lake.current(feed)
            if version is None:
                continue
            for files, column in ((version.quarantine_files(), "reason"), (version.fix_files(), "fix")):
                if not files:
                    continue
                listing = "[" + ", ".join(f"'{f}'" for f in files) + "]"
                for file, line, what in con.execute(
                    f"SELECT file, line, {column} FROM read_parquet({listing})"
                ).fetchall():
                    if what in KIND_OF:
                        found[KIND_OF[what]].add((feed, file, int(line)))
    return {
        kind: Score(kind, len(truth[kind]), len(found[kind]), len(truth[kind] & found[kind]))
        for kind in sorted(set(truth) | set(found))
    }


@pytest.fixture
def truth_scores() -> Callable[[Path, Lake], dict[str, Score]]:
    """Scores the lake's quarantine and fixes against a simulated province's truth, per kind of dirt."""
    return scores


@pytest.fixture(scope="session")
def hub_store_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A SQLite store migrated once per run (copied clean for each test)."""
    from fugong.store.testing import StoreTemplate

    with StoreTemplate("sqlite", tmp_path_factory.mktemp("hub-store")) as template:
        yield template


@pytest.fixture
def web(hub_store_template: Any, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The real web app on a clean migrated store and an empty lake, and a way to make users with tokens."""
    with (
        hub_store_template.clean_url(tmp_path) as url,
        web_under_test(url, settings.data_dir, tmp_path, monkeypatch.setenv) as web,
    ):
        yield web
