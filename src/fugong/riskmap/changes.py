"""The daily list of units whose colour changed, and why: which indicators moved and which rule acted."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from fugong.riskmap.grading import Grade, GradingConfig, score_text
from fugong.riskmap.indicators import NAMES
from fugong.riskmap.levels import Level


@dataclass(frozen=True)
class Moved:
    """One indicator that moved between the two days, and how many score points that moved."""

    indicator: str
    before: int | Fraction | None
    after: int | Fraction | None
    points: Fraction  # change of its contribution to the score (0 for unscored indicators)


@dataclass(frozen=True)
class Change:
    """A unit whose level differs from the day before."""

    unit: str
    day: date
    before: Level
    after: Level
    moved: tuple[Moved, ...]
    reason: str

    @property
    def direction(self) -> str:
        """``up`` (riskier) or ``down``."""
        return "up" if self.after > self.before else "down"


def _shown(value: int | Fraction | None) -> str:
    if value is None:
        return "none"
    if isinstance(value, Fraction) and value.denominator != 1:
        return score_text(value * 100, 1) + "%"
    return str(value)


def explain(before: Grade, after: Grade, config: GradingConfig) -> Change:
    """Why a unit's level went from ``before`` to ``after`` (consecutive grades of one unit)."""
    old_points = config.points(before.indicators)
    new_points = config.points(after.indicators)
    moved = []
    for name in NAMES:
        a, b = before.indicators.value(name), after.indicators.value(name)
        if a != b:
            moved.append(Moved(name, a, b, new_points.get(name, Fraction(0)) - old_points.get(name, Fraction(0))))
    moved.sort(key=lambda m: (-abs(m.points), NAMES.index(m.indicator)))
    parts = []
    if before.indicators.never_a_case and not after.indicators.never_a_case:
        parts.append("first confirmed case")
    elif before.base_level != after.base_level:
        scored = [m for m in moved if m.points]
        drivers = ", ".join(f"{m.indicator} {_shown(m.before)}→{_shown(m.after)}" for m in scored[:3])
        parts.append(
            f"score {score_text(before.score)}→{score_text(after.score)} "
            f"({before.base_level.colour}→{after.base_level.colour} by score)" + (f": {drivers}" if drivers else "")
        )
    if before.steps != after.steps:
        if after.steps > before.steps:
            parts.append(after.reason)
        else:
            quiet = after.indicators.days_without_new
            parts.append("a new case ended the step-down" if quiet == 0 else f"step-down now {after.steps} level(s)")
    return Change(after.unit, after.day, before.level, after.level, tuple(moved), "; ".join(parts))


def changed(previous: Iterable[Grade], current: Iterable[Grade], config: GradingConfig) -> list[Change]:
    """Units whose level differs between two gradings (e.g. yesterday's and today's), by unit code."""
    before = {g.unit: g for g in previous}
    out = []
    for g in sorted(current, key=lambda g: g.unit):
        old = before.get(g.unit)
        if old is not None and old.level != g.level:
            out.append(explain(old, g, config))
    return out
