"""Gaming checks: signs that a firm's meter shows resumption that is not real. Flagged with reasons, never excluded.

* ``flat``: daily kWh almost constant over several days (a load left running around the clock gives the
  same kWh on working and rest days), while the firm's baseline days did vary;
* ``jump``: from not resumed one day to almost exactly its baseline the next (real restarts ramp up);
* ``workforce``: kWh far above what the share of staff on site could produce (needs a workforce table:
  enterprise_id or credit_code, day, on_site, headcount).

The index keeps every flagged firm: a flag asks a county to look, it does not decide.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import ibis
import ibis.expr.types as ir
import pandas as pd

from fugong.power.calendar import day_flags
from fugong.power.definitions import Parameters, PowerInputError, Ratio
from fugong.power.engines import frame_of
from fugong.power.index import exact_at_least
from fugong.power.readings import check_file, columns_of, drop_relation, quote, register_raw, sql

FLAG_COLUMNS = [
    "user_id",
    "check",
    "first_day",
    "last_day",
    "days_flagged",
    "reason",
    "kwh",
    "baseline_kwh",
    "ratio_pct",
]


@dataclass(frozen=True)
class GamingRules:
    """Tolerances of the three checks."""

    flat_days: int = 7
    flat_spread: float = 0.02  # (max − min) / mean of the window's daily kWh at most this
    baseline_spread: float = 0.10  # … while the baseline days spread at least this much
    jump_tolerance: Ratio = field(default_factory=lambda: Ratio.parse("0.02", "--jump-tolerance"))
    workforce_gap: float = 0.5  # kWh share of baseline exceeds the on-site share of staff by this much


def load_workforce(con: duckdb.DuckDBPyConnection, path: Path, table: str = "workforce") -> None:
    """Read a workforce table (enterprise_id or credit_code, day, on_site, headcount); bad rows are errors."""
    check_file(path, "workforce")
    register_raw(con, path, "_work_raw")
    present = {c.lower().strip(): c for c in columns_of(con, "_work_raw") if c != "_line"}
    unit = present.get("enterprise_id") or present.get("credit_code") or present.get("user_id")
    need = [c for c in ("day", "on_site", "headcount") if c not in present]
    if unit is None or need:
        raise PowerInputError(
            f"{path}: a workforce file needs enterprise_id (or credit_code), day, on_site, headcount", field="workforce"
        )
    sql(
        con,
        f"""CREATE OR REPLACE TEMP TABLE _work AS SELECT _line, trim(CAST({quote(unit)} AS VARCHAR)) AS user_id,
            TRY_CAST(CAST({quote(present["day"])} AS VARCHAR) AS DATE) AS day,
            TRY_CAST(CAST({quote(present["on_site"])} AS VARCHAR) AS BIGINT) AS on_site,
            TRY_CAST(CAST({quote(present["headcount"])} AS VARCHAR) AS BIGINT) AS headcount FROM _work_raw""",
    )
    bad = sql(
        con,
        """SELECT _line FROM _work WHERE user_id IS NULL OR day IS NULL OR on_site IS NULL OR headcount IS NULL
           OR on_site < 0 OR headcount <= 0 OR on_site > headcount ORDER BY _line LIMIT 5""",
    )
    if bad:
        lines = ", ".join(str(r[0]) for r in bad)
        raise PowerInputError(
            f"{path}: lines {lines}: need a firm, a date, 0 ≤ on_site ≤ headcount and headcount > 0",
            field="workforce",
        )
    sql(con, f"CREATE OR REPLACE TABLE {table} AS SELECT user_id, day, on_site, headcount FROM _work")
    sql(con, "DROP TABLE _work")
    drop_relation(con, "_work_raw")


def gaming_flags(
    readings: ir.Table,
    pop: ir.Table,
    params: Parameters,
    workforce: ir.Table | None = None,
    rules: GamingRules | None = None,
) -> pd.DataFrame:
    """Every flag raised on the indexed days, one row per unit, day and check, with its reason."""
    rules = rules or GamingRules()
    first, last = params.first_day, params.last_day
    if first is None or last is None:
        raise PowerInputError("the gaming checks need --from and --to", field="--from")
    members = pop.filter(pop.in_population).select("user_id", "n", "s")
    window = params.baseline
    spread = (
        readings.filter(readings.day.between(window.start, window.end), readings.wh.notnull())
        .group_by("user_id")
        .aggregate(b_min=lambda t: t.wh.min(), b_max=lambda t: t.wh.max())
    )
    days = readings.filter(readings.day.between(first, last)).join(members, "user_id").left_join(spread, "user_id")
    days = days.mutate(
        resumed=days.wh.notnull() & exact_at_least(params.threshold, days.wh, days.n, days.s),
        base=days.s.cast("float64") / days.n.cast("float64"),
    )
    by_user = ibis.window(group_by="user_id", order_by="day")
    rolling = ibis.window(group_by="user_id", order_by="day", preceding=rules.flat_days - 1, following=0)
    days = days.mutate(
        prev_day=days.day.lag().over(by_user),
        prev_resumed=days.resumed.lag().over(by_user),
        prev_wh=days.wh.lag().over(by_user),
        w_first=days.day.min().over(rolling),
        w_count=days.wh.count().over(rolling),
        w_min=days.wh.min().over(rolling),
        w_max=days.wh.max().over(rolling),
        w_mean=days.wh.mean().over(rolling),
    )
    frames = [_flat(days, rules), _jump(days, rules)]
    if workforce is not None:
        frames.append(_workforce(days, workforce, rules))
    found = [f for f in frames if not f.empty]
    if not found:
        return pd.DataFrame(columns=FLAG_COLUMNS)
    flags = pd.concat(found, ignore_index=True)
    flags["day"] = pd.to_datetime(flags["day"]).dt.date
    return collapse(flags)


def collapse(flags: pd.DataFrame) -> pd.DataFrame:
    """One row per unit and check: first and last day flagged, how many days, and the first day's reason."""
    flags = flags.sort_values(["user_id", "check", "day"])
    grouped = flags.groupby(["user_id", "check"], sort=False)
    first = grouped.head(1).set_index(["user_id", "check"])
    first["first_day"] = first["day"]
    first["last_day"] = grouped["day"].max()
    first["days_flagged"] = grouped["day"].nunique()
    first = first.reset_index()
    return first.sort_values(["first_day", "user_id", "check"])[FLAG_COLUMNS].reset_index(drop=True)


