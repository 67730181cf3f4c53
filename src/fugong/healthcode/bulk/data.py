"""The wide table of rule data: one row per person with every field of the facts contract, in Ibis.

The same summary as ``fugong.healthcode.facts.rule_data``, for everyone at once: for each key the latest fact
(ties broken as the per-person evaluator breaks them), the check-in summary, and the runs of healthy days and
merged isolation periods the release of a rule is counted on. Only the keys a rule set declares are built.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import ibis
import ibis.expr.types as ir

from fugong.healthcode.facts import CONTRACT, FEVER_TENTHS

OPEN_END = 10**7
"""The end of an isolation still going on (a day number far beyond any date the rules reach)."""


@dataclass(frozen=True)
class _Key:
    where: Any
    order: Any
    fields: Any


def _keys(f: ir.Table) -> dict[str, _Key]:
    t: Any = f
    diagnosis, declaration, checkin = t.type == "diagnosis", t.type == "self_declaration", t.type == "checkin"
    reading = t.type == "checkpoint_temperature"
    latest = [t.on.desc(), t.seq.asc()]
    day = {"on": t.on, "source": t.source}
    return {
        "confirmed": _Key(diagnosis & (t.kind == "confirmed"), latest, {**day, "cleared_on": t.d1}),
        "suspected": _Key(diagnosis & (t.kind == "suspected"), latest, {**day, "cleared_on": t.d1}),
        "close_contact": _Key(t.type == "close_contact", latest, {**day, "last_exposure": t.d1}),
        "key_area_stay": _Key(
            (t.type == "risk_area_stay") & (t.kind == "key"),
            [t.d2.desc(), t.on.desc(), t.seq.asc()],
            {**day, "area": t.place, "start": t.d1, "end": t.d2},
        ),
        "declared_travel": _Key(declaration & t.travel, latest, day),
        "declared_contact": _Key(declaration & t.contact, latest, day),
        "travel_denial": _Key(declaration & t.legal_notice & ~t.travel, latest, day),
        "symptoms": _Key(
            (declaration | checkin) & t.symptoms.fill_null(False),
            [t.on.desc(), checkin.cast("int8").asc(), t.seq.asc()],
            day,
        ),
        "checkpoint_temperature": _Key(
            reading, [t.at.desc(), t.seq.asc()], {**day, "tenths": t.tenths, "place": t.place}
        ),
        "checkpoint_fever": _Key(
            reading & (t.tenths >= FEVER_TENTHS),
            [t.at.desc(), t.seq.asc()],
            {**day, "tenths": t.tenths, "place": t.place},
        ),
        "co_location": _Key(
            t.type == "co_location",
            [t.on.desc(), t.at.desc(), t.seq.asc()],
            {**day, "visited_on": (t.at // 86400).cast("int64"), "place": t.place},
        ),
        "false_declaration": _Key(t.type == "false_declaration", latest, day),
        "isolation": _Key(t.type == "isolation", latest, {**day, "start": t.d1, "end": t.d2}),
        "temperature": _Key(
            (checkin & t.tenths.notnull()) | reading,
            [t.on.desc(), checkin.cast("int8").desc(), t.seq.asc()],
            {**day, "tenths": t.tenths},
        ),
    }


def column(key: str, field: str | None) -> str:
    """The wide table's column for a fact's field, or (``field`` None) for whether the person has the fact."""
    return f"{key}__{field or 'present'}"


def known(facts: ir.Table, on: int) -> ir.Table:
    """The facts known on day ``on``: those dated on or before it."""
    t: Any = facts
    return facts.filter(t.on <= on)


def _latest_of(f: ir.Table, key: str, spec: _Key) -> ir.Table:
    t: Any = f
    wanted = {column(key, name): expr for name, expr in spec.fields.items() if name in CONTRACT[key]}
    ranked: Any = f.filter(spec.where).mutate(
        _rank=ibis.row_number().over(group_by=t.person, order_by=spec.order), **wanted
    )
    return ranked.filter(ranked._rank == 0).select("person", *wanted, **{column(key, None): ibis.literal(True)})


def islands(f: ir.Table) -> ir.Table:
    """Runs of consecutive healthy check-in days per person: (person, i_start, i_end)."""
    t: Any = f.filter(f.type == "checkin")
    healthy_row = ~t.symptoms.fill_null(False) & (t.tenths.isnull() | (t.tenths < FEVER_TENTHS))
    days: Any = t.group_by("person", "on").aggregate(healthy=healthy_row.all())
    h: Any = days.filter(days.healthy)
    grouped: Any = h.mutate(_run=h.on - ibis.row_number().over(group_by=h.person, order_by=h.on))
    return grouped.group_by("person", "_run").aggregate(i_start=grouped.on.min(), i_end=grouped.on.max()).drop("_run")


def isolation_periods(f: ir.Table) -> ir.Table:
    """Isolation periods merged where they overlap or touch: (person, ms, me); an open period ends at OPEN_END."""
    t: Any = f.filter(f.type == "isolation")
    periods: Any = t.select("person", start=t.d1, end=t.d2.fill_null(OPEN_END))
    before = ibis.window(group_by=periods.person, order_by=[periods.start, periods.end], rows=(None, -1))
    upto = ibis.window(group_by=periods.person, order_by=[periods.start, periods.end], rows=(None, 0))
    marked: Any = periods.mutate(_reach=periods.end.max().over(before))
    marked = marked.mutate(_new=(marked._reach.isnull() | (marked.start > marked._reach + 1)).cast("int64"))
    grouped: Any = marked.mutate(_group=marked._new.sum().over(upto))
    return grouped.group_by("person", "_group").aggregate(ms=grouped.start.min(), me=grouped.end.max()).drop("_group")


def wide(facts: ir.Table, on: int, keys: Iterable[str]) -> tuple[ir.Table, ir.Table]:
    """(one row per person with the declared keys, the check-in summary and the alive run; the healthy runs)."""
    f = known(facts, on)
    everyone: Any = facts.select("person").distinct()
    specs = _keys(f)
    out: Any = everyone
    for key in dict.fromkeys(keys):
        if key in specs:
            out = out.left_join(_latest_of(f, key, specs[key]), "person").drop("person_right")
            out = out.mutate(**{column(key, None): out[column(key, None)].fill_null(False)})
    c: Any = f.filter(f.type == "checkin")
    summary: Any = c.group_by("person").aggregate(_last=c.on.max(), _count=c.count())
    runs: Any = islands(f)
    joined: Any = runs.join(summary, "person")
    alive: Any = joined.filter((joined.i_end == on) | ((joined.i_end == on - 1) & (joined._last != on))).select(
        "person", _a_start="i_start", _a_end="i_end"
    )
    out = out.left_join(summary, "person").drop("person_right").left_join(alive, "person").drop("person_right")
    out = out.mutate(
        **{
            column("checkins", None): ibis.literal(True),
            column("checkins", "last_on"): out._last,
            column("checkins", "count"): out._count.fill_null(0).cast("int64"),
            column("checkins", "streak"): (out._a_end - out._a_start + 1).fill_null(0).cast("int64"),
            column("checkins", "source"): ibis.literal("checkin"),
            "_on_checked": (out._last == on).fill_null(False),
        }
    ).drop("_last", "_count")
    return out, runs
