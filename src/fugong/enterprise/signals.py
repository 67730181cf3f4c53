"""What the platform reads from other apps: county risk colours (riskmap) and electricity activity (power)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from fugong.errors import FugongError, NotFound
from fugong.settings import Settings


@dataclass(frozen=True)
class CountyColours:
    """Each county's risk colour on a day, and the grading it came from (empty when there is no case data)."""

    colours: dict[str, str] = field(default_factory=dict)
    day: date | None = None
    source: str = "no case data"

    def colour(self, county: str) -> str | None:
        """The county's colour (``red`` … ``green``), or None if unknown."""
        return self.colours.get(county)


@dataclass(frozen=True)
class PowerActivity:
    """Whether each enterprise's electricity shows activity, and the index snapshot it came from."""

    active: dict[str, bool] = field(default_factory=dict)
    source: str = "no power data"
    available: bool = False


def lake_colours(settings: Settings, day: date | None = None) -> CountyColours:
    """County colours on ``day`` (default: the last day of the case data) from the riskmap grading of the lake."""
    from fugong.riskmap.grading import on_day
    from fugong.riskmap.plugin import lake_grading

    try:
        grading = lake_grading(settings)
    except NotFound:
        return CountyColours()
    when = day or grading.table.last_day
    colours = {g.unit: g.level.colour for g in on_day(grading.grades, when)}
    return CountyColours(colours, when, f"{grading.table.origin} graded on {when.isoformat()}")


def lake_power(settings: Settings) -> PowerActivity:
    """Whether each enterprise's electricity shows activity on the last day of the lake's grid readings.

    Read from the power index over the lake (``fugong.power.lake``); an enterprise is active when one of its
    accounts counts as resumed. Without grid readings (or power users) in the lake: "no power data".
    """
    try:
        from fugong.power import lake as power_lake
    except ImportError:  # pragma: no cover - the power app is part of the platform
        return PowerActivity()
    try:
        snapshot = power_lake.current_snapshot(settings)
        day = power_lake.coverage(snapshot).last_day
        table = power_lake.lake_enterprises(settings, day)
    except FugongError:
        return PowerActivity()
    active: dict[str, bool] = {}
    for key, resumed in zip(table.rows["enterprise_key"], table.rows["resumed"], strict=True):
        if key:
            active[str(key)] = active.get(str(key), False) or bool(resumed)
    return PowerActivity(active, f"{table.parameters.snapshot} on {day.isoformat()}", True)


def lake_shortfalls(settings: Settings) -> tuple[list[dict[str, Any]], str]:
    """Enterprises on the power shortfall list on the last day of the readings (keys and names), and the source."""
    try:
        from fugong.power import lake as power_lake
    except ImportError:  # pragma: no cover
        return [], "no power data"
    try:
        snapshot = power_lake.current_snapshot(settings)
        day = power_lake.coverage(snapshot).last_day
        table = power_lake.lake_shortfalls(settings, day)
    except FugongError:
        return [], "no power data"
    rows = [
        {"enterprise_key": str(k), "name": str(n)}
        for k, n in zip(table.rows["enterprise_id"], table.rows["name"], strict=True)
    ]
    return rows, f"{table.parameters.snapshot} on {day.isoformat()}"
