"""Calibration of the 2020 shutdown and recovery to State Grid Zhejiang's published resumption figures.

The index of the power issue: a user's baseline is its mean daily kWh over 2019-12-01..31 (n days, total S); it has
resumed on day d when 10·n·kWh(d) ≥ 3·S; resumed share = resumed users / users with a baseline; production share =
Σ kWh(d) of resumed users / Σ baselines; index = their mean. Two levers make the simulated province hit the published
figures at every scale, including a tiny one:

1. **Who has resumed** is not drawn independently per user. Users are ranked by a propensity (industry, county,
   size, key-enterprise flags, noise) and the first ``round(share(d) × N)`` of the ranking have resumed by day d, so
   the resumed share is exact up to one user.
2. **How much they draw**: on each calibration day the ratio to baseline of the resumed users (clipped to 0.32–1.30,
   safely above the 0.30 threshold) is scaled by one factor found by bisection so that the production share equals
   the published one; the same factor, interpolated, shapes the days around.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from fugong.sim.calendar import EPIDEMIC_FROM

# State Grid Zhejiang, published (see /work/shared/data/power/published_zhejiang_power_index.csv): resumed share,
# production share, index, in percent.
TARGETS: dict[date, tuple[float, float, float]] = {
    date(2020, 2, 10): (19.37, 31.47, 25.42),
    date(2020, 2, 19): (57.60, 45.28, 51.44),
    date(2020, 2, 20): (60.15, 47.27, 53.71),
}
TOLERANCE = 3.0  # percentage points, each of the three figures
RESUMED_FLOOR, RESUMED_CEILING, IDLE_CEILING = 0.32, 1.30, 0.25
# Share of users resumed by each day (linear in between); the calibration days are the published figures.
RESUMPTION_CURVE: tuple[tuple[date, float], ...] = (
    (date(2020, 1, 25), 0.09),
    (date(2020, 2, 2), 0.10),
    (date(2020, 2, 3), 0.12),
    (date(2020, 2, 9), 0.17),
    (date(2020, 2, 10), 0.1937),
    (date(2020, 2, 17), 0.33),
    (date(2020, 2, 18), 0.3793),
    (date(2020, 2, 19), 0.5760),
    (date(2020, 2, 20), 0.6015),
    (date(2020, 2, 24), 0.69),
    (date(2020, 3, 2), 0.80),
    (date(2020, 3, 16), 0.89),
    (date(2020, 3, 31), 0.93),
    (date(2020, 6, 30), 0.97),
)
NEVER = 10_000  # resume day (days from EPIDEMIC_FROM) of a user that does not resume in any simulated period


def resumed_share_by(offset: int) -> float:
    """The target resumed share ``offset`` days after Lunar New Year 2020."""
    xs = np.array([(d - EPIDEMIC_FROM).days for d, _ in RESUMPTION_CURVE], dtype=float)
    ys = np.array([s for _, s in RESUMPTION_CURVE])
    return float(np.interp(offset, xs, ys))


def assign_resume_days(propensity: np.ndarray, counted: np.ndarray, fixed: np.ndarray) -> np.ndarray:
    """Resume day (days from 2020-01-25) of every user: the highest propensities first, by quantile of the curve.

    ``counted`` marks the users in the index population (with a baseline); ``fixed`` holds a preset resume day for
    users that fake resumption (or -1). On every day the number of counted users resumed is
    ``round(share × N)`` (never fewer than the fakers already counted).
    """
    n_pop = int(counted.sum())
    horizon = (RESUMPTION_CURVE[-1][0] - EPIDEMIC_FROM).days
    offsets = np.arange(0, horizon + 1)
    targets = np.round(np.array([resumed_share_by(int(k)) for k in offsets]) * n_pop).astype(np.int64)
    preset = fixed >= 0
    fixed_counts = np.array([int(np.sum(counted & preset & (fixed <= k))) for k in offsets])
    free_targets = np.maximum.accumulate(np.maximum(targets - fixed_counts, 0))
    resume = np.full(len(propensity), NEVER, dtype=np.int64)
    resume[preset] = fixed[preset]
    order = np.argsort(-propensity, kind="stable")
    order = order[~preset[order]]
    # Rank among counted users; an uncounted user takes the day of the counted user just ahead of it.
    counted_rank = np.cumsum(counted[order]) - counted[order]
    day_of_rank = np.searchsorted(free_targets, counted_rank, side="right")
    resume[order] = np.where(day_of_rank < len(offsets), offsets[np.minimum(day_of_rank, len(offsets) - 1)], NEVER)
    return resume


@dataclass(frozen=True)
class DayCalibration:
    """The result of calibrating one day: the scale factor and what the index then gives."""

    day: date
    factor: float
    resumed_share: float
    production_share: float

    @property
    def index(self) -> float:
        """The mean of the two shares, in percent."""
        return (self.resumed_share + self.production_share) / 2


def calibrate_day(
    day: date,
    ratio: np.ndarray,
    resumed: np.ndarray,
    baseline_cents: np.ndarray,
    baseline_days: np.ndarray,
    fixed_cents: np.ndarray,
) -> tuple[np.ndarray, DayCalibration]:
    """Exact kWh (hundredths) of every counted user on a calibration day, hitting the published production share.

    ``ratio`` is the model's kWh / baseline before scaling; ``fixed_cents`` (>= 0) is a value that must not move
    (fakers). Users not resumed keep a ratio at most 0.25.
    """
    target = TARGETS[day][1] / 100
    base = baseline_cents / baseline_days
    total = base.sum()
    free = resumed & (fixed_cents < 0)
    fixed_sum = float(np.where(resumed & (fixed_cents >= 0), fixed_cents, 0).sum())

    def share(factor: float) -> float:
        scaled = np.clip(ratio[free] * factor, RESUMED_FLOOR, RESUMED_CEILING)
        return (float((scaled * base[free]).sum()) + fixed_sum) / float(total)

    lo, hi = 0.01, 100.0
    for _ in range(80):
        mid = (lo * hi) ** 0.5
        lo, hi = (mid, hi) if share(mid) < target else (lo, mid)
    factor = (lo * hi) ** 0.5
    idle = np.minimum(ratio, IDLE_CEILING)
    final_ratio = np.where(free, np.clip(ratio * factor, RESUMED_FLOOR, RESUMED_CEILING), idle)
    cents = np.round(final_ratio * base).astype(np.int64)
    # Rounding must never cross the threshold: resumed ⇔ 10·n·kWh ≥ 3·S, checked exactly in integers.
    cents = np.where(free & (10 * baseline_days * cents < 3 * baseline_cents), cents + 1, cents)
    cents = np.where(~resumed & (10 * baseline_days * cents >= 3 * baseline_cents), cents - 1, cents)
    cents = np.where(fixed_cents >= 0, fixed_cents, cents)
    is_resumed = 10 * baseline_days * cents >= 3 * baseline_cents
    resumed_share = 100 * float(is_resumed.mean())
    production = 100 * float(np.where(is_resumed, cents, 0).sum()) / float((baseline_cents / baseline_days).sum())
    return cents, DayCalibration(day, factor, resumed_share, production)


def factor_curve(factors: dict[date, float]) -> tuple[np.ndarray, np.ndarray]:
    """Interpolation points (days from 2020-01-25, factor) spreading the calibration factors to neighbouring days."""
    if not factors:
        return np.array([0.0]), np.array([1.0])
    points = sorted(factors.items())
    first, last = points[0][0], points[-1][0]
    xs = [(first - timedelta(days=7) - EPIDEMIC_FROM).days] + [(d - EPIDEMIC_FROM).days for d, _ in points]
    ys = [points[0][1]] + [f for _, f in points]
    xs.append((last + timedelta(days=14) - EPIDEMIC_FROM).days)
    ys.append(1.0)
    return np.array(xs, dtype=float), np.array(ys, dtype=float)
