"""Parameters of the electricity resumption index (企业复工电力指数) and its exact threshold arithmetic.

Every figure the index produces carries a :class:`Parameters` record: baseline window, threshold, variant,
view, levels, days and the inputs it read, so that it can be reproduced and explained.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from fractions import Fraction
from pathlib import Path
from typing import Any

from fugong.errors import InvalidInput

# Readings are held as whole watt-hours (0.001 kWh) so that sums and the threshold test are exact integers;
# these bounds keep q·n·Wh and p·S far inside 64-bit integers on every engine.
WH_PER_KWH = 1000
MAX_KWH_PER_DAY = 100_000_000
MAX_THRESHOLD_DECIMALS = 4


class PowerInputError(InvalidInput):
    """A readings, users, links or workforce file, or a parameter, that the index cannot use."""

    code = "power_input"


class Variant(StrEnum):
    """How the production share (复产率) is counted."""

    zhejiang = "zhejiang"  # kWh of resumed users only, as State Grid Zhejiang published it
    all = "all"  # kWh of every user in the population


class View(StrEnum):
    """What a "user" is: a power account (户号), or an enterprise with all its accounts summed."""

    accounts = "accounts"
    enterprises = "enterprises"


@dataclass(frozen=True)
class Ratio:
    """A non-negative decimal ratio such as 0.3, kept as the exact fraction p/q."""

    text: str
    numerator: int
    denominator: int

    @classmethod
    def parse(cls, text: str, option: str) -> Ratio:
        """Read a decimal like ``0.3`` (at most four decimals, above 0 and at most 10)."""
        try:
            value = Decimal(text.strip())
        except InvalidOperation:
            raise PowerInputError(f"{option}: {text!r} is not a decimal number such as 0.3", field=option) from None
        if not value.is_finite() or value <= 0 or value > 10:
            raise PowerInputError(f"{option}: {text!r} must be above 0 and at most 10", field=option)
        exponent = value.normalize().as_tuple().exponent
        if isinstance(exponent, int) and -exponent > MAX_THRESHOLD_DECIMALS:
            raise PowerInputError(f"{option}: {text!r} has more than {MAX_THRESHOLD_DECIMALS} decimals", field=option)
        fraction = Fraction(value)
        return cls(str(value.normalize()), fraction.numerator, fraction.denominator)

    def reached(self, kwh: int | Decimal, days: int, total: int | Decimal) -> bool:
        """Exact test kWh ≥ ratio × total/days, i.e. q·n·kWh ≥ p·S: no float rounding decides a tie."""
        return self.denominator * days * kwh >= self.numerator * total


@dataclass(frozen=True)
class BaselineWindow:
    """The days whose mean daily kWh is a user's baseline, and the rule that chose them."""

    start: date
    end: date
    rule: str  # "window", "quarter" or "lunar"
    spec: str
    aligned_new_years: tuple[date, date] | None = None  # (this year's, previous year's) for the lunar rule

    @property
    def days(self) -> int:
        """Number of calendar days in the window."""
        return (self.end - self.start).days + 1

    def describe(self) -> str:
        """One line for people: the dates and, for the lunar rule, the alignment."""
        text = f"{self.start.isoformat()}..{self.end.isoformat()}"
        if self.aligned_new_years:
            this, previous = self.aligned_new_years
            text += f" (lunar-aligned: Chinese New Year {this.isoformat()} ↔ {previous.isoformat()})"
        return text


_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")
_QUARTER = re.compile(r"^(\d{4})[Qq]([1-4])$")


def parse_range(text: str, option: str) -> tuple[date, date]:
    """``YYYY-MM-DD..YYYY-MM-DD`` as two dates, the first not after the second."""
    match = _RANGE.match(text.strip())
    if not match:
        raise PowerInputError(f"{option}: {text!r} is not a range like 2019-12-01..2019-12-31", field=option)
    try:
        start, end = date.fromisoformat(match[1]), date.fromisoformat(match[2])
    except ValueError as exc:
        raise PowerInputError(f"{option}: {text!r}: {exc}", field=option) from None
    if start > end:
        raise PowerInputError(f"{option}: {text!r} ends before it starts", field=option)
    return start, end


