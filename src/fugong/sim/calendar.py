"""The calendar of the load: working days, holidays, make-up days (chinese-calendar), Spring Festivals, seasons."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar
import numpy as np

from fugong.lunar import NEW_YEAR

EPIDEMIC_FROM = date(2020, 1, 25)  # from Lunar New Year 2020 the epidemic shutdown replaces the usual festival
BASELINE_FROM, BASELINE_TO = date(2019, 12, 1), date(2019, 12, 31)


@dataclass(frozen=True)
class Calendar:
    """Day-by-day facts of a period, as arrays aligned with ``days``."""

    days: list[date]
    workday: np.ndarray  # bool: a working day (make-up Saturdays and Sundays included)
    holiday: np.ndarray  # bool: an official holiday
    season: np.ndarray  # float: seasonal factor (winter heating, summer cooling)
    festival_offset: np.ndarray  # int: days from the nearest Lunar New Year (outside ±40: 99)

    def index(self, day: date) -> int | None:
        """Position of a day in the period, or None."""
        offset = (day - self.days[0]).days
        return offset if 0 <= offset < len(self.days) else None

    def positions(self, first: date, last: date) -> np.ndarray:
        """Positions of the days first..last that lie in the period."""
        return np.array([i for i, d in enumerate(self.days) if first <= d <= last], dtype=np.int64)


def build_calendar(start: date, end: date) -> Calendar:
    """The calendar of ``start``..``end`` (both inside 2004–2026)."""
    days = [start + timedelta(days=k) for k in range((end - start).days + 1)]
    workday = np.array([chinese_calendar.is_workday(d) for d in days], dtype=bool)
    holiday = np.array([chinese_calendar.is_holiday(d) and d.weekday() < 5 for d in days], dtype=bool)
    doy = np.array([d.timetuple().tm_yday for d in days], dtype=float)
    season = 1 + 0.03 * np.cos(2 * np.pi * (doy - 15) / 365.25) + 0.05 * np.cos(4 * np.pi * (doy - 200) / 365.25)
    offsets = []
    for d in days:
        near = [(d - NEW_YEAR[y]).days for y in (d.year - 1, d.year, d.year + 1) if y in NEW_YEAR]
        best = min(near, key=abs) if near else 99
        offsets.append(best if abs(best) <= 40 else 99)
    return Calendar(days, workday, holiday, season, np.array(offsets, dtype=np.int64))


def festival_factor(offset: np.ndarray, depth: np.ndarray) -> np.ndarray:
    """Load factor around a Spring Festival (offset in days from Lunar New Year; depth 0 none .. 1 full stop).

    Workers leave in the week before, factories stand still for the holiday and come back over the next two weeks.
    """
    k = offset.astype(float)
    dip = np.select(
        [k < -15, k < -7, k < 0, k <= 6, k <= 15, k <= 22],
        [
            0.0,
            0.25 * (k + 15) / 8,
            0.25 + 0.55 * (k + 7) / 7,
            0.85,
            0.85 - 0.65 * (k - 6) / 9,
            0.2 - 0.2 * (k - 15) / 7,
        ],
        default=0.0,
    )
    return np.asarray(1.0 - np.clip(dip, 0.0, 1.0) * depth)
