"""Checkpoint places: from the lake's checkpoint_places feed, or made by an admin; bad ones named."""

from __future__ import annotations

from pathlib import Path

import pytest

from fugong.errors import Conflict, InvalidInput, NotFound
from fugong.healthcode.gate.places import create_place, get_place, import_from_lake, list_places
from fugong.hub.ingest import ingest
from fugong.settings import Settings

from .conftest import PLACE, XIHU, Gate

pytestmark = pytest.mark.parametrize("store_template", ["sqlite"], indirect=True)


def _feed(folder: Path, rows: list[str]) -> Path:
    path = folder / "checkpoint_places.csv"
    path.write_text("\n".join(["place_id,name,place_type,county_code,enterprise_key", *rows]) + "\n", "utf-8")
    return path


def test_places_come_from_the_lake_and_an_import_again_adds_nothing(
    gate: Gate, settings: Settings, tmp_path: Path
) -> None:
    rows = ["P-001,银泰百货武林店,商场超市,330106,", "P-002,杭州东站北广场,交通站点,330106,"]
    report = ingest("checkpoint_places", [_feed(tmp_path, rows)], settings=settings)
    assert report.accepted == 2, report
    with gate.store.session() as session:
        first = import_from_lake(session, settings)
    assert (first.added, first.updated) == (2, 0)
    assert first.snapshot.startswith("checkpoint_places@")
    with gate.store.session() as session:
        again = import_from_lake(session, settings)
        assert (again.added, again.updated) == (0, 0)
        names = {p.place_id: p.name for p in list_places(session)}
    assert names == {PLACE: "杭州东站", "P-001": "银泰百货武林店", "P-002": "杭州东站北广场"}
    renamed = tmp_path / "renamed"
    renamed.mkdir()
    ingest("checkpoint_places", [_feed(renamed, ["P-001,银泰百货（武林店）,商场超市,330106,"])], settings=settings)
    with gate.store.session() as session:
        third = import_from_lake(session, settings)
        assert (third.added, third.updated) == (0, 1)
        assert get_place(session, "P-001").name == "银泰百货（武林店）"
        assert get_place(session, "P-002").name == "杭州东站北广场"


def test_an_import_without_the_feed_says_what_to_ingest(gate: Gate, settings: Settings) -> None:
    with gate.store.session() as session, pytest.raises(NotFound, match="ingest it first"):
        import_from_lake(session, settings)


@pytest.mark.parametrize(
    ("place_id", "name", "place_type", "county", "field"),
    [
        ("has space", "x", None, None, "place_id"),
        ("", "x", None, None, "place_id"),
        ("OK-1", "  ", None, None, "name"),
        ("OK-2", "x", "菜市场", None, "place_type"),
        ("OK-3", "x", None, "999999", "county"),
        ("OK-4", "x", None, "330100", "county"),
    ],
)
def test_an_admin_place_with_a_bad_field_is_refused_by_name(
    gate: Gate, place_id: str, name: str, place_type: str | None, county: str | None, field: str
) -> None:
    with gate.store.session() as session, pytest.raises(InvalidInput) as caught:
        create_place(session, place_id, name, "admin", place_type, county)
    assert caught.value.field == field


def test_a_place_id_is_made_once(gate: Gate) -> None:
    with gate.store.session() as session, pytest.raises(Conflict):
        create_place(session, PLACE, "另一个", "admin", None, XIHU)
    with gate.store.session() as session:
        assert get_place(session, PLACE).name == "杭州东站"
