"""Pre-fill (预填): figures the hub already knows, so nobody is asked for them again; each names its snapshots.

* ``returnees``: residents of the unit (the population register's 现住村社区) whom an employer lists as back from
  outside the province on or before the day;
* ``home_observation``: residents of the unit under home observation on the day (the CDC's contact list).

A worker confirms or corrects the figure; a correction is kept as a data-quality signal and never changes the hub.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb

from fugong.hub import lake
from fugong.settings import Settings
from fugong.survey.definitions import FormDefinition

OBSERVATION_DAYS = 14  # a contact's observation when the list gives no end date
_INPUTS = {"returnees": ("persons", "employees"), "home_observation": ("persons", "cdc_contacts")}


@dataclass(frozen=True)
class Prefilled:
    """A figure from the hub and the lake snapshots it was computed from."""

    value: Any
    source: str

    def as_json(self) -> dict[str, Any]:
        return {"value": self.value, "source": self.source}


def _sql(kind: str, views: dict[str, str]) -> str:
    """Distinct persons per 现住村社区 (community code) on ``$day``."""
    persons = f"(SELECT person_key, community_code FROM ({views['persons']}) WHERE community_code IS NOT NULL)"
    if kind == "returnees":
        return (
            f"SELECT p.community_code, count(DISTINCT e.person_key) FROM ({views['employees']}) e JOIN {persons} p "
            "ON e.person_key = p.person_key WHERE e.returned_from_outside AND e.arrived_on <= $day GROUP BY 1"
        )
    return (
        f"SELECT p.community_code, count(DISTINCT c.person_key) FROM ({views['cdc_contacts']}) c JOIN {persons} p "
        "ON c.person_key = p.person_key WHERE c.observation_from <= $day "
        "AND $day <= coalesce(c.observation_to, c.observation_from + $days) GROUP BY 1"
    )


@lru_cache(maxsize=64)
def _counts(kind: str, lake_root: str, snapshots: tuple[str, ...], day: date) -> dict[str, int]:
    """Counts for every community on one day, read once per snapshot and day (a form page asks for one unit)."""
    store = lake.Lake(Path(lake_root))
    views = {name: lake.scan_sql(store.require(name, sid)) for name, sid in zip(_INPUTS[kind], snapshots, strict=True)}
    params: dict[str, object] = {"day": day}
    if kind == "home_observation":
        params["days"] = timedelta(days=OBSERVATION_DAYS)
    with duckdb.connect() as con:
        return {str(code): int(n) for code, n in con.execute(_sql(kind, views), params).fetchall()}


def _count(kind: str, lake_root: str, snapshots: tuple[str, ...], unit: str, day: date) -> int:
    """The count for a village, or summed over the villages of a township."""
    return sum(n for code, n in _counts(kind, lake_root, snapshots, day).items() if code.startswith(unit))


def prefill(settings: Settings, form: FormDefinition, unit_code: str, period: date) -> dict[str, Prefilled]:
    """Hub figures for the form's pre-filled fields (a field whose inputs the lake lacks gets none)."""
    found: dict[str, Prefilled] = {}
    store = lake.get_lake(settings)
    for f in form.fields():
        if f.prefill is None:
            continue
        versions = [store.current(name) for name in _INPUTS[f.prefill]]
        if any(v is None or not v.rows for v in versions):
            continue
        snapshots = tuple(v.snapshot_id for v in versions if v is not None)
        value = _count(f.prefill, str(settings.lake_path), snapshots, unit_code, period)
        source = "+".join(v.reference for v in versions if v is not None)
        found[f.id] = Prefilled(value, f"{f.prefill}: {source}")
    return found
