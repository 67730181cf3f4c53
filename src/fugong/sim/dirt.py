"""Dirt: the mistakes real department files carry, applied at documented rates, every one recorded for the truth.

Each kind hits a disjoint set of records; its count in a file is ``rate × eligible records``, with the fraction
carried from one chunk to the next so that totals match the rate exactly however a feed is split into chunks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

import numpy as np

from fugong.geo import load_gazetteer, sections
from fugong.sim.ids import bad_check

DEFAULT_DIRT = 0.01
# Per-kind factor: rate of a kind = dirt × factor. All 1: a setting of 0.01 means 1 % of eligible records per kind.
FACTORS: dict[str, float] = {
    "duplicate": 1.0,
    "missing": 1.0,
    "region_format": 1.0,
    "industry_text": 1.0,
    "bad_check": 1.0,
    "date_format": 1.0,
    "meter_reset": 1.0,
}
KINDS = tuple(FACTORS)
DATE_FORMATS: tuple[Callable[[date], str], ...] = (
    lambda d: f"{d.year}/{d.month}/{d.day}",
    lambda d: f"{d.year}{d.month:02d}{d.day:02d}",
    lambda d: f"{d.year}年{d.month}月{d.day}日",
    lambda d: f"{d.year}.{d.month:02d}.{d.day:02d}",
)
METER_ROLLOVER_CENTS = 9_999_999_999  # 99,999,999.99 kWh: a register that wrapped round
METER_ABSURD_CENTS = 9_000_000_000  # readings at or above 90,000,000 kWh in a day are resets, never real

Table = dict[str, list[Any]]


def kind_rates(dirt: float) -> dict[str, float]:
    """The rate of every kind of dirt for an overall setting."""
    return {kind: dirt * factor for kind, factor in FACTORS.items()}


@dataclass(frozen=True)
class DirtSpec:
    """Which kinds of dirt a feed can carry, and in which columns."""

    duplicate: bool = True
    missing: tuple[str, ...] = ()
    region_format: tuple[str, ...] = ()
    industry_text: tuple[str, ...] = ()
    bad_check: tuple[tuple[str, str], ...] = ()  # (column, "ric" | "uscc")
    date_format: tuple[str, ...] = ()

    def kinds(self) -> list[str]:
        """The kinds this spec allows, in the fixed order of :data:`KINDS`."""
        allowed = {
            "duplicate": self.duplicate,
            "missing": bool(self.missing),
            "region_format": bool(self.region_format),
            "industry_text": bool(self.industry_text),
            "bad_check": bool(self.bad_check),
            "date_format": bool(self.date_format),
        }
        return [k for k in KINDS if allowed.get(k, False)]

    def columns(self, kind: str) -> tuple[str, ...]:
        """The columns a kind may touch."""
        if kind == "bad_check":
            return tuple(c for c, _ in self.bad_check)
        value: tuple[str, ...] = getattr(self, kind)
        return value


@dataclass
class Quota:
    """Carries the fractional part of each kind's count from chunk to chunk, and counts what is eligible."""

    carry: dict[str, float] = field(default_factory=dict)
    eligible: dict[str, int] = field(default_factory=dict)
    dirty: dict[str, int] = field(default_factory=dict)

    def take(self, kind: str, rate: float, eligible: int) -> int:
        """How many records of ``eligible`` get this kind of dirt in this chunk."""
        total = self.carry.get(kind, 0.0) + rate * eligible
        count = min(int(total + 1e-9), eligible)
        self.carry[kind] = total - count
        self.eligible[kind] = self.eligible.get(kind, 0) + eligible
        self.dirty[kind] = self.dirty.get(kind, 0) + count
        return count

    def settle(self, kind: str, planned: int, applied: int) -> None:
        """Fewer records than planned could carry a kind (others took them): roll the shortfall to the next chunk."""
        self.dirty[kind] -= planned - applied
        self.carry[kind] += planned - applied


