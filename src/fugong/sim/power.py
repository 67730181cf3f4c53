"""Power accounts and their daily load: weekly and seasonal shape, Spring Festivals, the 2020 shutdown and recovery.

A user's day = its normal level × season × (working day or not) × festival dip × noise. From Lunar New Year 2020 the
epidemic model takes over: a user idles below 25 % of its baseline until its resume day, then climbs from ~35 % towards
its usual level. December 2019 is built to sum exactly to a total fixed in advance, so the baselines (and therefore the
calibration) are known before a single reading is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np

from fugong.sim import calibration as cal_
from fugong.sim.calendar import BASELINE_FROM, BASELINE_TO, EPIDEMIC_FROM, Calendar, build_calendar, festival_factor
from fugong.sim.ids import account_ids
from fugong.sim.randomness import stream
from fugong.sim.registry import CONTINUOUS, Enterprises

_COUNTY_EFFECT = {"330382": -1.0}
_CITY_EFFECT = {"3303": -0.6, "3301": 0.2, "3302": 0.2, "3304": 0.1}
GAMING_FLAT_FROM = date(2020, 2, 10)
# Chance of 0, 1, 2, 3, 4 accounts for an enterprise above / below designated size.
_ACCOUNTS_ABOVE = np.array([0.02, 0.55, 0.23, 0.12, 0.08])
_ACCOUNTS_BELOW = np.array([0.11, 0.81, 0.05, 0.02, 0.01])


@dataclass
class Accounts:
    """All power accounts (index = account number), with the parameters of their load."""

    account_id: np.ndarray
    enterprise: np.ndarray  # enterprise index, -1 for an account matched to no enterprise
    county: np.ndarray
    division: np.ndarray
    name: np.ndarray
    voltage: np.ndarray
    opened: np.ndarray  # datetime64[D]
    level: np.ndarray  # normal daily kWh
    weekend: np.ndarray  # factor on days that are not working days
    depth: np.ndarray  # depth of the usual Spring Festival dip (0..1)
    start: np.ndarray  # ratio to baseline on the resume day
    idle: np.ndarray  # ratio to baseline while shut down
    tau: np.ndarray  # days to recover most of the way
    plateau: np.ndarray  # ratio to baseline once recovered
    propensity: np.ndarray
    resume: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # days from 2020-01-25
    gaming: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int8))  # 0 none, 1 flat, 2 jump
    gaming_from: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    gaming_ratio: np.ndarray = field(default_factory=lambda: np.zeros(0))
    baseline_cents: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    target_cents: dict[date, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.account_id)

    @property
    def counted(self) -> np.ndarray:
        """Users with a full December-2019 baseline: the index population."""
        return self.opened <= np.datetime64(BASELINE_FROM)

    def of_county(self, code: str) -> np.ndarray:
        """Indexes of a county's accounts."""
        return np.flatnonzero(self.county == code)


