"""CertLogic values: truthy and falsy, strict equality, and the date-time values ``plusTime`` builds.

CertLogic data are JSON values (``None``, ``bool``, ``int``, ``str``, ``list``, ``dict``); date-times exist only
inside an evaluation, made by ``plusTime`` or ``dccDateOfBirth``, and are compared with ``after``/``before``.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

_MS_PER_HOUR = 3_600_000
_MS_PER_DAY = 24 * _MS_PER_HOUR
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
TIME_UNITS = ("year", "month", "day", "hour")

# YYYY, YYYY-MM, YYYY-MM-DD, optionally followed by a time with optional fraction and offset (spec 1.3.2 list).
_DATE_TIME = re.compile(
    r"(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2})"
    r"(?:T(?P<hour>\d{2}):(?P<minute>\d{2}):(?P<second>\d{2})(?:\.(?P<fraction>\d+))?"
    r"(?P<offset>Z|[+-]\d{1,2}(?::?\d{2})?)?)?)?)?"
)
_OFFSET = re.compile(r"([+-])(\d{1,2})(?::?(\d{2}))?")


class ValueProblem(ValueError):
    """A value of the wrong type or format; the evaluator turns it into a CertLogic error with a path."""


@dataclass(frozen=True, order=True, slots=True)
class DateTime:
    """A UTC instant with millisecond precision: the only kind of date-time CertLogic has."""

    ms: int

    def to_datetime(self) -> datetime:
        """The instant as an aware ``datetime`` in UTC."""
        return _EPOCH + timedelta(milliseconds=self.ms)

    def isoformat(self) -> str:
        """``YYYY-MM-DDThh:mm:ss.sssZ``, the way certlogic-js prints a date-time."""
        return self.to_datetime().strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"

    def __str__(self) -> str:
        return self.isoformat()


def _from_datetime(value: datetime) -> DateTime:
    return DateTime((value - _EPOCH) // timedelta(milliseconds=1))


def _last_day(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def parse_date_time(text: Any) -> DateTime:
    """Parse a date(-time) string as ``plusTime`` does: partial dates as ``dccDateOfBirth``, no offset means Z."""
    if not isinstance(text, str):
        raise ValueProblem(f"expected a date(-time) string, got {describe(text)}")
    match = _DATE_TIME.fullmatch(text)
    if match is None:
        raise ValueProblem(f"{text!r} is not a date(-time) in an allowed format")
    if match["month"] is None or match["day"] is None:
        return date_of_birth(text)
    offset = UTC
    if match["offset"] and match["offset"] != "Z":
        parsed = _OFFSET.fullmatch(match["offset"])
        assert parsed is not None  # the date-time pattern only lets valid offsets through
        sign, hours, minutes = parsed.groups()
        if int(hours) > 23 or int(minutes or 0) > 59:
            raise ValueProblem(f"{text!r} has an impossible time-zone offset")
        delta = timedelta(hours=int(hours), minutes=int(minutes or 0))
        offset = timezone(-delta if sign == "-" else delta)
    # Decimals beyond milliseconds are dropped: the spec rounds down to the millisecond.
    micro = int((match["fraction"] or "").ljust(3, "0")[:3]) * 1000
    try:
        value = datetime(
            int(match["year"]),
            int(match["month"]),
            int(match["day"]),
            int(match["hour"] or 0),
            int(match["minute"] or 0),
            int(match["second"] or 0),
            micro,
            tzinfo=offset,
        )
    except ValueError as exc:
        raise ValueProblem(f"{text!r} is not a valid date(-time): {exc}") from None
    return _from_datetime(value)


def date_of_birth(text: Any) -> DateTime:
    """``dccDateOfBirth``: YYYY → 31 Dec, YYYY-MM → the month's last day, YYYY-MM-DD as is; midnight UTC."""
    if not isinstance(text, str):
        raise ValueProblem(f"expected a date of birth string, got {describe(text)}")
    parts = text.split("-")
    if not (1 <= len(parts) <= 3) or not all(p.isdigit() and p.isascii() for p in parts):
        raise ValueProblem(f"{text!r} is not a date of birth of the form YYYY, YYYY-MM or YYYY-MM-DD")
    if [len(p) for p in parts] != [4, 2, 2][: len(parts)]:
        raise ValueProblem(f"{text!r} is not a date of birth of the form YYYY, YYYY-MM or YYYY-MM-DD")
    year = int(parts[0])
    month = int(parts[1]) if len(parts) > 1 else 12
    try:
        day = int(parts[2]) if len(parts) > 2 else _last_day(year, month)
        return _from_datetime(datetime(year, month, day, tzinfo=UTC))
    except (ValueError, calendar.IllegalMonthError):
        raise ValueProblem(f"{text!r} is not a valid date") from None


def plus_time(moment: DateTime, amount: int, unit: str) -> DateTime:
    """Add ``amount`` units in UTC, overflowing days like JavaScript's ``Date.setUTC*`` (29 Feb + 1 year → 1 Mar)."""
    if unit == "hour":
        return DateTime(moment.ms + amount * _MS_PER_HOUR)
    if unit == "day":
        return DateTime(moment.ms + amount * _MS_PER_DAY)
    if unit not in ("month", "year"):
        raise ValueProblem(f"unknown time unit {unit!r}; use one of {', '.join(TIME_UNITS)}")
    current = moment.to_datetime()
    months = current.month - 1 + (amount if unit == "month" else 12 * amount)
    year, month = current.year + months // 12, months % 12 + 1
    try:
        first = current.replace(year=year, month=month, day=1)
        return _from_datetime(first + timedelta(days=current.day - 1))
    except (ValueError, OverflowError):
        raise ValueProblem(f"adding {amount} {unit}(s) leaves the supported years") from None


def truthiness(value: Any) -> bool | None:
    """True when truthy, False when falsy, None when neither (date-times, non-integer numbers)."""
    if value is None or value is False:
        return False
    if value is True:
        return True
    if isinstance(value, int):
        return value != 0
    if isinstance(value, float):
        # JSON has one number type: 2.0 is the integer 2, while 2.5 is no CertLogic value at all.
        return value != 0 if value.is_integer() else None
    if isinstance(value, str | list | dict):
        return len(value) > 0
    return None


def is_integer(value: Any) -> bool:
    """An integer in the CertLogic sense: a JSON number without fraction (``2.0`` is one, a ``bool`` is not)."""
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


def strictly_equal(left: Any, right: Any) -> bool:
    """``===``: no coercion (1 is not "1", nor true); arrays and objects compare by content."""
    if isinstance(left, bool) or isinstance(right, bool) or left is None or right is None:
        return left is right
    if isinstance(left, int | float) and isinstance(right, int | float):
        return left == right
    if type(left) is not type(right):
        return False
    if isinstance(left, list):
        return len(left) == len(right) and all(strictly_equal(a, b) for a, b in zip(left, right, strict=True))
    if isinstance(left, dict):
        return left.keys() == right.keys() and all(strictly_equal(left[k], right[k]) for k in left)
    return bool(left == right)


def describe(value: Any) -> str:
    """A short description of a value for error messages: its type and, when small, the value itself."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, DateTime):
        return f"date-time {value}"
    if isinstance(value, int | float):
        return f"number {value}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"string {shown!r}"
    if isinstance(value, list):
        return f"array of {len(value)}"
    if isinstance(value, dict):
        return f"object with {len(value)} key(s)"
    return type(value).__name__
