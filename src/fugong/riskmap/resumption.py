"""County resumption index (县域复工指数): power shares per sector weighted by the county's GDP structure, in bands."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import IntEnum
from typing import Any

from fugong.errors import InvalidInput

SECTORS = ("primary", "secondary", "tertiary")
SECTOR_NAMES = {
    "primary": "primary",
    "secondary": "secondary",
    "tertiary": "tertiary",
    "第一产业": "primary",
    "第二产业": "secondary",
    "第三产业": "tertiary",
    "1": "primary",
    "2": "secondary",
    "3": "tertiary",
}
HUNDRED = Decimal(100)


class ResumptionInputError(InvalidInput):
    """Resumption inputs that cannot be combined (a county without GDP, a share outside 0–100 ...)."""

    code = "invalid_resumption_input"


class Band(IntEnum):
    """Resumption band, lowest to highest."""

    VERY_LOW = 1
    LOW = 2
    MEDIUM = 3
    HIGH = 4
    VERY_HIGH = 5

    @property
    def key(self) -> str:
        """The band's name as written in configuration and output (very_low … very_high)."""
        return self.name.lower()

    def label(self, language: str = "zh") -> str:
        """The band's name in ``zh`` (default) or ``en``."""
        return (_BAND_EN if language == "en" else _BAND_ZH)[self]

    @property
    def hex(self) -> str:
        """Fill colour for maps and legends: light (little resumed) to dark (much resumed)."""
        return _BAND_HEX[self]


_BAND_HEX = {
    Band.VERY_LOW: "#fef0d9",
    Band.LOW: "#c7e9b4",
    Band.MEDIUM: "#7fcdbb",
    Band.HIGH: "#2c7fb8",
    Band.VERY_HIGH: "#253494",
}
_BAND_ZH = {Band.VERY_LOW: "很低", Band.LOW: "较低", Band.MEDIUM: "中等", Band.HIGH: "较高", Band.VERY_HIGH: "高"}
_BAND_EN = {
    Band.VERY_LOW: "very low",
    Band.LOW: "low",
    Band.MEDIUM: "medium",
    Band.HIGH: "high",
    Band.VERY_HIGH: "very high",
}


def sector_key(text: str) -> str:
    """primary, secondary or tertiary from the English, Chinese or numbered name."""
    key = SECTOR_NAMES.get(text.strip().lower())
    if key is None:
        raise ResumptionInputError(
            f"unknown sector {text!r}; use primary, secondary, tertiary (or 第一产业, 第二产业, 第三产业)",
            field="sector",
        )
    return key


@dataclass(frozen=True)
class SectorShare:
    """The power app's figures for one county, sector and day: shares in percent (0–100)."""

    county: str
    sector: str
    resumed_share: Decimal  # 复工率: enterprise users resumed, percent
    production_share: Decimal  # 复产率: consumption against the baseline, percent
    day: date | None = None


@dataclass(frozen=True)
class SectorGdp:
    """A county's value added per sector (any one unit, e.g. 100 million yuan)."""

    county: str
    primary: Decimal
    secondary: Decimal
    tertiary: Decimal

    def of(self, sector: str) -> Decimal:
        """Value added of one sector."""
        value: Decimal = getattr(self, sector)
        return value


@dataclass(frozen=True)
class IndustryRate:
    """Resumption rate of above-designated-size industry (规上工业企业复工率) from the grassroots forms, percent."""

    county: str
    rate: Decimal
    day: date | None = None


@dataclass(frozen=True)
class ResumptionConfig:
    """Band cut-offs on the 0–100 index and the forms' part in the secondary sector; defaults are ours."""

    low_from: Decimal = Decimal(30)
    medium_from: Decimal = Decimal(50)
    high_from: Decimal = Decimal(70)
    very_high_from: Decimal = Decimal(85)
    # Share of the forms' industry rate in the secondary sector's figure when forms are given (the rest: power).
    industry_weight: Decimal = Decimal("0.5")

    def __post_init__(self) -> None:
        if not Decimal(0) < self.low_from < self.medium_from < self.high_from < self.very_high_from <= HUNDRED:
            raise ResumptionInputError(
                "band cut-offs must rise within 0–100: low_from < medium_from < high_from < very_high_from",
                field="bands",
            )
        if not Decimal(0) <= self.industry_weight <= Decimal(1):
            raise ResumptionInputError("industry_weight must be between 0 and 1", field="industry_weight")

    def band_of(self, index: Decimal) -> Band:
        """The band an index falls in."""
        for cut, band in (
            (self.very_high_from, Band.VERY_HIGH),
            (self.high_from, Band.HIGH),
            (self.medium_from, Band.MEDIUM),
            (self.low_from, Band.LOW),
        ):
            if index >= cut:
                return band
        return Band.VERY_LOW

    def as_dict(self) -> dict[str, Any]:
        """The configuration as plain values, to print beside every figure."""
        return {
            "bands": {
                "low": str(self.low_from),
                "medium": str(self.medium_from),
                "high": str(self.high_from),
                "very_high": str(self.very_high_from),
            },
            "industry_weight": str(self.industry_weight),
        }


