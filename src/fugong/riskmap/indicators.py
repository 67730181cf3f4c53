"""The grading's indicators per unit and day: cumulative and recent cases, local share, clusters, quiet days."""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

from fugong.riskmap.cases import CaseDataError, CaseDay, CaseTable

SHORT_WINDOW = 7  # days in new_7d (the day itself and the six before)
LONG_WINDOW = 14  # days in new_14d and clusters_14d: one incubation period
NAMES = (
    "cumulative_confirmed",
    "new_7d",
    "new_14d",
    "local_share",
    "clusters",
    "clusters_14d",
    "days_without_new",
)


@dataclass(frozen=True)
class Indicators:
    """One unit on one day.

    ``cumulative_confirmed``: confirmed to date less those taken off the count (累计确诊); ``new_7d``/``new_14d``:
    new confirmed in the last 7/14 days, that day included; ``local_share``: local cases (本地病例) among all
    confirmed to date, cases of unknown origin counted local; ``clusters``/``clusters_14d``: clusters to date /
    first seen in the last 14 days; ``days_without_new``: consecutive days up to this one without a new confirmed
    case (0 on a day with one), None if the unit never had a case.
    """

    unit: str
    day: date
    new_confirmed: int
    cumulative_confirmed: int
    new_7d: int
    new_14d: int
    local_share: Fraction
    clusters: int
    clusters_14d: int
    days_without_new: int | None

    @property
    def never_a_case(self) -> bool:
        """True when the unit has never had a confirmed case up to this day."""
        return self.days_without_new is None

    def value(self, name: str) -> int | Fraction | None:
        """An indicator by its name (one of NAMES)."""
        if name not in NAMES:
            raise KeyError(name)
        result: int | Fraction | None = getattr(self, name)
        return result


def _days(start: date, end: date) -> Iterator[date]:
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def unit_series(unit: str, rows: Iterable[CaseDay], first: date, start: date, end: date) -> list[Indicators]:
    """Indicators of one unit for every day from ``start`` to ``end``, from its rows since ``first``."""
    by_day = {r.day: r for r in rows}
    out: list[Indicators] = []
    cumulative = gross = local = clusters = 0
    short: deque[int] = deque([0] * SHORT_WINDOW, maxlen=SHORT_WINDOW)
    long: deque[int] = deque([0] * LONG_WINDOW, maxlen=LONG_WINDOW)
    long_clusters: deque[int] = deque([0] * LONG_WINDOW, maxlen=LONG_WINDOW)
    quiet: int | None = None
    for day in _days(first, end):
        row = by_day.get(day)
        new = row.new_confirmed if row else 0
        new_clusters = row.new_clusters if row else 0
        if row:
            cumulative += row.new_confirmed - row.removed
            gross += row.new_confirmed
            # A row without the local/imported split counts its cases as local: the cautious reading.
            local += row.new_confirmed if row.new_local is None else row.new_local
            clusters += row.new_clusters
        short.append(new)
        long.append(new)
        long_clusters.append(new_clusters)
        if new > 0:
            quiet = 0
        elif quiet is not None:
            quiet += 1
        if day >= start:
            out.append(
                Indicators(
                    unit=unit,
                    day=day,
                    new_confirmed=new,
                    cumulative_confirmed=cumulative,
                    new_7d=sum(short),
                    new_14d=sum(long),
                    local_share=Fraction(local, gross) if gross else Fraction(0),
                    clusters=clusters,
                    clusters_14d=sum(long_clusters),
                    days_without_new=quiet,
                )
            )
    return out


def compute(table: CaseTable, units: Sequence[str], start: date, end: date) -> dict[str, list[Indicators]]:
    """Indicators of every unit in ``units`` (with or without cases) for each day from ``start`` to ``end``."""
    if end < start:
        raise CaseDataError(f"the period ends ({end}) before it starts ({start})", field="end")
    table.check_day(start, "start")
    table.check_day(end, "end")
    rows: dict[str, list[CaseDay]] = defaultdict(list)
    for row in table.rows:
        rows[row.unit].append(row)
    return {unit: unit_series(unit, rows.get(unit, ()), table.first_day, start, end) for unit in units}
