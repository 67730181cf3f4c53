"""Working days, holidays and make-up days (chinese-calendar), and alignment by days from Chinese New Year.

chinese-calendar knows the State Council's holiday arrangements for 2004–2026 only and has no lunar
calendar, so the dates of Chinese New Year (正月初一) are listed here; they are astronomical facts as
published by the Purple Mountain Observatory (紫金山天文台) and the Hong Kong Observatory.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar

from fugong.errors import InvalidInput

NEW_YEAR: dict[int, date] = {
    2003: date(2003, 2, 1),
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
    2027: date(2027, 2, 6),
}


class CalendarOutOfRange(InvalidInput):
    """A day outside the years whose holiday arrangements or New Year dates are known."""

    code = "calendar_out_of_range"


def nearest_new_year(day: date) -> date:
    """The Chinese New Year nearest to ``day`` (before or after it)."""
    if not min(NEW_YEAR.values()) <= day <= max(NEW_YEAR.values()):
        raise CalendarOutOfRange(
            f"{day.isoformat()}: Chinese New Year dates are known for {min(NEW_YEAR)}–{max(NEW_YEAR)} only",
            field="day",
        )
    known = [NEW_YEAR[y] for y in (day.year - 1, day.year, day.year + 1) if y in NEW_YEAR]
    return min(known, key=lambda c: (abs((day - c).days), c))


def days_from_new_year(day: date) -> int:
    """Days from the nearest Chinese New Year: 0 on 正月初一, negative before it (腊月), positive after."""
    return (day - nearest_new_year(day)).days


def lunar_aligned(day: date, years_back: int = 1) -> tuple[date, tuple[date, date]]:
    """The day ``years_back`` lunar years earlier at the same distance from Chinese New Year, and both New Years."""
    new_year = nearest_new_year(day)
    earlier = NEW_YEAR.get(new_year.year - years_back)
    if earlier is None:
        raise CalendarOutOfRange(
            f"{day.isoformat()}: no Chinese New Year date known for {new_year.year - years_back}", field="day"
        )
    return earlier + (day - new_year), (new_year, earlier)


@dataclass(frozen=True)
class DayFlags:
    """What kind of day it was under the State Council's arrangements."""

    day: date
    working_day: bool
    holiday: bool  # a statutory holiday or a day off in lieu (not a plain weekend)
    makeup_day: bool  # a weekend day made a working day (调休补班)
    holiday_name: str
    days_from_new_year: int


def day_flags(day: date) -> DayFlags:
    """Flags of one day; a clear error outside 2004–2026, which chinese-calendar does not cover."""
    try:
        working = chinese_calendar.is_workday(day)
        is_holiday, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        raise CalendarOutOfRange(
            f"{day.isoformat()}: working-day and holiday flags are known for 2004–2026 only "
            "(chinese-calendar); choose days inside those years",
            field="day",
        ) from None
    makeup = working and day.weekday() >= 5
    statutory = bool(is_holiday and name)
    return DayFlags(day, working, statutory, makeup, name or "", days_from_new_year(day))


def days_between(first: date, last: date) -> list[date]:
    """Every calendar day from ``first`` to ``last`` inclusive."""
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]
