"""Dates of Chinese New Year (正月初一), 2003–2027: the anchor of the Spring Festival in every feed and index.

chinese-calendar knows the State Council's holiday arrangements but has no lunar calendar, so the dates are listed
here; they are astronomical facts as published by the Purple Mountain Observatory (紫金山天文台) and the Hong Kong
Observatory.
"""

from __future__ import annotations

from datetime import date

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
