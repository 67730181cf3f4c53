"""The org-unit hierarchy (组织层级): province → city → county → township/street → village/community.

Province, cities and counties come from fugong.geo; townships and villages from the ``org_units`` register (the
lake's dataset, or a CSV file with the same columns, e.g. the simulator's ``feeds/org_units/org_units.csv``).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Literal

import duckdb

from fugong.errors import InvalidInput, NotFound
from fugong.geo import Gazetteer, load_gazetteer
from fugong.hub import lake
from fugong.settings import Settings

Level = Literal["province", "city", "county", "township", "village"]
LEVELS: tuple[Level, ...] = ("province", "city", "county", "township", "village")
DATASET = "org_units"
COLUMNS = ("code", "name", "level", "type", "parent_code", "county_code")


class UnknownUnit(NotFound):
    """No org unit has this code."""

    code = "unknown_unit"


@dataclass(frozen=True)
class OrgUnit:
    """One unit of the hierarchy and the unit above it (None for the province)."""

    code: str
    name: str
    level: Level
    parent_code: str | None
    county_code: str | None


class Hierarchy:
    """Every org unit by code, its parent and children; ``origin``: where townships and villages came from."""

    def __init__(self, units: Iterable[OrgUnit], origin: str) -> None:
        self.units = {u.code: u for u in units}
        self.origin = origin
        self._children: dict[str, list[str]] = {}
        for unit in self.units.values():
            if unit.parent_code is not None:
                self._children.setdefault(unit.parent_code, []).append(unit.code)
        for codes in self._children.values():
            codes.sort()

    def get(self, code: str) -> OrgUnit:
        """The unit with this code; a clear error otherwise."""
        try:
            return self.units[code]
        except KeyError:
            raise UnknownUnit(f"no org unit {code!r} (loaded from {self.origin})", field="unit") from None

    def children(self, code: str) -> list[OrgUnit]:
        """Units directly under ``code``."""
        return [self.units[c] for c in self._children.get(code, [])]

    def ancestors(self, code: str) -> list[OrgUnit]:
        """The unit's parents, nearest first, up to the province."""
        found = []
        unit = self.get(code)
        while unit.parent_code is not None and unit.parent_code in self.units:
            unit = self.units[unit.parent_code]
            found.append(unit)
        return found

    def descendants(self, code: str) -> Iterator[OrgUnit]:
        """Every unit below ``code`` (depth first)."""
        for child in self.children(code):
            yield child
            yield from self.descendants(child.code)

    def contains(self, above: str, code: str) -> bool:
        """Whether ``code`` is ``above`` or lies below it."""
        return code == above or any(u.code == above for u in self.ancestors(code))

    def at_level(self, level: Level, under: str | None = None) -> list[OrgUnit]:
        """Units of one level (optionally only those under ``under``), ordered by code."""
        pool = self.units.values() if under is None else [self.get(under), *self.descendants(under)]
        return sorted((u for u in pool if u.level == level), key=lambda u: u.code)


def _geo_units(gazetteer: Gazetteer) -> list[OrgUnit]:
    units: list[OrgUnit] = []
    cities = gazetteer.cities()
    province = gazetteer.get(cities[0].parent_code or "") if cities else None
    if province is not None:
        units.append(OrgUnit(province.code, province.name, "province", None, None))
    for city in cities:
        units.append(OrgUnit(city.code, city.name, "city", city.parent_code, None))
    for county in gazetteer.counties():
        units.append(OrgUnit(county.code, county.name, "county", county.parent_code, county.code))
    return units


def _register_units(rows: Iterable[dict[str, str]], known: set[str], origin: str) -> list[OrgUnit]:
    """Townships and villages from register rows; each defect is an error naming the row."""
    units: list[OrgUnit] = []
    for n, row in enumerate(rows, start=2):
        code, level = (row.get("code") or "").strip(), (row.get("level") or "").strip()
        parent = (row.get("parent_code") or "").strip()
        where = f"{origin} line {n}"
        if level not in ("township", "village"):
            raise InvalidInput(f"{where}: level {level!r} must be township or village", field="level")
        width = 9 if level == "township" else 12
        if not (code.isdigit() and len(code) == width):
            raise InvalidInput(f"{where}: a {level} code has {width} digits, not {code!r}", field="code")
        if not code.startswith(parent) or parent not in known:
            raise InvalidInput(
                f"{where}: parent {parent!r} of {code} is not a known unit above it", field="parent_code"
            )
        county = code[:6]
        units.append(OrgUnit(code, (row.get("name") or code).strip(), level, parent, county))  # type: ignore[arg-type]
        known.add(code)
    return units


def _ordered(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    # Townships first, so that each village's parent is known when it is read.
    return sorted(rows, key=lambda r: ((r.get("level") or "") != "township", r.get("code") or ""))


def hierarchy_from_rows(gazetteer: Gazetteer, rows: list[dict[str, str]], origin: str) -> Hierarchy:
    """The hierarchy of the gazetteer's divisions and the given register rows."""
    geo = _geo_units(gazetteer)
    known = {u.code for u in geo if u.level == "county"}
    return Hierarchy([*geo, *_register_units(_ordered(rows), known, origin)], origin)


def load_csv(gazetteer: Gazetteer, path: Path) -> Hierarchy:
    """The hierarchy with townships and villages from a CSV file (UTF-8, the ``org_units`` columns)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in ("code", "level", "parent_code") if c not in (reader.fieldnames or [])]
            if missing:
                raise InvalidInput(f"{path.name}: missing columns {', '.join(missing)}", field="file")
            rows = list(reader)
    except OSError as exc:
        raise InvalidInput(f"cannot read org units from {path}: {exc.strerror}", field="file") from None
    return hierarchy_from_rows(gazetteer, rows, path.name)


def load_lake(gazetteer: Gazetteer, version: lake.Version) -> Hierarchy:
    """The hierarchy with townships and villages from a version of the lake's ``org_units``."""
    with duckdb.connect() as con:
        found = con.execute(lake.scan_sql(version, list(COLUMNS))).fetchall()
    rows = [{c: ("" if v is None else str(v)) for c, v in zip(COLUMNS, row, strict=True)} for row in found]
    return hierarchy_from_rows(gazetteer, rows, version.reference)


@lru_cache(maxsize=4)
def _cached(province: str, reference_date: date, csv_path: str | None, lake_root: str, snapshot: str) -> Hierarchy:
    gazetteer = load_gazetteer(province, reference_date)
    if csv_path is not None:
        return load_csv(gazetteer, Path(csv_path))
    version = lake.Lake(Path(lake_root)).require(DATASET, snapshot)
    return load_lake(gazetteer, version)


def load_hierarchy(settings: Settings) -> Hierarchy:
    """This install's hierarchy: ``survey_org_units`` if set, else the lake's ``org_units`` (cached)."""
    if settings.survey_org_units is not None:
        path = settings.survey_org_units
        stamp = str(path.stat().st_mtime_ns) if path.exists() else ""
        return _cached(settings.province, settings.reference_date, str(path), stamp, "")
    version = lake.get_lake(settings).current(DATASET)
    if version is None:
        raise NotFound(
            "the lake has no org_units dataset: ingest the township/village register "
            "(fugong hub ingest org_units FILE) or set survey_org_units to a CSV file",
            field="org_units",
        )
    return _cached(settings.province, settings.reference_date, None, str(settings.lake_path), version.snapshot_id)