@dataclass(frozen=True)
class Defect:
    """One dirty record of a chunk: its index after duplicates were inserted, the column, kind and both values."""

    record: int
    column: str
    kind: str
    value: Any
    clean_value: Any


@lru_cache(maxsize=4)
def region_variants(reference: date = date(2020, 2, 1)) -> dict[str, tuple[str, ...]]:
    """For each current county code, the other ways files write it (name, short name, city + name, old codes)."""
    gazetteer = load_gazetteer("zhejiang", reference)
    variants: dict[str, list[str]] = {}
    for county in gazetteer.counties():
        city = gazetteer.parent(county)
        options = [county.name, county.short_name, f"{city.name}{county.name}"]
        options += [d.code for d in gazetteer.all() if d.successor_code == county.code]
        variants[county.code] = [v for v in dict.fromkeys(options) if _resolves(gazetteer, v, county.code)]
    return {code: tuple(options) for code, options in variants.items()}


def _resolves(gazetteer: Any, value: str, code: str) -> bool:
    try:
        return bool(gazetteer.lookup(value).code == code)
    except Exception:  # an ambiguous or unknown variant is simply not used
        return False


@lru_cache(maxsize=1)
def section_names() -> dict[str, str]:
    """Section letter → its Chinese name, the free text registers write instead of the letter."""
    return {s.code: s.name_zh for s in sections()}


def _eligible(kind: str, column: str, values: list[Any]) -> np.ndarray:
    if kind == "region_format":
        variants = region_variants()
        return np.array([isinstance(v, str) and bool(variants.get(v)) for v in values], dtype=bool)
    if kind == "industry_text":
        return np.array([isinstance(v, str) and v in section_names() for v in values], dtype=bool)
    if kind == "date_format":
        return np.array([isinstance(v, date) for v in values], dtype=bool)
    return np.array([v is not None and v != "" for v in values], dtype=bool)


def _corrupt(kind: str, value: Any, check_kind: str, draw: int) -> Any:
    if kind == "missing":
        return None
    if kind == "region_format":
        options = region_variants()[value]
        return options[draw % len(options)]
    if kind == "industry_text":
        return section_names()[value]
    if kind == "bad_check":
        return bad_check(value, check_kind)
    if kind == "date_format":
        return DATE_FORMATS[draw % len(DATE_FORMATS)](value)
    raise ValueError(f"unknown kind of dirt {kind!r}")


def _pick(rng: np.random.Generator, pool: np.ndarray, count: int, quota: Quota, kind: str) -> np.ndarray:
    """``count`` distinct records of the pool, sorted; a shortfall is settled with the quota."""
    size = min(count, len(pool))
    quota.settle(kind, count, size)
    if size == 0:
        return np.zeros(0, dtype=np.int64)
    return np.sort(rng.choice(pool, size=size, replace=False))