def build_accounts(seed: int, e: Enterprises, counties: list[str]) -> Accounts:
    """Accounts of every simulated county: 0–4 per enterprise, plus accounts the grid cannot match."""
    parts: dict[str, list[np.ndarray]] = {}
    offset = 0
    for code in counties:
        rng = stream(seed, "accounts", code)
        ents = e.of_county(code)
        if len(ents) == 0:
            continue
        probs = np.where(e.above_size[ents][:, None], _ACCOUNTS_ABOVE, _ACCOUNTS_BELOW)
        k = (rng.random(len(ents))[:, None] > np.cumsum(probs, axis=1)).sum(axis=1)
        owner = np.repeat(ents, k)
        share = np.concatenate([rng.dirichlet(np.ones(n)) for n in k if n > 0]) if k.sum() else np.zeros(0)
        n_unmatched = max(1, round(0.06 * len(owner)))
        unmatched_div = e.division[rng.choice(ents, n_unmatched)]
        level = np.concatenate([e.level[owner] * share, rng.lognormal(np.log(300), 1.1, n_unmatched)])
        enterprise = np.concatenate([owner, np.full(n_unmatched, -1)])
        division = np.concatenate([e.division[owner], unmatched_div])
        n = len(enterprise)
        established = np.concatenate([e.established[owner], np.full(n_unmatched, np.datetime64("2012-01-01"))])
        opened = np.maximum(established, np.datetime64("2005-01-01")) + rng.integers(0, 200, n)
        opened = np.minimum(opened, np.datetime64("2019-10-31"))
        new = rng.random(n) < 0.01
        opened = np.where(new, np.datetime64("2020-01-02") + rng.integers(0, 58, n), opened).astype("datetime64[D]")
        names = np.concatenate([e.name[owner], _unmatched_names(rng, code, n_unmatched)])
        parts.setdefault("account_id", []).append(account_ids(np.arange(offset, offset + n)))
        offset += n
        for key, value in (
            ("enterprise", enterprise),
            ("county", np.full(n, code)),
            ("division", division),
            ("name", names),
            ("opened", opened),
            ("level", np.maximum(level, 5.0)),
        ):
            parts.setdefault(key, []).append(value)
    joined = {k: np.concatenate(v) for k, v in parts.items()}
    rng = stream(seed, "account-shape")
    n = len(joined["account_id"])
    continuous = np.isin(joined["division"], list(CONTINUOUS))
    sections_shop = np.isin(joined["division"], ["51", "52", "61", "62"])
    level = joined["level"]
    return Accounts(
        account_id=joined["account_id"],
        enterprise=joined["enterprise"],
        county=joined["county"],
        division=joined["division"],
        name=joined["name"],
        voltage=np.select([level < 400, level < 6000, level < 60000], [0.4, 10.0, 20.0], 110.0),
        opened=joined["opened"],
        level=level,
        weekend=np.where(
            continuous, 0.95, np.where(sections_shop, rng.uniform(0.9, 1.1, n), rng.uniform(0.45, 0.85, n))
        ),
        depth=np.where(continuous, 0.15, rng.uniform(0.6, 0.95, n)),
        start=np.where(continuous, 0.75, rng.uniform(0.34, 0.55, n)),
        idle=rng.uniform(0.03, 0.22, n),
        tau=rng.uniform(4, 20, n),
        plateau=rng.uniform(0.85, 1.05, n),
        propensity=_propensity(rng, joined["division"], joined["county"], level, continuous),
    )


def _unmatched_names(rng: np.random.Generator, county: str, n: int) -> np.ndarray:
    words = ("加工点", "作坊", "经营部", "门市部", "养殖场", "仓库")
    return np.array(
        [f"{county}临时用电{rng.integers(1000, 9999)}{words[rng.integers(0, len(words))]}" for _ in range(n)]
    )


def _propensity(
    rng: np.random.Generator, division: np.ndarray, county: np.ndarray, level: np.ndarray, continuous: np.ndarray
) -> np.ndarray:
    """How early a user resumes: continuous process and utilities first, large before small, Wenzhou last."""
    z = rng.normal(0, 1, len(division))
    z += np.where(continuous, 3.5, 0.0)
    z += np.where(np.isin(division, ["27", "13", "14", "15"]), 1.2, 0.0)
    z += np.where(np.isin(division, ["47", "48", "49", "50", "61", "62", "86", "87", "88", "89", "90"]), -1.0, 0.0)
    z += 0.45 * np.log10(np.maximum(level, 1.0))
    z += np.array([_COUNTY_EFFECT.get(c, 0.0) + _CITY_EFFECT.get(c[:4], 0.0) for c in county])
    return z


