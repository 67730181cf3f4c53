"""The resumption index written once as Ibis expressions, so the same code runs on DuckDB and on PySpark.

Inputs are two Ibis tables on one backend: ``readings(user_id, day, wh)`` (whole watt-hours, NULL where
missing) and optionally ``users(user_id, enterprise_id, county_code, city_code, industry, size_class,
key_group)``. Every level is summed from users (never averaged from lower levels): users are first counted
and summed per day and finest combination of attributes, and each level adds those sums up.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from fugong.geo.industries import sections
from fugong.power.calendar import days_between
from fugong.power.definitions import Parameters, PowerInputError, Ratio, Variant, View
from fugong.power.users import UNKNOWN

LEVEL_COLUMNS: dict[str, tuple[str, ...]] = {
    "province": (),
    "city": ("city_code",),
    "county": ("county_code",),
    "industry": ("industry",),
    "size": ("size_class",),
    "key": ("key_group",),
    "sector": ("sector",),
}
ATTRIBUTES = ("city_code", "county_code", "industry", "size_class", "key_group")
# Attributes derived from the users' own: the sector (三次产业) of the industry section (A primary, B–E secondary,
# the rest tertiary; GB/T 4754-2017 with the NBS 2018 sector rules applied per section).
SECTOR_OF_SECTION = {s.code: s.sector for s in sections()}
POPULATION_ATTRIBUTES = (*ATTRIBUTES, "sector")
PROVINCE_CODE = "all"
FIGURE_COLUMNS = (
    "day",
    "level",
    "code",
    "users",
    "resumed_users",
    "missing_users",
    "resumed_share",
    "production_share",
    "index",
    "outside_users",
)


def parse_levels(text: str) -> tuple[str, ...]:
    """``province,county,county+industry`` → the levels; ``+`` combines attributes into one level."""
    levels = []
    for item in (part.strip().lower() for part in text.split(",")):
        parts = [p.strip() for p in item.split("+")]
        unknown = [p for p in parts if p not in LEVEL_COLUMNS]
        if not item or unknown:
            raise PowerInputError(
                f"--by: unknown level {item!r}; levels are {', '.join(LEVEL_COLUMNS)} or combinations like "
                "county+industry",
                field="--by",
            )
        levels.append("+".join(p for p in parts if p != "province") or "province")
    return tuple(dict.fromkeys(levels))


def level_columns(level: str) -> tuple[str, ...]:
    """Attribute columns that a level groups by (none for the province)."""
    return tuple(c for part in level.split("+") for c in LEVEL_COLUMNS[part])


def exact_at_least(ratio: Ratio, wh: ir.IntegerValue, n: ir.IntegerValue, s: ir.IntegerValue) -> ir.BooleanValue:
    """wh ≥ ratio × s/n as q·n·wh ≥ p·s in 64-bit integers: the same answer on every engine, ties included."""
    q = ibis.literal(ratio.denominator, type="int64")
    p = ibis.literal(ratio.numerator, type="int64")
    return (q * n * wh) >= (p * s)


def enterprise_readings(readings: ir.Table, users: ir.Table) -> ir.Table:
    """Accounts summed per enterprise and day (enterprise view); missing only when no account reported."""
    accounts = users.select("user_id", "enterprise_id")
    joined = readings.left_join(accounts, "user_id")
    enterprise = joined.enterprise_id.fill_null(ibis.literal("account:") + joined.user_id)
    grouped = joined.mutate(unit=enterprise).group_by(["unit", "day"]).aggregate(wh=lambda t: t.wh.sum())
    return grouped.select(user_id=grouped.unit, day=grouped.day, wh=grouped.wh)


def enterprise_users(users: ir.Table) -> ir.Table:
    """One row per enterprise with its attributes (the users file guarantees its accounts agree)."""
    grouped = users.group_by("enterprise_id").aggregate(**{c: users[c].max() for c in ATTRIBUTES})
    return grouped.rename(user_id="enterprise_id")


def units(readings: ir.Table, users: ir.Table | None, params: Parameters) -> tuple[ir.Table, ir.Table | None]:
    """The readings and users of the chosen view: accounts as they are, or enterprises summed."""
    if params.view is View.accounts or users is None:
        return readings, users
    return enterprise_readings(readings, users), enterprise_users(users)


def population(readings: ir.Table, users: ir.Table | None, params: Parameters) -> ir.Table:
    """Every known unit with its baseline (n days, total S in Wh), attributes, and whether it is in the population.

    Known units are those in the users file and those with a reading in the baseline window; a unit is in the
    population when its readings in the window have a positive total. (Units seen only after the window and
    absent from the users file are counted in the run's notes: they have no baseline to be judged against.)
    """
    window = params.baseline
    seen = readings.filter(readings.day.between(window.start, window.end))
    per_user = seen.group_by("user_id").aggregate(n=lambda t: t.wh.count(), s=lambda t: t.wh.sum().fill_null(0))
    if users is None:
        table = per_user.mutate(**{c: ibis.literal(UNKNOWN) for c in ATTRIBUTES})
    else:
        joined = users.select("user_id", *ATTRIBUTES).outer_join(per_user, users.user_id == per_user.user_id)
        table = joined.select(
            user_id=joined.user_id.fill_null(joined.user_id_right),
            n=joined.n.fill_null(0),
            s=joined.s.fill_null(0),
            **{c: joined[c].fill_null(UNKNOWN) for c in ATTRIBUTES},
        )
    return table.mutate(
        sector=table.industry.substitute(SECTOR_OF_SECTION, else_=ibis.literal(UNKNOWN)),
        in_population=(table.n > 0) & (table.s > 0),
    )


def _period(params: Parameters) -> tuple[date, date]:
    if params.first_day is None or params.last_day is None:
        raise PowerInputError("the days to index (--from, --to) are not set", field="--from")
    return params.first_day, params.last_day


def _days_table(days: Sequence[date]) -> ir.Table:
    return ibis.memtable(pa.table({"day": pa.array(list(days), pa.date32())}))


def figures(readings: ir.Table, pop: ir.Table, params: Parameters, days: Sequence[date] | None = None) -> ir.Table:
    """Per day and level: users, resumed users, missing users, the two shares and the index (percent)."""
    first, last = _period(params)
    days = list(days) if days is not None else days_between(first, last)
    levels = params.levels
    columns = [c for c in POPULATION_ATTRIBUTES if any(c in level_columns(level) for level in levels)]
    pop_sums = {
        "users": lambda t: t.in_population.cast("int64").sum(),
        "outside_users": lambda t: (~t.in_population).cast("int64").sum(),
        "base_sum": lambda t: (t.s.cast("float64") / t.n.cast("float64")).sum(where=t.in_population),
    }
    fine_pop = pop.group_by(columns).aggregate(**pop_sums) if columns else pop.aggregate(**pop_sums)
    members = pop.filter(pop.in_population).select("user_id", "n", "s", *columns)
    day_readings = readings.filter(readings.day.between(min(days), max(days)))
    joined = day_readings.join(members, "user_id")
    resumed = joined.wh.notnull() & exact_at_least(params.threshold, joined.wh, joined.n, joined.s)
    counted = joined.mutate(resumed=resumed)
    fine_day = counted.group_by(["day", *columns]).aggregate(
        reported=lambda t: t.wh.count(),
        resumed_users=lambda t: t.resumed.cast("int64").sum(),
        resumed_wh=lambda t: t.wh.sum(where=t.resumed),
        all_wh=lambda t: t.wh.sum(),
    )
    parts = [_level_figures(level, fine_pop, fine_day, days, params.variant) for level in levels]
    return ibis.union(*parts, distinct=False) if len(parts) > 1 else parts[0]


def _level_figures(level: str, fine_pop: ir.Table, fine_day: ir.Table, days: list[date], variant: Variant) -> ir.Table:
    cols = list(level_columns(level))
    sums = {
        "users": lambda t: t.users.sum(),
        "outside_users": lambda t: t.outside_users.sum(),
        "base_sum": lambda t: t.base_sum.sum(),
    }
    level_pop = fine_pop.group_by(cols).aggregate(**sums) if cols else fine_pop.aggregate(**sums)
    level_day = fine_day.group_by(["day", *cols]).aggregate(
        reported=lambda t: t.reported.sum(),
        resumed_users=lambda t: t.resumed_users.sum(),
        resumed_wh=lambda t: t.resumed_wh.sum(),
        all_wh=lambda t: t.all_wh.sum(),
    )
    grid = _days_table(days).cross_join(level_pop)
    table = grid.left_join(level_day, ["day", *cols])
    users = table.users.fill_null(0)
    resumed_users = table.resumed_users.fill_null(0)
    wh = (table.resumed_wh if variant is Variant.zhejiang else table.all_wh).fill_null(0)
    resumed_share = ibis.ifelse(users > 0, resumed_users.cast("float64") * 100.0 / users.cast("float64"), None)
    production_share = ibis.ifelse(table.base_sum > 0, wh.cast("float64") * 100.0 / table.base_sum, None)
    if cols:
        code = table[cols[0]]
        for c in cols[1:]:
            code = code + ibis.literal("|") + table[c]
    else:
        code = ibis.literal(PROVINCE_CODE)
    return table.select(
        day=table.day,
        level=ibis.literal(level),
        code=code,
        users=users,
        resumed_users=resumed_users,
        missing_users=users - table.reported.fill_null(0),
        resumed_share=resumed_share,
        production_share=production_share,
        index=(resumed_share + production_share) / 2.0,
        outside_users=table.outside_users.fill_null(0),
    )