def apply_dirt(
    table: Table, spec: DirtSpec, rates: dict[str, float], rng: np.random.Generator, quota: Quota
) -> tuple[Table, list[Defect]]:
    """The table with dirt applied and duplicates inserted, and the defects (indexes in the returned table)."""
    columns = list(table)
    n = len(table[columns[0]]) if columns else 0
    if n == 0:
        return table, []
    taken = np.zeros(n, dtype=bool)
    changes: list[tuple[int, str, str, Any, Any]] = []
    duplicated: list[int] = []
    for kind in spec.kinds():
        if kind == "duplicate":
            continue
        check_kinds = dict(spec.bad_check)
        cols = spec.columns(kind)
        masks = {c: _eligible(kind, c, table[c]) for c in cols}
        any_eligible = np.logical_or.reduce(list(masks.values()))
        count = quota.take(kind, rates.get(kind, 0.0), int(any_eligible.sum()))
        rows = _pick(rng, np.flatnonzero(any_eligible & ~taken), count, quota, kind)
        taken[rows] = True
        draws = rng.integers(0, 1 << 30, size=len(rows))
        for row, draw in zip(rows.tolist(), draws.tolist(), strict=True):
            usable = [c for c in cols if masks[c][row]]
            column = usable[draw % len(usable)]
            clean = table[column][row]
            changes.append((row, column, kind, _corrupt(kind, clean, check_kinds.get(column, ""), draw // 7), clean))
    if spec.duplicate:
        count = quota.take("duplicate", rates.get("duplicate", 0.0), n)
        duplicated = _pick(rng, np.flatnonzero(~taken), count, quota, "duplicate").tolist()
    out = {c: list(v) for c, v in table.items()} if changes or duplicated else table
    for row, column, _kind, value, _clean in changes:
        out[column][row] = value
    # A duplicate sits on the line after its original; every later record moves down by one per duplicate.
    shift = np.zeros(n, dtype=np.int64)
    if duplicated:
        marks = np.zeros(n, dtype=np.int64)
        marks[duplicated] = 1
        shift = np.cumsum(marks) - marks
        positions = np.arange(n) + shift
        order = np.concatenate([positions, positions[duplicated] + 1])
        final = np.argsort(order, kind="stable")
        source = np.concatenate([np.arange(n), np.array(duplicated)])[final]
        out = {c: [v[i] for i in source.tolist()] for c, v in out.items()}
    defects = [Defect(int(row + shift[row]), column, kind, value, clean) for row, column, kind, value, clean in changes]
    defects += [Defect(int(row + shift[row] + 1), "", "duplicate", None, int(row + shift[row])) for row in duplicated]
    defects.sort(key=lambda d: d.record)
    return out, defects


def readings_dirt(
    kwh: np.ndarray,
    present: np.ndarray,
    rates: dict[str, float],
    rng: np.random.Generator,
    quota: Quota,
    protected: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[tuple[int, str, int | None, int]]]:
    """Dirt for meter readings (integer hundredths of a kWh): missing, meter resets and duplicates.

    ``protected`` readings never lose their value (they may still be duplicated).

    Returns the source index of every output row, the output kWh and presence, and the defects as
    (output index, kind, dirty cents or None, clean cents or original output index for a duplicate).
    """
    n = len(kwh)
    kwh = kwh.copy()
    present = present.copy()
    defects: list[tuple[int, str, int | None, int]] = []
    eligible = np.flatnonzero(present)
    taken = np.zeros(n, dtype=bool) if protected is None else protected.copy()
    changed: list[tuple[int, str, int | None, int]] = []
    for kind in ("missing", "meter_reset"):
        count = quota.take(kind, rates.get(kind, 0.0), len(eligible))
        rows = _pick(rng, eligible[~taken[eligible]], count, quota, kind)
        if len(rows) == 0:
            continue
        taken[rows] = True
        clean = kwh[rows].copy()
        if kind == "missing":
            present[rows] = False
            changed += [(int(r), kind, None, int(c)) for r, c in zip(rows, clean, strict=True)]
        else:
            negative = rng.random(len(rows)) < 0.5
            dirty = np.where(negative, -np.maximum(clean, 1), METER_ROLLOVER_CENTS - clean)
            kwh[rows] = dirty
            changed += [(int(r), kind, int(d), int(c)) for r, d, c in zip(rows, dirty, clean, strict=True)]
    count = quota.take("duplicate", rates.get("duplicate", 0.0), n)
    if protected is not None:
        taken &= ~protected
    duplicated = _pick(rng, np.flatnonzero(~taken), count, quota, "duplicate")
    marks = np.zeros(n, dtype=np.int64)
    marks[duplicated] = 1
    shift = np.cumsum(marks) - marks
    positions = np.arange(n) + shift
    order = np.concatenate([positions, positions[duplicated] + 1])
    source = np.concatenate([np.arange(n), duplicated])[np.argsort(order, kind="stable")]
    defects = [(int(r + shift[r]), kind, d, c) for r, kind, d, c in changed]
    defects += [(int(r + shift[r] + 1), "duplicate", None, int(r + shift[r])) for r in duplicated.tolist()]
    defects.sort(key=lambda d: d[0])
    return source, kwh[source], present[source], defects
