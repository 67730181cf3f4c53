"""Checkpoint places (卡口场所): imported from the lake's ``checkpoint_places`` feed, or made by an admin."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import duckdb
from sqlalchemy import select
from sqlalchemy.orm import Session

from fugong.errors import Conflict, FugongError, InvalidInput, NotFound
from fugong.geo import load_gazetteer
from fugong.healthcode.gate.models import GatePlace
from fugong.hub import lake
from fugong.settings import Settings
from fugong.store.types import utcnow

DATASET = "checkpoint_places"
PLACE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
PLACE_TYPES = ("商场超市", "交通站点", "企业厂区", "小区村口", "高速卡口")


class UnknownPlace(NotFound):
    """No checkpoint place has this id."""

    code = "unknown_place"


@dataclass(frozen=True)
class Import:
    """What an import from the lake did, and the snapshot it read."""

    snapshot: str
    added: int
    updated: int

    def as_json(self) -> dict[str, Any]:
        """JSON-ready counts and the snapshot read."""
        return {"snapshot": self.snapshot, "added": self.added, "updated": self.updated}


def _check(place_id: str, name: str, place_type: str | None, county: str | None) -> None:
    if not PLACE_ID.match(place_id):
        raise InvalidInput(
            f"place id {place_id!r}: 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit",
            field="place_id",
        )
    if not name.strip() or len(name) > 200:
        raise InvalidInput("the place needs a name of 1-200 characters", field="name")
    if place_type is not None and place_type not in PLACE_TYPES:
        raise InvalidInput(f"place type {place_type!r} is not one of {', '.join(PLACE_TYPES)}", field="place_type")
    if county is not None:
        try:
            division = load_gazetteer().get(county)
        except FugongError:
            raise InvalidInput(f"{county!r} is not a county of the gazetteer", field="county") from None
        if division.level != "county":
            raise InvalidInput(f"{county} ({division.name}) is a {division.level}, not a county", field="county")


def create_place(
    session: Session, place_id: str, name: str, by: str, place_type: str | None = None, county: str | None = None
) -> GatePlace:
    """An admin makes a checkpoint place (a place id already taken is a conflict)."""
    _check(place_id, name, place_type, county)
    if session.get(GatePlace, place_id) is not None:
        raise Conflict(f"checkpoint place {place_id!r} already exists", field="place_id")
    place = GatePlace(
        place_id=place_id,
        name=name.strip(),
        place_type=place_type,
        county=county,
        source=f"admin {by}"[:80],
        created_at=utcnow(),
    )
    session.add(place)
    session.flush()
    return place


def get_place(session: Session, place_id: str) -> GatePlace:
    """The checkpoint place with this id."""
    place = session.get(GatePlace, place_id)
    if place is None:
        raise UnknownPlace(f"no checkpoint place {place_id!r}: import the places or ask an admin", field="place_id")
    return place


def list_places(session: Session, county: str | None = None) -> list[GatePlace]:
    """Every checkpoint place (of one county), by id."""
    query = select(GatePlace).order_by(GatePlace.place_id)
    if county:
        query = query.where(GatePlace.county == county)
    return list(session.scalars(query))


def place_json(place: GatePlace) -> dict[str, Any]:
    """A place as the API shows it."""
    return {
        "place_id": place.place_id,
        "name": place.name,
        "place_type": place.place_type,
        "county": place.county,
        "source": place.source,
    }


def import_from_lake(session: Session, settings: Settings) -> Import:
    """Add or update the places of the lake's current ``checkpoint_places`` snapshot (admin-made ones stay)."""
    version = lake.get_lake(settings).current(DATASET)
    if version is None:
        raise NotFound(f"the lake has no {DATASET} dataset: ingest it first (fugong hub ingest)", field="dataset")
    columns = ["place_id", "name", "place_type", "county_code"]
    with duckdb.connect() as con:
        rows = con.execute(lake.scan_sql(version, columns)).fetchall()
    known = {p.place_id: p for p in session.scalars(select(GatePlace))}
    added = updated = 0
    source = version.reference[:80]
    for place_id, name, place_type, county in rows:
        place_id = str(place_id)
        fields = {"name": str(name or place_id)[:200], "place_type": place_type, "county": county}
        place = known.get(place_id)
        if place is None:
            session.add(GatePlace(place_id=place_id, source=source, created_at=utcnow(), **fields))
            added += 1
        elif not place.source.startswith("admin ") and any(getattr(place, k) != v for k, v in fields.items()):
            for key, value in fields.items():
                setattr(place, key, value)
            place.source = source
            updated += 1
    session.flush()
    return Import(version.reference, added, updated)