def plan_shutdown(seed: int, acc: Accounts) -> dict[date, cal_.DayCalibration]:
    """Choose the fakers, every user's resume day and baseline, and the exact kWh of the calibration days."""
    rng = stream(seed, "shutdown")
    n = len(acc)
    counted = acc.counted
    dec = build_calendar(BASELINE_FROM, BASELINE_TO)
    dec_shape = dec.season[None, :] * np.where(dec.workday[None, :], 1.0, acc.weekend[:, None])
    acc.baseline_cents = np.where(counted, np.round(100 * acc.level * dec_shape.sum(axis=1)), 0).astype(np.int64)
    # A few firms fake resumption, as happened in Wenzhou: single-account, non-continuous, late resumers.
    acc.gaming = np.zeros(n, dtype=np.int8)
    acc.gaming_from = np.full(n, -1, dtype=np.int64)
    acc.gaming_ratio = np.zeros(n)
    single = np.bincount(acc.enterprise[acc.enterprise >= 0], minlength=1)
    eligible = np.flatnonzero(
        counted
        & (acc.enterprise >= 0)
        & (acc.start < 0.7)
        & (single[np.maximum(acc.enterprise, 0)] == 1)
        & (acc.propensity < np.median(acc.propensity))
    )
    count = min(len(eligible), max(2, round(0.001 * n)))
    fakers = np.sort(rng.choice(eligible, count, replace=False)) if count else np.zeros(0, dtype=np.int64)
    flat_from = (GAMING_FLAT_FROM - EPIDEMIC_FROM).days
    for k, i in enumerate(fakers.tolist()):
        if k % 2 == 0:
            acc.gaming[i], acc.gaming_from[i], acc.gaming_ratio[i] = 1, flat_from, rng.uniform(0.5, 0.8)
        else:
            acc.gaming[i], acc.gaming_from[i], acc.gaming_ratio[i] = (
                2,
                int(rng.integers(18, 25)),
                rng.uniform(0.985, 1.015),
            )
    acc.resume = cal_.assign_resume_days(acc.propensity, counted, acc.gaming_from)
    results: dict[date, cal_.DayCalibration] = {}
    target_rng = stream(seed, "calibration-noise")
    pop = np.flatnonzero(counted)
    days_in_baseline = np.full(len(pop), 31, dtype=np.int64)
    for day in sorted(cal_.TARGETS):
        k = (day - EPIDEMIC_FROM).days
        noise = target_rng.lognormal(0, 0.05, n)
        ratio = np.where(acc.resume <= k, recovery_ratio(acc, np.arange(n), k) * noise, acc.idle * noise)
        resumed = (acc.resume <= k) | ((acc.gaming > 0) & (acc.gaming_from <= k))
        base = acc.baseline_cents / 31
        fixed = np.where((acc.gaming > 0) & (acc.gaming_from <= k), np.round(acc.gaming_ratio * base), -1)
        cents, result = cal_.calibrate_day(
            day, ratio[pop], resumed[pop], acc.baseline_cents[pop], days_in_baseline, fixed[pop].astype(np.int64)
        )
        full = np.zeros(n, dtype=np.int64)
        full[pop] = cents
        acc.target_cents[day] = full
        results[day] = result
    return results


def recovery_ratio(acc: Accounts, idx: np.ndarray, k: np.ndarray | int) -> np.ndarray:
    """Ratio to baseline of resumed users ``k`` days after Lunar New Year 2020 (before noise and scaling).

    ``k`` is one day (result: one value per account) or an array of days (result: accounts × days).
    """
    days = np.asarray(k, dtype=float)
    plateau, start, tau, resume = acc.plateau[idx], acc.start[idx], acc.tau[idx], acc.resume[idx]
    if days.ndim:
        plateau, start, tau, resume = plateau[:, None], start[:, None], tau[:, None], resume[:, None]
        days = days[None, :]
    since = np.maximum(days - resume, 0)
    return np.asarray(plateau - (plateau - start) * np.exp(-since / tau))


