"""What the faces call: grade a case file for a day or a period, with the units, the rows and the parameters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from fugong.errors import InvalidInput
from fugong.geo import Gazetteer
from fugong.riskmap.cases import CaseTable
from fugong.riskmap.changes import Change, changed
from fugong.riskmap.grading import Grade, GradingConfig, grade_all, on_day, score_text
from fugong.riskmap.indicators import compute
from fugong.riskmap.readers import read_cases, read_records


@dataclass(frozen=True)
class Units:
    """The units graded (codes and names), and codes whose cases are counted above them and left out."""

    names: dict[str, str]
    set_aside: tuple[str, ...] = ()
    kind: str = "county"


def county_units(gazetteer: Gazetteer) -> Units:
    """The province's counties; cases counted under the province itself (e.g. 330000) are set aside."""
    names = {d.code: d.name for d in gazetteer.counties()}
    province = {gazetteer.parent(gazetteer.parent(d)).code for d in gazetteer.counties()}
    return Units(names, tuple(sorted(province)))


def units_from_file(path: Path) -> Units:
    """Units from a CSV/Parquet file with ``code`` and ``name`` (e.g. the org_units townships: level township)."""
    header, records = read_records(path)
    if "code" not in header or "name" not in header:
        raise InvalidInput(f"{path.name}: a units file needs code and name columns", field="units")
    rows = [r for r in records if r.values.get("level", "township") in ("township", "")]
    if not rows:
        raise InvalidInput(f"{path.name}: no units in the file", field="units")
    return Units({r.values["code"]: r.values["name"] for r in rows}, (), "unit")


@dataclass(frozen=True)
class Grading:
    """Grades of a period with what made them: the table's origin and span, and the configuration."""

    grades: list[Grade]
    table: CaseTable
    units: Units
    config: GradingConfig

    def parameters(self) -> dict[str, Any]:
        """Every input of the figures: the case file, the span it covers, the units, the configuration."""
        return {
            "cases": self.table.origin,
            "cases_cover": [self.table.first_day.isoformat(), self.table.last_day.isoformat()],
            "units": len(self.units.names),
            "set_aside": dict(self.table.outside_units),
            "grading": self.config.as_dict(),
        }


def grade_file(
    cases: Path | None, units: Units, start: date, end: date, config: GradingConfig | None = None
) -> Grading:
    """Read a case file and grade every unit on every day from ``start`` to ``end``."""
    if cases is None:
        raise InvalidInput(
            "no case data: give --cases PATH (a cdc_cases line list or a county,day,new_confirmed table), "
            "or grade the lake's cdc_cases (fugong riskmap grade without --cases)",
            field="cases",
        )
    config = config or GradingConfig()
    table = read_cases(cases, units=units.names, set_aside=units.set_aside)
    series = compute(table, sorted(units.names), start, end)
    return Grading(grade_all(series, config), table, units, config)


def grade_rows(grading: Grading, day: date) -> list[dict[str, Any]]:
    """One row per unit on ``day``: code, name, level, colour, score, the indicators, and the rule applied."""
    rows = []
    for g in on_day(grading.grades, day):
        i = g.indicators
        rows.append(
            {
                "code": g.unit,
                "name": grading.units.names[g.unit],
                "level": g.level.name_zh,
                "colour": g.level.colour,
                "score": score_text(g.score),
                "cumulative_confirmed": i.cumulative_confirmed,
                "new_7d": i.new_7d,
                "new_14d": i.new_14d,
                "local_share": score_text(i.local_share, 3),
                "clusters": i.clusters,
                "clusters_14d": i.clusters_14d,
                "days_without_new": "" if i.days_without_new is None else i.days_without_new,
                "base_colour": g.base_level.colour,
                "reason": g.reason,
            }
        )
    return rows


def changes_on(grading: Grading, day: date) -> list[Change]:
    """Units whose colour on ``day`` differs from the day before (the grading must cover both days)."""
    return changed(on_day(grading.grades, day - timedelta(days=1)), on_day(grading.grades, day), grading.config)