def _numbers(t: ir.Table) -> dict[str, ir.Value]:
    return {
        "user_id": t.user_id,
        "day": t.day,
        "kwh": t.wh.cast("float64") / 1000.0,
        "baseline_kwh": t.base / 1000.0,
        "ratio_pct": t.wh.cast("float64") * 100.0 / t.base,
    }


def _flat(days: ir.Table, rules: GamingRules) -> pd.DataFrame:
    span = rules.flat_days - 1
    flat = days.filter(
        days.resumed,
        days.w_count == rules.flat_days,
        days.w_first == days.day - ibis.interval(days=span),
        (days.w_max - days.w_min).cast("float64") <= days.w_mean * rules.flat_spread,
        (days.b_max - days.b_min).cast("float64") >= days.base * rules.baseline_spread,
    )
    frame = frame_of(
        flat.select(
            **_numbers(flat),
            w_first=flat.w_first,
            w_spread=(flat.w_max - flat.w_min).cast("float64") * 100.0 / flat.w_mean,
            b_spread=(flat.b_max - flat.b_min).cast("float64") * 100.0 / flat.base,
        )
    )
    if frame.empty:
        return frame
    reasons = []
    for row in frame.itertuples():
        start, end = pd.Timestamp(row.w_first).date(), pd.Timestamp(row.day).date()
        rest = sum(not day_flags(start + pd.Timedelta(days=i).to_pytimedelta()).working_day for i in range(span + 1))
        reasons.append(
            f"daily kWh within {row.w_spread:.1f}% of each other over {start}..{end} ({rest} rest days) while its "
            f"baseline days varied {row.b_spread:.0f}%: a load left running around the clock?"
        )
    frame["check"] = "flat"
    frame["reason"] = reasons
    return frame


def _jump(days: ir.Table, rules: GamingRules) -> pd.DataFrame:
    tol = rules.jump_tolerance
    q, p = ibis.literal(tol.denominator, "int64"), ibis.literal(tol.numerator, "int64")
    deviation = (days.n * days.wh - days.s).abs()
    jump = days.filter(
        days.wh.notnull(),
        days.prev_day == days.day - ibis.interval(days=1),
        ~days.prev_resumed.fill_null(False),
        q * deviation <= p * days.s,
    )
    frame = frame_of(jump.select(**_numbers(jump), prev_pct=jump.prev_wh.cast("float64") * 100.0 / jump.base))
    if frame.empty:
        return frame
    frame["check"] = "jump"
    frame["reason"] = [
        f"jumped from {'no reading' if pd.isna(r.prev_pct) else f'{r.prev_pct:.0f}%'} of baseline the day before "
        f"to {r.ratio_pct:.1f}% (within {tol.numerator / tol.denominator:.0%} of baseline): real restarts ramp up"
        for r in frame.itertuples()
    ]
    return frame


def _workforce(days: ir.Table, workforce: ir.Table, rules: GamingRules) -> pd.DataFrame:
    joined = days.join(workforce, ["user_id", "day"])
    on_site = joined.on_site.cast("float64") / joined.headcount.cast("float64")
    ratio = joined.wh.cast("float64") / joined.base
    odd = joined.filter(joined.resumed, ratio - on_site >= rules.workforce_gap)
    frame = frame_of(odd.select(**_numbers(odd), on_site=odd.on_site, headcount=odd.headcount))
    if frame.empty:
        return frame
    frame["check"] = "workforce"
    frame["reason"] = [
        f"{r.ratio_pct:.0f}% of baseline kWh with {r.on_site} of {r.headcount} staff on site "
        f"({r.on_site * 100 / r.headcount:.0f}%)"
        for r in frame.itertuples()
    ]
    return frame
