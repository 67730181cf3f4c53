"""Epidemic risk grading (疫情风险等级): a weighted score, cut-offs, and step-downs after days without a new case.

Exact and deterministic: scores are fractions, compared with the cut-offs without rounding.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

from fugong.errors import InvalidInput
from fugong.riskmap.indicators import NAMES, Indicators
from fugong.riskmap.levels import Level

SCORED = tuple(n for n in NAMES if n != "days_without_new")  # quiet days act through the step-downs, not the score


class GradingConfigError(InvalidInput):
    """A grading configuration that cannot work (unknown indicator, cut-offs out of order ...)."""

    code = "invalid_grading_config"


@dataclass(frozen=True)
class Weighting:
    """One indicator's part of the score: ``weight``, and the value at which it earns all its points."""

    indicator: str
    weight: Decimal
    full_at: Decimal


@dataclass(frozen=True)
class StepDown:
    """After ``after_days`` consecutive days without a new confirmed case, lower the level by ``levels``."""

    after_days: int
    levels: int


@dataclass(frozen=True)
class GradingConfig:
    """Weights, cut-offs and step-down rules; every default is ours (the province never published its own)."""

    # Ours, fitted to the simulator's demo province (seed 2020) against the published maps: see docs/riskmap.md.
    weights: tuple[Weighting, ...] = (
        Weighting("cumulative_confirmed", Decimal(30), Decimal(150)),
        Weighting("new_7d", Decimal(10), Decimal(30)),
        Weighting("new_14d", Decimal(20), Decimal(60)),
        Weighting("local_share", Decimal(10), Decimal(1)),
        Weighting("clusters", Decimal(20), Decimal(2)),
        Weighting("clusters_14d", Decimal(0), Decimal(2)),
    )
    # Local share and clusters alone (a third of the weight) stay below orange: a few cases never make a county red.
    red_from: Decimal = Decimal(65)
    orange_from: Decimal = Decimal("39.5")
    yellow_from: Decimal = Decimal("28.5")
    # 14 days (one incubation period) without a new case lowers any level to green.
    step_downs: tuple[StepDown, ...] = (StepDown(3, 1), StepDown(7, 2), StepDown(14, 4))
    # The first map (9 Feb 2020) was drawn before any step-down: green then meant "never a case".
    step_downs_from: date | None = date(2020, 2, 10)
    version: str = "fugong-2020.1"
    _total: Decimal = field(init=False, repr=False, compare=False)
    _terms: tuple[tuple[str, int, Fraction, bool], ...] = field(init=False, repr=False, compare=False)
    _denominator: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        names = [w.indicator for w in self.weights]
        for w in self.weights:
            if w.indicator not in SCORED:
                raise GradingConfigError(
                    f"unknown indicator {w.indicator!r} in the weights; scored indicators are {', '.join(SCORED)}",
                    field="weights",
                )
            if w.weight < 0 or w.full_at <= 0:
                raise GradingConfigError(
                    f"{w.indicator}: weight must be ≥ 0 and full_at > 0 (got {w.weight}, {w.full_at})", field="weights"
                )
        if len(set(names)) != len(names):
            raise GradingConfigError("an indicator appears twice in the weights", field="weights")
        total = sum((w.weight for w in self.weights), Decimal(0))
        if total <= 0:
            raise GradingConfigError("the weights add up to 0: at least one must be positive", field="weights")
        if not Decimal(0) < self.yellow_from < self.orange_from < self.red_from <= Decimal(100):
            raise GradingConfigError(
                "cut-offs must rise: 0 < yellow_from < orange_from < red_from ≤ 100 "
                f"(got {self.yellow_from}, {self.orange_from}, {self.red_from})",
                field="cutoffs",
            )
        days = [s.after_days for s in self.step_downs]
        if any(d < 1 for d in days) or days != sorted(set(days)) or any(s.levels < 1 for s in self.step_downs):
            raise GradingConfigError(
                "step-downs need rising after_days ≥ 1 and levels ≥ 1 (got "
                + ", ".join(f"{s.after_days}:{s.levels}" for s in self.step_downs)
                + ")",
                field="step_downs",
            )
        object.__setattr__(self, "_total", total)
        # Speed: each term as an integer factor over one common denominator, so a score costs one Fraction.
        coefs = [Fraction(100) * Fraction(w.weight) / (Fraction(w.full_at) * Fraction(total)) for w in self.weights]
        denominator = math.lcm(*(c.denominator for c in coefs))
        terms = tuple(
            (w.indicator, int(c * denominator), Fraction(w.full_at), Fraction(w.full_at).denominator == 1)
            for w, c in zip(self.weights, coefs, strict=True)
            if c
        )
        object.__setattr__(self, "_terms", terms)
        object.__setattr__(self, "_denominator", denominator)

    def points(self, indicators: Indicators) -> dict[str, Fraction]:
        """Each weighted indicator's contribution to the score (they add up to the score, 0–100)."""
        out: dict[str, Fraction] = {}
        for w in self.weights:
            value = Fraction(indicators.value(w.indicator) or 0)
            capped = min(max(value, Fraction(0)), Fraction(w.full_at))
            out[w.indicator] = (
                Fraction(100) * Fraction(w.weight) * capped / (Fraction(w.full_at) * Fraction(self._total))
            )
        return out

    def score(self, indicators: Indicators) -> Fraction:
        """The weighted score, 0–100 (equal to the sum of ``points``)."""
        whole = 0
        parts = Fraction(0)
        for name, factor, cap, integral_cap in self._terms:
            value = indicators.value(name) or 0
            if integral_cap and isinstance(value, int):
                whole += factor * min(max(value, 0), int(cap))
            else:
                parts += factor * min(max(Fraction(value), Fraction(0)), cap)
        return (parts + whole) / self._denominator

    def level_of(self, score: Fraction) -> Level:
        """The level a score earns before any step-down (blue at the least: the unit had a case)."""
        if score >= Fraction(self.red_from):
            return Level.RED
        if score >= Fraction(self.orange_from):
            return Level.ORANGE
        if score >= Fraction(self.yellow_from):
            return Level.YELLOW
        return Level.BLUE

    def step_down(self, indicators: Indicators) -> StepDown | None:
        """The step-down rule that applies on this day (the one with the most days), if any."""
        quiet = indicators.days_without_new
        if quiet is None or (self.step_downs_from is not None and indicators.day < self.step_downs_from):
            return None
        applying = [s for s in self.step_downs if quiet >= s.after_days]
        return applying[-1] if applying else None

    def as_dict(self) -> dict[str, Any]:
        """The configuration as plain values, to print beside every grade."""
        return {
            "version": self.version,
            "weights": {w.indicator: {"weight": str(w.weight), "full_at": str(w.full_at)} for w in self.weights},
            "cutoffs": {"red": str(self.red_from), "orange": str(self.orange_from), "yellow": str(self.yellow_from)},
            "step_downs": [{"after_days": s.after_days, "levels": s.levels} for s in self.step_downs],
            "step_downs_from": self.step_downs_from.isoformat() if self.step_downs_from else None,
        }