def parse_baseline(text: str, first_day: date | None = None, last_day: date | None = None) -> BaselineWindow:
    """Read ``--baseline``: a date range, a quarter (``2019Q4``), ``lunar`` or ``lunar:START..END``.

    ``lunar`` takes the days being indexed (``first_day..last_day``) and moves them to the previous year so
    that each keeps its distance from Chinese New Year; ``lunar:START..END`` does the same for a given range.
    """
    from fugong.power.calendar import lunar_aligned

    spec = text.strip()
    quarter = _QUARTER.match(spec)
    if quarter:
        year, number = int(quarter[1]), int(quarter[2])
        start = date(year, 3 * number - 2, 1)
        end = (date(year + 1, 1, 1) if number == 4 else date(year, 3 * number + 1, 1)) - timedelta(days=1)
        return BaselineWindow(start, end, "quarter", spec)
    if spec.lower().startswith("lunar"):
        rest = spec[len("lunar") :]
        if rest.startswith(":"):
            first, last = parse_range(rest[1:], "--baseline")
        elif rest == "" and first_day is not None and last_day is not None:
            first, last = first_day, last_day
        else:
            raise PowerInputError(
                "--baseline lunar needs --from and --to (or give lunar:START..END)", field="--baseline"
            )
        start, new_years = lunar_aligned(first)
        end, _ = lunar_aligned(last)
        return BaselineWindow(start, end, "lunar", spec, new_years)
    start, end = parse_range(spec, "--baseline")
    return BaselineWindow(start, end, "window", spec)


@dataclass(frozen=True)
class InputFile:
    """A file the figures were computed from, identified by its content hash."""

    role: str
    path: str
    sha256: str
    rows: int

    @classmethod
    def of(cls, role: str, path: Path, rows: int) -> InputFile:
        """Hash ``path`` so that the figures name exactly what they read."""
        digest = hashlib.sha256()
        with path.open("rb") as stream:
            for block in iter(lambda: stream.read(1 << 20), b""):
                digest.update(block)
        return cls(role, str(path), digest.hexdigest(), rows)


@dataclass(frozen=True)
class Parameters:
    """Everything that decides the figures; written beside every output and echoed by the CLI."""

    baseline: BaselineWindow
    threshold: Ratio = field(default_factory=lambda: Ratio.parse("0.3", "--threshold"))
    variant: Variant = Variant.zhejiang
    view: View = View.accounts
    levels: tuple[str, ...] = ("province",)
    first_day: date | None = None
    last_day: date | None = None
    inputs: tuple[InputFile, ...] = ()
    snapshot: str | None = None  # the lake snapshot id, when read from the lake

    def with_inputs(self, *inputs: InputFile) -> Parameters:
        """The same parameters naming these input files."""
        return replace(self, inputs=inputs)

    def through(self, last_day: date, *more: InputFile) -> Parameters:
        """The same parameters extended to ``last_day`` with more input files (an incremental update)."""
        return replace(self, last_day=last_day, inputs=(*self.inputs, *more))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Parameters:
        """The parameters written by :meth:`write` (for incremental updates)."""
        b = data["baseline"]
        aligned = b.get("aligned_new_years")
        baseline = BaselineWindow(
            date.fromisoformat(b["start"]),
            date.fromisoformat(b["end"]),
            b["rule"],
            b["spec"],
            (date.fromisoformat(aligned[0]), date.fromisoformat(aligned[1])) if aligned else None,
        )
        return cls(
            baseline,
            Ratio.parse(data["threshold"]["text"], "--threshold"),
            Variant(data["variant"]),
            View(data["view"]),
            tuple(data["levels"]),
            date.fromisoformat(data["first_day"]) if data.get("first_day") else None,
            date.fromisoformat(data["last_day"]) if data.get("last_day") else None,
            tuple(InputFile(**i) for i in data.get("inputs", [])),
            data.get("snapshot"),
        )

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form."""
        data: dict[str, Any] = asdict(self)
        return json.loads(json.dumps(data, default=_json_default))  # type: ignore[no-any-return]

    def summary(self) -> str:
        """One line for the CLI."""
        days = f"{self.first_day}..{self.last_day}" if self.first_day else "all days"
        files = ", ".join(f"{i.role}={i.path} (sha256 {i.sha256[:12]})" for i in self.inputs)
        return (
            f"baseline {self.baseline.describe()}; threshold {self.threshold.text}; variant {self.variant.value}; "
            f"view {self.view.value}; levels {','.join(self.levels)}; days {days}"
            + (f"; snapshot {self.snapshot}" if self.snapshot else "")
            + (f"; inputs {files}" if files else "")
        )

    def write(self, path: Path) -> None:
        """Write the parameters as JSON (``<output>.params.json``)."""
        path.write_text(json.dumps(self.as_dict(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _json_default(value: object) -> object:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def index_of(resumed_share: Decimal, production_share: Decimal) -> Decimal:
    """The index (复工电力指数) is the plain mean of the two shares, both in percent."""
    return (resumed_share + production_share) / 2


def share(part: int | Decimal, whole: int | Decimal) -> Decimal:
    """``part / whole`` in percent, exactly as a decimal (28 significant digits)."""
    return Decimal(part) * 100 / Decimal(whole)
