"""The county resumption index over a period, from the power app's figures: pure, over plain tables.

Input: the power index's figures (``fugong.power.runs.IndexRun.figures``) at the levels ``province``, ``county``,
``sector``, ``county+sector`` and ``industry`` (``county+industry`` for a county's page); GDP by sector per county;
optionally the forms' industry rates. Output: every county's index and band per day, the province's headline index
made the same way (the province's sector shares weighted by the province's GDP structure), and the rows the
cockpit lists.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import pandas as pd

from fugong.errors import InvalidInput
from fugong.riskmap.resumption import (
    SECTORS,
    CountyResumption,
    IndustryRate,
    ResumptionConfig,
    SectorGdp,
    SectorShare,
    county_index,
)

POWER_LEVELS = "county,sector,county+sector,industry"
UNKNOWN = "unknown"  # the power app's code for users without a county or industry
PROVINCE = "province"


@dataclass(frozen=True)
class PowerRow:
    """One power figure: a group's shares and index on a day (percent), with its users."""

    code: str
    name: str
    users: int
    resumed_share: float
    production_share: float
    index: float

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, two decimals."""
        return {
            "code": self.code,
            "name": self.name,
            "users": self.users,
            "resumed_share": round(self.resumed_share, 2),
            "production_share": round(self.production_share, 2),
            "index": round(self.index, 2),
        }


@dataclass(frozen=True)
class ResumptionFigures:
    """The county resumption index of every day the power figures cover, and what made it."""

    counties: Mapping[date, Mapping[str, CountyResumption]]
    province: Mapping[date, CountyResumption]
    power: Mapping[tuple[date, str], list[PowerRow]]  # (day, level) → rows; county+* levels keyed "county:CODE"
    parameters: Mapping[str, Any]
    days: tuple[date, ...] = field(default=())

    def check_day(self, day: date) -> None:
        """A day the power figures do not cover is refused naming the days they do."""
        if day not in self.counties:
            span = f"{self.days[0]} … {self.days[-1]}" if self.days else "no day"
            raise InvalidInput(
                f"no resumption figures for {day}: the power figures cover {span}", field="date"
            ) from None

    def rows(self, day: date, level: str) -> list[PowerRow]:
        """The power rows of one level on a day (empty when there are none)."""
        return self.power.get((day, level), [])


def _decimal(value: float) -> Decimal:
    return Decimal(repr(float(value)))


def power_rows(figures: pd.DataFrame) -> dict[tuple[date, str], list[PowerRow]]:
    """The power figures by day and level; a ``county+x`` level's rows are filed under ``x:COUNTY``."""
    out: dict[tuple[date, str], list[PowerRow]] = defaultdict(list)
    columns = ("day", "level", "code", "name", "users", "resumed_share", "production_share", "index")
    for day, level, code, name, users, resumed, production, index in zip(
        *(figures[c].tolist() for c in columns), strict=True
    ):
        if any(v is None or math.isnan(v) for v in (resumed, production, index)):
            continue  # a group without a population that day
        level, code = str(level), str(code)
        if level.startswith("county+"):
            county, code = code.split("|", 1)
            level = f"{level.split('+', 1)[1]}:{county}"
        label = name.split("|")[-1] if isinstance(name, str) else ""
        out[(day, level)].append(PowerRow(code, label, int(users), float(resumed), float(production), float(index)))
    return out


def _sector_shares(
    power: Mapping[tuple[date, str], list[PowerRow]], counties: Iterable[str]
) -> tuple[list[SectorShare], list[SectorShare]]:
    county_shares: list[SectorShare] = []
    province_shares: list[SectorShare] = []
    wanted = set(counties)
    for (day, level), rows in power.items():
        if level == "sector":
            target, county = province_shares, PROVINCE
        elif level.startswith("sector:") and level[7:] in wanted:
            target, county = county_shares, level[7:]
        else:
            continue
        for r in rows:
            if r.code in SECTORS:  # users without a known industry have no sector: left to the other figures
                share = SectorShare(county, r.code, _decimal(r.resumed_share), _decimal(r.production_share), day)
                target.append(share)
    return county_shares, province_shares


def rates_by_day(industry: Sequence[IndustryRate], days: Sequence[date]) -> list[IndustryRate]:
    """Each county's forms rate on each day: the latest report on or before it (forms report weekly, not daily)."""
    dated: dict[str, list[IndustryRate]] = defaultdict(list)
    out = [r for r in industry if r.day is None]
    for r in industry:
        if r.day is not None:
            dated[r.county].append(r)
    for county, reports in dated.items():
        reports.sort(key=lambda r: r.day or date.min)
        for day in days:
            latest = [r for r in reports if r.day is not None and r.day <= day]
            if latest:
                out.append(IndustryRate(county, latest[-1].rate, day))
    return out


def combine(
    figures: pd.DataFrame,
    gdp: Sequence[SectorGdp],
    config: ResumptionConfig | None = None,
    industry: Sequence[IndustryRate] = (),
    parameters: Mapping[str, Any] | None = None,
) -> ResumptionFigures:
    """County and province resumption index of every day, from the power figures and the GDP structure."""
    config = config or ResumptionConfig()
    power = power_rows(figures)
    by_county = {g.county: g for g in gdp}
    county_shares, province_shares = _sector_shares(power, by_county)
    with_power = {level[7:] for _, level in power if level.startswith("sector:")}
    days = tuple(sorted({day for day, _ in power}))
    counties: dict[date, dict[str, CountyResumption]] = defaultdict(dict)
    for r in county_index(county_shares, gdp, config, rates_by_day(industry, days)):
        assert r.day is not None  # the power figures are daily
        counties[r.day][r.county] = r
    total = SectorGdp(
        PROVINCE, *(sum((getattr(g, s) for g in gdp), Decimal(0)) for s in ("primary", "secondary", "tertiary"))
    )
    province = {r.day: r for r in county_index(province_shares, [total], config) if r.day is not None}
    for day in days:
        counties.setdefault(day, {})
    params = {
        **(parameters or {}),
        "resumption": config.as_dict(),
        "counties_without_gdp": sorted(with_power - set(by_county) - {UNKNOWN}),
        "forms_used": bool(industry),
    }
    return ResumptionFigures(dict(counties), province, dict(power), params, days)
