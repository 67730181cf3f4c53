"""Reading the resumption inputs (the edge): power shares per sector, GDP by sector, the forms' industry rates."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from fugong.riskmap.readers import Record, read_records
from fugong.riskmap.resumption import IndustryRate, ResumptionInputError, SectorGdp, SectorShare

Resolve = Callable[[str], str]  # a county code, name or old code → the current code
STATS_CHINESE = {
    "county": "县区代码",
    "primary": "第一产业增加值（亿元）",
    "secondary": "第二产业增加值（亿元）",
    "tertiary": "第三产业增加值（亿元）",
}


def _decimal(record: Record, column: str) -> Decimal:
    text = record.values.get(column, "")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ResumptionInputError(f"{record.where}: {column} {text!r} is not a number", field=column) from None
    if not value.is_finite():
        raise ResumptionInputError(f"{record.where}: {column} {text!r} is not a number", field=column)
    return value


def _day(record: Record) -> date | None:
    text = record.values.get("day", "")
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ResumptionInputError(f"{record.where}: day {text!r} is not YYYY-MM-DD", field="day") from None


def _need(header: list[str], columns: tuple[str, ...], path: Path) -> None:
    missing = [c for c in columns if c not in header]
    if missing:
        raise ResumptionInputError(
            f"{path.name}: missing column(s) {', '.join(missing)}; the header is: {', '.join(header)}", field=str(path)
        )


def read_sector_shares(path: Path, resolve: Resolve) -> list[SectorShare]:
    """county, sector, resumed_share, production_share (percent) and an optional day, one row per county-sector-day."""
    header, records = read_records(path)
    _need(header, ("county", "sector", "resumed_share", "production_share"), path)
    return [
        SectorShare(
            resolve(r.values["county"]),
            r.values["sector"],
            _decimal(r, "resumed_share"),
            _decimal(r, "production_share"),
            _day(r),
        )
        for r in records
    ]


def read_county_gdp(path: Path, resolve: Resolve) -> list[SectorGdp]:
    """GDP by sector per county: the statistics bureau's county_stats file, or county, primary, secondary, tertiary."""
    header, records = read_records(path)
    names = STATS_CHINESE if STATS_CHINESE["county"] in header else {k: k for k in STATS_CHINESE}
    _need(header, tuple(names.values()), path)
    out = []
    for r in records:
        values = [_decimal(r, names[s]) for s in ("primary", "secondary", "tertiary")]
        out.append(SectorGdp(resolve(r.values[names["county"]]), *values))
    return out


def read_industry_rates(path: Path, resolve: Resolve) -> list[IndustryRate]:
    """county, rate (percent) and an optional day: above-designated-size industry resumption from the forms."""
    header, records = read_records(path)
    _need(header, ("county", "rate"), path)
    out = []
    for r in records:
        rate = _decimal(r, "rate")
        if not Decimal(0) <= rate <= Decimal(100):
            raise ResumptionInputError(f"{r.where}: rate {rate} is outside 0–100 percent", field="rate")
        out.append(IndustryRate(resolve(r.values["county"]), rate, _day(r)))
    return out