@dataclass(frozen=True)
class Grade:
    """A unit's level on one day, with the score, the level the score alone gave, and why."""

    indicators: Indicators
    score: Fraction
    base_level: Level
    level: Level
    steps: int
    reason: str

    @property
    def unit(self) -> str:
        """The unit's code."""
        return self.indicators.unit

    @property
    def day(self) -> date:
        """The day graded."""
        return self.indicators.day


def grade(indicators: Indicators, config: GradingConfig) -> Grade:
    """Grade one unit on one day."""
    if indicators.never_a_case:
        return Grade(indicators, Fraction(0), Level.GREEN, Level.GREEN, 0, "never a case")
    score = config.score(indicators)
    base = config.level_of(score)
    rule = config.step_down(indicators)
    if rule is None:
        return Grade(indicators, score, base, base, 0, "score")
    level = base.down(rule.levels)
    reason = f"{indicators.days_without_new} days without a new case: down {rule.levels} (rule ≥{rule.after_days} days)"
    return Grade(indicators, score, base, level, int(base) - int(level), reason)


def grade_all(series: Mapping[str, Sequence[Indicators]], config: GradingConfig) -> list[Grade]:
    """Grade every unit on every day of its series, ordered by day then unit."""
    grades = [grade(ind, config) for unit_series in series.values() for ind in unit_series]
    return sorted(grades, key=lambda g: (g.day, g.unit))


def on_day(grades: Iterable[Grade], day: date) -> list[Grade]:
    """The grades of one day, ordered by unit."""
    return sorted((g for g in grades if g.day == day), key=lambda g: g.unit)


def score_text(score: Fraction, places: int = 2) -> str:
    """A score for people: rounded half-even to ``places`` decimals."""
    quantum = Decimal(1).scaleb(-places)
    return str((Decimal(score.numerator) / Decimal(score.denominator)).quantize(quantum))
