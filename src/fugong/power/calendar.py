"""Working days, holidays and make-up days (chinese-calendar), and alignment by days from Chinese New Year.

chinese-calendar knows the State Council's holiday arrangements for 2004–2026 only; the dates of Chinese New Year
come from :mod:`fugong.lunar`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar

from fugong.errors import InvalidInput
from fugong.lunar import NEW_YEAR


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