@dataclass(frozen=True)
class CountyResumption:
    """One county's index on one day, its band, and how it was made."""

    county: str
    day: date | None
    index: Decimal
    band: Band
    sector_index: Mapping[str, Decimal]
    weights: Mapping[str, Decimal]
    industry_rate: Decimal | None = None
    sectors_missing: tuple[str, ...] = field(default_factory=tuple)


def _check_share(s: SectorShare) -> None:
    for name, value in (("resumed_share", s.resumed_share), ("production_share", s.production_share)):
        if not Decimal(0) <= value <= HUNDRED * 2:
            # Production share may pass 100 (a county working above its baseline) but never 200 or below 0.
            raise ResumptionInputError(
                f"{s.county} {s.sector} {s.day or ''}: {name} {value} is outside 0–200 percent", field=name
            )


def county_index(
    shares: Iterable[SectorShare],
    gdp: Iterable[SectorGdp],
    config: ResumptionConfig | None = None,
    industry: Iterable[IndustryRate] = (),
) -> list[CountyResumption]:
    """The resumption index of every county (and day) with power figures.

    A sector's index is the mean of its resumed and production shares (the power index's definition); the county's
    index weighs its sectors by their GDP shares, over the sectors that have figures. With forms, the secondary
    sector's figure becomes ``(1 - industry_weight) × power + industry_weight × forms rate``.
    """
    config = config or ResumptionConfig()
    by_county = {g.county: g for g in gdp}
    for g in by_county.values():
        if min(g.primary, g.secondary, g.tertiary) < 0:
            raise ResumptionInputError(f"{g.county}: value added cannot be negative", field="county_stats")
    rates = {(r.county, r.day): r.rate for r in industry}
    grouped: dict[tuple[str, date | None], dict[str, SectorShare]] = defaultdict(dict)
    for share in shares:
        sector = sector_key(share.sector)
        _check_share(share)
        key = (share.county, share.day)
        if sector in grouped[key]:
            raise ResumptionInputError(f"{share.county} {share.day or ''}: sector {sector} given twice", field="sector")
        grouped[key][sector] = share
    missing_gdp = sorted({county for county, _ in grouped if county not in by_county})
    if missing_gdp:
        raise ResumptionInputError(f"no GDP by sector for: {', '.join(missing_gdp)}", field="county_stats")
    out = []
    for (county, day), sectors in sorted(grouped.items(), key=lambda kv: (kv[0][1] or date.min, kv[0][0])):
        out.append(
            _one(county, day, sectors, by_county[county], rates.get((county, day), rates.get((county, None))), config)
        )
    return out


def _one(
    county: str,
    day: date | None,
    sectors: Mapping[str, SectorShare],
    gdp: SectorGdp,
    rate: Decimal | None,
    config: ResumptionConfig,
) -> CountyResumption:
    sector_index = {s: (v.resumed_share + v.production_share) / 2 for s, v in sectors.items()}
    if rate is not None and "secondary" in sector_index:
        w = config.industry_weight
        sector_index["secondary"] = (1 - w) * sector_index["secondary"] + w * rate
    total = sum((gdp.of(s) for s in sector_index), Decimal(0))
    if total <= 0:
        raise ResumptionInputError(
            f"{county}: the GDP of its sectors with figures adds up to {total}", field="county_stats"
        )
    weights = {s: gdp.of(s) / total for s in SECTORS if s in sector_index}
    index = sum((weights[s] * sector_index[s] for s in weights), Decimal(0))
    missing = tuple(s for s in SECTORS if s not in sector_index and gdp.of(s) > 0)
    return CountyResumption(county, day, index, config.band_of(index), sector_index, weights, rate, missing)
