"""The calendar of the load: working days, holidays, make-up days (chinese-calendar), Spring Festivals, seasons."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar
import numpy as np

# Lunar New Year's Day (正月初一), 2004–2026: the Spring Festival dip is centred on it.
LUNAR_NEW_YEAR = {
    2004: date(2004, 1, 22),
    2005: date(2005, 2, 9),
    2006: date(2006, 1, 29),
    2007: date(2007, 2, 18),
    2008: date(2008, 2, 7),
    2009: date(2009, 1, 26),
    2010: date(2010, 2, 14),
    2011: date(2011, 2, 3),
    2012: date(2012, 1, 23),
    2013: date(2013, 2, 10),
    2014: date(2014, 1, 31),
    2015: date(2015, 2, 19),
    2016: date(2016, 2, 8),
    2017: date(2017, 1, 28),
    2018: date(2018, 2, 16),
    2019: date(2019, 2, 5),
    2020: date(2020, 1, 25),
    2021: date(2021, 2, 12),
    2022: date(2022, 2, 1),
    2023: date(2023, 1, 22),
    2024: date(2024, 2, 10),
    2025: date(2025, 1, 29),
    2026: date(2026, 2, 17),
}
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
        near = [(d - LUNAR_NEW_YEAR[y]).days for y in (d.year - 1, d.year, d.year + 1) if y in LUNAR_NEW_YEAR]
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