def daily_cents(
    seed: int, acc: Accounts, idx: np.ndarray, cal: Calendar, county: str, factors: tuple[np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """kWh in hundredths (accounts × days) and whether a reading exists, for some accounts over the period."""
    rng = stream(seed, "readings", county)
    n, d = len(idx), len(cal.days)
    days = np.array(cal.days, dtype="datetime64[D]")
    level = acc.level[idx][:, None]
    weekly = np.where(cal.workday[None, :], 1.0, acc.weekend[idx][:, None])
    usual = cal.festival_offset != 99
    epidemic = days >= np.datetime64(EPIDEMIC_FROM)
    festival = np.where(usual & ~epidemic, festival_factor(cal.festival_offset, acc.depth[idx][:, None]), 1.0)
    values = level * cal.season[None, :] * weekly * festival * rng.lognormal(0, 0.06, (n, d))
    # The shutdown of 2020 and the recovery, relative to the December baseline.
    if epidemic.any():
        k = np.array([(day - EPIDEMIC_FROM).days for day in cal.days])[epidemic]
        base = np.where(acc.baseline_cents[idx] > 0, acc.baseline_cents[idx] / 3100, acc.level[idx])[:, None]
        on = k[None, :] >= acc.resume[idx][:, None]
        scale = np.interp(k, *factors)[None, :]
        noise = rng.lognormal(0, 0.05, (n, len(k)))
        ratio_on = recovery_ratio(acc, idx, k) * scale * noise
        work = cal.workday[epidemic][None, :]
        ratio_on = np.where(
            work,
            np.clip(ratio_on, cal_.RESUMED_FLOOR, cal_.RESUMED_CEILING),
            np.minimum(ratio_on * acc.weekend[idx][:, None], cal_.RESUMED_CEILING),
        )
        ratio_off = np.minimum(acc.idle[idx][:, None] * noise, cal_.IDLE_CEILING)
        ratio = np.where(on, ratio_on, ratio_off)
        gaming = acc.gaming[idx][:, None]
        faking = (gaming > 0) & (k[None, :] >= acc.gaming_from[idx][:, None])
        jitter = np.where(gaming == 2, rng.normal(0, 0.003, (n, len(k))), 0.0)
        ratio = np.where(faking, acc.gaming_ratio[idx][:, None] * (1 + jitter), ratio)
        values[:, epidemic] = ratio * base
    cents = np.round(values * 100).astype(np.int64)
    _place_december(rng, acc, idx, cal, cents)
    for day, exact in acc.target_cents.items():
        position = cal.index(day)
        if position is not None:
            counted = acc.baseline_cents[idx] > 0
            cents[counted, position] = exact[idx][counted]
    flat = acc.gaming[idx] == 1
    if flat.any():
        # A flat load is the same number every day, calibration days included.
        value = np.round(acc.gaming_ratio[idx][flat] * acc.baseline_cents[idx][flat] / 31).astype(np.int64)
        k_all = np.array([(day - EPIDEMIC_FROM).days for day in cal.days])
        span = k_all[None, :] >= acc.gaming_from[idx][flat][:, None]
        cents[flat] = np.where(span, value[:, None], cents[flat])
    present = days[None, :] >= acc.opened[idx][:, None]
    return cents, present


def _place_december(rng: np.random.Generator, acc: Accounts, idx: np.ndarray, cal: Calendar, cents: np.ndarray) -> None:
    """December 2019 readings that add up exactly to each user's planned baseline total."""
    positions = cal.positions(BASELINE_FROM, BASELINE_TO)
    if len(positions) == 0:
        return
    dec = build_calendar(BASELINE_FROM, BASELINE_TO)
    shape = dec.season[None, :] * np.where(dec.workday[None, :], 1.0, acc.weekend[idx][:, None])
    shape = shape * rng.lognormal(0, 0.06, shape.shape)
    total = acc.baseline_cents[idx]
    exact = np.floor(total[:, None] * shape / shape.sum(axis=1, keepdims=True)).astype(np.int64)
    short = total - exact.sum(axis=1)
    exact += (np.arange(31)[None, :] < short[:, None]).astype(np.int64)
    counted = total > 0
    first = (cal.days[positions[0]] - BASELINE_FROM).days
    cents[np.ix_(np.flatnonzero(counted), positions)] = exact[counted][:, first : first + len(positions)]


def true_resume_day(acc: Accounts, e: Enterprises, seed: int) -> np.ndarray:
    """Day (from 2020-01-25) each enterprise truly resumed: its first honest account; fakers and others by ranking."""
    resume = np.full(len(e), cal_.NEVER, dtype=np.int64)
    honest = (acc.enterprise >= 0) & (acc.gaming == 0)
    np.minimum.at(resume, acc.enterprise[honest], acc.resume[honest])
    faking = np.unique(acc.enterprise[acc.gaming > 0])
    has_account = np.zeros(len(e), dtype=bool)
    has_account[acc.enterprise[acc.enterprise >= 0]] = True
    without = np.flatnonzero(~has_account)
    if len(without):
        rng = stream(seed, "resume-without-power")
        z = rng.normal(0, 1, len(without)) + 0.45 * np.log10(np.maximum(e.level[without], 1.0))
        resume[without] = cal_.assign_resume_days(z, np.ones(len(without), dtype=bool), np.full(len(without), -1))
    resume[faking] = cal_.NEVER
    return resume


def day_offsets(days: list[date]) -> np.ndarray:
    """Days from Lunar New Year 2020 for each day."""
    return np.array([(d - EPIDEMIC_FROM).days for d in days], dtype=np.int64)


def first_day_of_truth(start: date) -> date:
    """The first day of the per-enterprise truth table (1 January 2020, or the period's start if later)."""
    return max(start, date(2020, 1, 1))
