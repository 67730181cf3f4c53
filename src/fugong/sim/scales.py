"""Scales of the simulated province and the checks on what a caller asks for."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from fugong.errors import InvalidInput
from fugong.sim.manifest import Scale

CALENDAR_FIRST = date(2004, 1, 1)  # chinese-calendar 1.11 knows holidays and make-up days for 2004–2026 only
CALENDAR_LAST = date(2026, 12, 31)
MAX_DAYS = 731
TINY_COUNTIES = ("330106", "330382", "330727")  # 西湖区 (Hangzhou), 乐清市 (the worst county), 磐安县 (no cases)


class InvalidScale(InvalidInput):
    """A scale the simulator does not know."""

    code = "unknown_scale"


class InvalidPeriod(InvalidInput):
    """A period that is empty, too long, or outside the calendar the simulator knows."""

    code = "invalid_period"


class InvalidDirt(InvalidInput):
    """A dirt rate outside 0..1."""

    code = "invalid_dirt"


@dataclass(frozen=True)
class ScaleSpec:
    """How big a province to build."""

    name: Scale
    counties: tuple[str, ...] | None  # None: all 90
    enterprises: int
    persons: int
    extra_contacts: int  # close contacts per case drawn from the county's population, beyond the household
    scan_rate: float  # checkpoint scans per person per day


SCALES: dict[str, ScaleSpec] = {
    "tiny": ScaleSpec("tiny", TINY_COUNTIES, 200, 1_500, 1, 0.1),
    "demo": ScaleSpec("demo", None, 20_000, 200_000, 4, 0.12),
    "province": ScaleSpec("province", None, 850_000, 10_000_000, 20, 0.01),
}


class InvalidCounties(InvalidInput):
    """A list of counties with a code that is not one of the 90."""

    code = "unknown_county"


def restrict(spec: ScaleSpec, counties: Sequence[str], seed: int) -> ScaleSpec:
    """The scale limited to some counties at the same density (enterprises and persons in proportion to their size).

    For benchmarks: a province-scale slice of a few counties shows the cost of the whole without building it.
    """
    from fugong.sim.counties import all_counties, county_profiles

    known = {c.code for c in all_counties()}
    wanted = tuple(dict.fromkeys(c.strip() for c in counties))
    unknown = [c for c in wanted if c not in known]
    if not wanted or unknown:
        raise InvalidCounties(
            f"unknown county code(s) {', '.join(unknown) or '(none given)'}; give 6-digit codes "
            "of the 90 county-level units",
            field="counties",
        )
    chosen = spec.counties if spec.counties is not None else tuple(sorted(known))
    profiles = county_profiles(seed)
    gdp = sum(profiles[c].gdp for c in wanted) / sum(profiles[c].gdp for c in chosen)
    people = sum(profiles[c].population for c in wanted) / sum(profiles[c].population for c in chosen)
    return replace(
        spec,
        counties=tuple(sorted(wanted)),
        enterprises=max(20, round(spec.enterprises * gdp)),
        persons=max(100, round(spec.persons * people)),
    )


def check_request(scale: str, start: date, end: date, dirt: float) -> ScaleSpec:
    """The scale asked for, after checking every argument; raises a clear error naming the problem."""
    if scale not in SCALES:
        raise InvalidScale(f"unknown scale {scale!r}; scales are {', '.join(SCALES)}", field="scale")
    if not isinstance(dirt, int | float) or not 0.0 <= float(dirt) <= 1.0:
        raise InvalidDirt(f"dirt rate must be between 0 and 1, got {dirt!r}", field="dirt")
    if end < start:
        raise InvalidPeriod(f"the period ends ({end}) before it starts ({start})", field="end")
    for name, day in (("start", start), ("end", end)):
        if not CALENDAR_FIRST <= day <= CALENDAR_LAST:
            raise InvalidPeriod(
                f"{name} {day} is outside {CALENDAR_FIRST}..{CALENDAR_LAST}, the years chinese-calendar covers",
                field=name,
            )
    if (end - start).days + 1 > MAX_DAYS:
        raise InvalidPeriod(
            f"the period is {(end - start).days + 1} days; at most {MAX_DAYS} are simulated", field="end"
        )
    return SCALES[scale]
