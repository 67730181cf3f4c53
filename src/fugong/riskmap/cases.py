"""Daily case counts per unit (county or town): the one table the grading reads, checked on the way in."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from fugong.errors import InvalidInput


class CaseDataError(InvalidInput):
    """Case data the grading cannot use: a negative count, an unknown unit, a day outside the data."""

    code = "invalid_case_data"


@dataclass(frozen=True)
class CaseDay:
    """What one unit reported on one day; a unit-day without a row reported nothing new.

    ``new_local`` and ``new_imported`` split ``new_confirmed`` when the source says where cases came from (None:
    not known); ``new_clusters`` counts clusters (聚集性疫情) first seen in the unit that day; ``removed`` counts
    cases taken off the unit's count that day (核减), so that ``new_confirmed`` is never negative.
    """

    unit: str
    day: date
    new_confirmed: int
    new_local: int | None = None
    new_imported: int | None = None
    new_clusters: int = 0
    removed: int = 0
    source: str = ""  # where the row came from (file and line), for error messages


@dataclass(frozen=True)
class CaseTable:
    """Checked case rows, the span of days the data covers, and where they came from."""

    rows: tuple[CaseDay, ...]
    first_day: date
    last_day: date
    origin: str = ""
    outside_units: Mapping[str, int] = field(default_factory=dict)  # rows left out (e.g. province-level), by unit

    def units(self) -> set[str]:
        """Every unit with at least one row."""
        return {r.unit for r in self.rows}

    def check_day(self, day: date, option: str = "date") -> None:
        """Fail clearly when ``day`` lies outside the days the data covers."""
        if not self.first_day <= day <= self.last_day:
            raise CaseDataError(
                f"{option} {day} is outside the case data, which covers {self.first_day} … {self.last_day}"
                + (f" ({self.origin})" if self.origin else ""),
                field=option,
            )


def _where(row: CaseDay) -> str:
    return f"{row.source}: " if row.source else f"{row.unit} {row.day}: "


def check_row(row: CaseDay) -> None:
    """Fail on a count that cannot be right: negative, or local and imported not adding up to the confirmed."""
    counts = {
        "new_confirmed": row.new_confirmed,
        "new_local": row.new_local,
        "new_imported": row.new_imported,
        "new_clusters": row.new_clusters,
        "removed": row.removed,
    }
    for name, value in counts.items():
        if value is not None and value < 0:
            hint = " (put cases taken off the count in 'removed')" if name == "new_confirmed" else ""
            raise CaseDataError(f"{_where(row)}{name} is {value}; counts cannot be negative{hint}", field=name)
    if (row.new_local is None) != (row.new_imported is None):
        raise CaseDataError(f"{_where(row)}give both new_local and new_imported, or neither", field="new_local")
    if (
        row.new_local is not None
        and row.new_imported is not None
        and row.new_local + row.new_imported != row.new_confirmed
    ):
        raise CaseDataError(
            f"{_where(row)}new_local {row.new_local} + new_imported {row.new_imported} is not new_confirmed "
            f"{row.new_confirmed}",
            field="new_local",
        )


def build_table(
    rows: Iterable[CaseDay],
    *,
    units: Iterable[str] | None = None,
    set_aside: Iterable[str] = (),
    first_day: date | None = None,
    last_day: date | None = None,
    origin: str = "",
) -> CaseTable:
    """Check ``rows`` and gather them into a table.

    ``units``: the units that may appear (None: any); a row of another unit is an error naming it, except units in
    ``set_aside`` (such as the province code 330000, under which cases without a county are counted), which are left
    out and counted. One unit has at most one row a day. The span defaults to the first and last day of a row.
    """
    allowed = None if units is None else set(units)
    aside = set(set_aside)
    merged: dict[tuple[str, date], CaseDay] = {}
    outside: dict[str, int] = {}
    unknown: dict[str, str] = {}
    days: list[date] = []
    for row in rows:
        check_row(row)
        days.append(row.day)
        if row.unit in aside:
            outside[row.unit] = outside.get(row.unit, 0) + row.new_confirmed
            continue
        if allowed is not None and row.unit not in allowed:
            unknown.setdefault(row.unit, row.source)
            continue
        key = (row.unit, row.day)
        if key in merged:
            raise CaseDataError(
                f"{_where(row)}a second row for unit {row.unit} on {row.day}"
                + (f" (first at {merged[key].source})" if merged[key].source else ""),
                field="day",
            )
        merged[key] = row
    if unknown:
        listed = ", ".join(f"{code!r}" + (f" ({where})" if where else "") for code, where in sorted(unknown.items()))
        raise CaseDataError(f"unknown unit code(s), not among the units graded: {listed}", field="unit")
    if not days and (first_day is None or last_day is None):
        raise CaseDataError("the case data has no rows" + (f" ({origin})" if origin else ""))
    start = first_day or min(days)
    end = last_day or max(days)
    if end < start:
        raise CaseDataError(f"the case data ends ({end}) before it starts ({start})")
    return CaseTable(tuple(sorted(merged.values(), key=lambda r: (r.unit, r.day))), start, end, origin, outside)
