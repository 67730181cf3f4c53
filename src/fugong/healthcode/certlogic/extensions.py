"""Fugong's domain operations on top of CertLogic: whole days between calendar dates.

These are *not* CertLogic: the official suite runs without them, and an expression using them is only valid where
extensions are switched on (colour rule sets). CertLogic's own date-times are UTC instants, fine for "18 years
before this certificate was scanned" but awkward for health codes, which count calendar days in China
(Asia/Shanghai) and store dates as ``YYYY-MM-DD``. Every operation here takes and returns such date strings or
integers, so results stay plain JSON, and a ``null`` operand gives ``null`` (falsy) instead of an error, so rules
need no guards for facts a person does not have.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from fugong.healthcode.certlogic.values import ValueProblem, describe, is_integer

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Extension:
    """One domain operation: its name, how many operands it takes, and what it computes."""

    name: str
    min_operands: int
    max_operands: int | None
    apply: Callable[[list[Any]], Any]
    summary: str


@lru_cache(maxsize=4096)
def _parse(text: str) -> date:
    if not _ISO_DATE.fullmatch(text):
        raise ValueProblem(f"{text!r} is not a date of the form YYYY-MM-DD")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueProblem(f"{text!r} is not a valid date") from None


def as_date(value: Any, what: str) -> date | None:
    """A ``YYYY-MM-DD`` operand as a date; ``null`` stays ``None``; anything else is an error naming ``what``."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueProblem(f"{what} must be a date string YYYY-MM-DD, got {describe(value)}")
    return _parse(value)


def _as_int(value: Any, what: str) -> int:
    if not is_integer(value):
        raise ValueProblem(f"{what} must be an integer, got {describe(value)}")
    return int(value)


def _days_between(operands: list[Any]) -> int | None:
    start, end = as_date(operands[0], "the first date"), as_date(operands[1], "the second date")
    if start is None or end is None:
        return None
    return (end - start).days


def _within_days(operands: list[Any]) -> bool | None:
    day, reference = as_date(operands[0], "the date"), as_date(operands[1], "the reference date")
    days = _as_int(operands[2], "the number of days")
    if day is None or reference is None:
        return None
    # "Within the last 14 days" of 15 Feb: 2 Feb … 15 Feb, i.e. 0 ≤ reference − day < 14.
    return 0 <= (reference - day).days < days


def _add_days(operands: list[Any]) -> str | None:
    day = as_date(operands[0], "the date")
    days = _as_int(operands[1], "the number of days")
    if day is None:
        return None
    try:
        return (day + timedelta(days=days)).isoformat()
    except OverflowError:
        raise ValueProblem(f"adding {days} days to {day} leaves the supported years") from None


def _latest_date(operands: list[Any]) -> str | None:
    days = [d for i, value in enumerate(operands) if (d := as_date(value, f"operand {i + 1}")) is not None]
    return max(days).isoformat() if days else None


DOMAIN_EXTENSIONS: Mapping[str, Extension] = {
    e.name: e
    for e in (
        Extension("daysBetween", 2, 2, _days_between, "whole days from the first date to the second (may be < 0)"),
        Extension("withinDays", 3, 3, _within_days, "whether 0 ≤ reference − date < n days"),
        Extension("addDays", 2, 2, _add_days, "the date n days later (n may be negative)"),
        Extension("latestDate", 1, None, _latest_date, "the latest of the dates that are not null"),
    )
}
