"""Day flags from chinese-calendar and alignment by days from Chinese New Year."""

from __future__ import annotations

from datetime import date

import chinese_calendar
import pytest

from fugong.lunar import NEW_YEAR
from fugong.power.calendar import CalendarOutOfRange, day_flags, days_from_new_year, lunar_aligned


def test_every_new_year_date_falls_in_that_year_s_spring_festival_holiday() -> None:
    for year, new_year in NEW_YEAR.items():
        if 2004 <= year <= 2026:
            assert chinese_calendar.get_holiday_detail(new_year) == (True, "Spring Festival"), year


def test_flags_of_the_2016_and_2020_festivals() -> None:
    eve = day_flags(date(2016, 2, 7))
    assert (eve.working_day, eve.holiday, eve.holiday_name, eve.days_from_new_year) == (
        False,
        True,
        "Spring Festival",
        -1,
    )
    makeup = day_flags(date(2016, 2, 6))  # a Saturday worked before the holiday
    assert (makeup.working_day, makeup.makeup_day, makeup.holiday) == (True, True, False)
    weekend = day_flags(date(2016, 3, 5))
    assert (weekend.working_day, weekend.holiday, weekend.makeup_day) == (False, False, False)
    assert day_flags(date(2020, 1, 19)).makeup_day
    assert day_flags(date(2020, 2, 10)).working_day


def test_days_outside_chinese_calendar_years_are_a_clear_error() -> None:
    with pytest.raises(CalendarOutOfRange, match="2004–2026 only"):
        day_flags(date(2027, 1, 4))
    with pytest.raises(CalendarOutOfRange, match="2003–2027"):
        days_from_new_year(date(2002, 6, 1))


def test_alignment_keeps_the_distance_from_new_year() -> None:
    assert lunar_aligned(date(2016, 2, 8))[0] == date(2015, 2, 19)
    assert lunar_aligned(date(2020, 2, 19))[0] == date(2019, 3, 2)  # 25 days after New Year
    assert days_from_new_year(date(2015, 12, 1)) == -69  # counts towards the coming New Year
    assert lunar_aligned(date(2015, 12, 1))[0] == date(2014, 12, 12)
