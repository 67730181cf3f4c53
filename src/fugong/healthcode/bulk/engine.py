"""The status engine for everyone at once: which rules hold, when each lets go, the colour and the green date.

Mirrors ``fugong.healthcode.status.evaluate`` step by step (its docstring states the rules); a test with random
facts checks that both agree person by person. One row per (person, rule whose ``when`` holds) carries the
rule's ``since``, ``until`` and counting start; joins with the runs of healthy check-in days and the merged
isolation periods give the day the rule lets go (or would, with a healthy check-in every day).
"""

from __future__ import annotations

import gc
import tempfile
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb
import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.parquet as pq

from fugong.healthcode.bulk.compiler import Compiler, NotCompilable, greatest, least, null_of
from fugong.healthcode.bulk.data import column, isolation_periods, known, wide
from fugong.healthcode.bulk.frame import FACT_SCHEMA, day_number
from fugong.healthcode.rules import SEVERITY, RuleFailed, RuleSet


def _max2(a: Any, b: Any) -> Any:
    return ibis.greatest(a, b)


def _rule_rows(w: ir.Table, ruleset: RuleSet, on: date) -> ir.Table:
    """One row per person and rule whose ``when`` holds: since, until, counting start, what release needs."""
    t: Any = w

    def columns(key: str, field: str | None) -> ir.Value:
        name = column(key, field)
        if name not in w.columns:
            raise NotCompilable(f"the fact {key!r} is not built for this rule set (declare it in 'facts')", field=key)
        return t[name]

    compiler = Compiler(columns, on)
    parts = []
    for i, rule in enumerate(ruleset.rules):
        holds = compiler.condition(rule.when.source, f"{rule.path}.when")
        since = compiler.day(rule.since.source, f"{rule.path}.since")
        until = compiler.day(rule.until.source, f"{rule.path}.until") if rule.until else null_of("date")
        policy = rule.green_after
        start: Any = since
        if policy is not None and policy.counted_from is not None:
            start = compiler.day(policy.counted_from.source, f"{rule.path}.green_after.counted_from")
        parts.append(
            w.filter(holds).select(
                "person",
                "_a_start",
                "_a_end",
                "_on_checked",
                idx=ibis.literal(i, type="int64"),
                sev=ibis.literal(SEVERITY[rule.colour], type="int64"),
                since=since,
                until=until,
                start=start if policy is not None else null_of("date"),
                need=ibis.literal(policy.checkins if policy else None, type="int64"),
                iso=ibis.literal(policy.isolation_days if policy else 0, type="int64"),
            )
        )
    return ibis.union(*parts, distinct=False)


def _releases(rows: ir.Table, runs: ir.Table, periods: ir.Table, on: int) -> ir.Table:
    """Each (person, rule) row with ``end`` (the day it lets go, if any) and ``green`` (the day it would)."""
    r: Any = rows
    j: Any = r.filter(r.start.notnull() & r.need.notnull()).join(runs, "person")
    first = _max2(j.i_start, j.start)
    done: Any = (
        j.filter((j.i_end >= j.start) & (j.i_end - first + 1 >= j.need))
        .mutate(_done=first + j.need - 1)
        .group_by("person", "idx")
        .aggregate(done=lambda x: x._done.min())
    )
    k: Any = r.filter(r.start.notnull() & (r.iso > 0)).join(periods, "person")
    k = k.mutate(_from=_max2(k.ms, k.start))
    k = k.filter(k.me >= k._from).mutate(_len=k.me - k._from + 1)
    k = k.mutate(_cum=k._len.sum().over(ibis.window(group_by=[k.person, k.idx], order_by=k._from, rows=(None, 0))))
    complete: Any = (
        k.filter((k._cum >= k.iso) & (k._cum - k._len < k.iso))
        .mutate(_complete=k._from + (k.iso - (k._cum - k._len)) - 1)
        .group_by("person", "idx")
        .aggregate(complete=lambda x: x._complete.min())
    )
    x: Any = r.left_join(done, ["person", "idx"]).drop("person_right", "idx_right")
    x = x.left_join(complete, ["person", "idx"]).drop("person_right", "idx_right")
    counting = x.start.notnull() & x.need.notnull()
    alive = x._a_end.notnull() & (x._a_end >= x.start)
    current = ibis.cases((alive, x._a_end - _max2(x._a_start, x.start) + 1), else_=0)
    next_day = _max2(x.start, ibis.cases((x._on_checked, on + 1), else_=on))
    due = x.done.fill_null(next_day + x.need - current - 1)
    with_iso = x.iso > 0
    released = ibis.cases(
        (~counting, null_of("date")),
        (with_iso & x.done.notnull() & x.complete.notnull() & (x.complete <= on), _max2(x.done, x.complete)),
        (with_iso, null_of("date")),
        else_=x.done,
    )
    projected = ibis.cases(
        (~counting, null_of("date")),
        (with_iso & x.complete.notnull(), _max2(due, x.complete)),
        (with_iso, null_of("date")),
        else_=due,
    )
    x = x.mutate(end=least([released, x.until]), green=least([projected, x.until]))
    return x.mutate(let_go=(x.end.notnull() & (x.end <= on)))


@dataclass(frozen=True)
class Plan:
    """A rule set compiled for one day and one SQL dialect: the steps to materialise, then the final query.

    Built once from the Ibis expressions and reused for any facts: compiling costs seconds, running it on a few
    persons milliseconds. The facts are read from a table or view named :attr:`facts`. The steps are
    materialised because, inlined, the SQL would repeat the wide table once per rule.
    """

    ruleset_id: str
    ruleset_version: int
    on: date
    dialect: str
    facts: str
    steps: tuple[tuple[str, str], ...]
    final: str


@lru_cache(maxsize=32)
def plan(ruleset: RuleSet, on: date, dialect: str = "duckdb") -> Plan:
    """Compile ``ruleset`` for ``on`` to SQL of ``dialect`` (``duckdb`` or ``pyspark``) through Ibis."""
    day = day_number(on)
    assert day is not None
    tag = uuid.uuid4().hex[:10]
    names = {part: f"hc_bulk_{part}_{tag}" for part in ("facts", "wide", "runs", "rules")}
    facts = ibis.table(ibis.schema(FACT_SCHEMA), name=names["facts"])
    w, runs = wide(facts, day, ruleset.facts)
    w_table = ibis.table(w.schema(), name=names["wide"])
    runs_table = ibis.table(runs.schema(), name=names["runs"])
    rows = _releases(_rule_rows(w_table, ruleset, on), runs_table, isolation_periods(known(facts, day)), day)
    rows_table = ibis.table(rows.schema(), name=names["rules"])
    final = _decide(w_table, rows_table, ruleset)

    def sql(expr: ir.Table) -> str:
        return str(ibis.to_sql(expr, dialect=dialect))

    steps = ((names["wide"], sql(w)), (names["runs"], sql(runs)), (names["rules"], sql(rows)))
    return Plan(ruleset.id, ruleset.version, on, dialect, names["facts"], steps, sql(final))


def finish(result: pa.Table, ruleset: RuleSet) -> pa.Table:
    """The final rows as person, colour, rule, since, green_on (dates); ``rule_failed`` if a since was null."""
    failed = [i for i in result.column("_failed").to_pylist() if i is not None]
    if failed:
        rule = ruleset.rules[min(failed)]
        raise RuleFailed(f"rule {rule.id!r}: 'when' holds but 'since' gave null", field=f"{rule.path}.since")
    days = {"since", "green_on"}
    return pa.table(
        {
            name: result.column(name).cast(pa.int32()).cast(pa.date32()) if name in days else result.column(name)
            for name in ("person", "colour", "rule", "since", "green_on")
        }
    )


def run_duckdb(con: duckdb.DuckDBPyConnection, ruleset: RuleSet, on: date, facts_sql: str) -> pa.Table:
    """Everyone's colour on DuckDB, reading the facts (``FACT_SCHEMA``) from the query ``facts_sql``."""
    compiled = plan(ruleset, on, "duckdb")
    made: list[str] = []
    try:
        con.execute(f'CREATE OR REPLACE TEMP VIEW "{compiled.facts}" AS {facts_sql}').fetchall()
        made.append(f'DROP VIEW "{compiled.facts}"')
        for name, sql in compiled.steps:
            con.execute(f'CREATE OR REPLACE TEMP TABLE "{name}" AS {sql}').fetchall()
            made.append(f'DROP TABLE "{name}"')
        result = con.sql(compiled.final).to_arrow_table()
    finally:
        for statement in reversed(made):
            con.execute(statement).fetchall()
    return finish(result, ruleset)


def run_spark(session: Any, ruleset: RuleSet, on: date, facts: Any) -> pa.Table:
    """Everyone's colour on PySpark, reading the facts from a Spark DataFrame of ``FACT_SCHEMA``."""
    compiled = plan(ruleset, on, "pyspark")
    # Each step is read several times by the next: materialised once, with its lineage cut, Spark plans stay small.
    cached = facts.localCheckpoint()
    cached.createOrReplaceTempView(compiled.facts)
    frames: list[tuple[str, Any]] = []
    try:
        for name, sql in compiled.steps:
            frame = session.sql(sql).localCheckpoint()
            frame.createOrReplaceTempView(name)
            frames.append((name, frame))
        with warnings.catch_warnings():
            # PySpark 4.0 leaves the local socket it collects results through to the garbage collector
            warnings.simplefilter("ignore", ResourceWarning)
            result: pa.Table = session.sql(compiled.final).toArrow()
            gc.collect()
    finally:
        for name, frame in frames:
            session.catalog.dropTempView(name)
            frame.unpersist()
        session.catalog.dropTempView(compiled.facts)
        cached.unpersist()
    return finish(result, ruleset)


def colours(facts: pa.Table, ruleset: RuleSet, on: date, spark: Any = None) -> pa.Table:
    """Everyone's colour from an Arrow table of facts (``FACT_SCHEMA``), on DuckDB in memory or on ``spark``."""
    if spark is not None:
        with spark_frame(spark, facts) as frame:
            return run_spark(spark, ruleset, on, frame)
    with duckdb.connect() as con:
        con.register("hc_bulk_input", facts)
        return run_duckdb(con, ruleset, on, "SELECT * FROM hc_bulk_input")


@contextmanager
def spark_frame(session: Any, table: pa.Table) -> Iterator[Any]:
    """An Arrow table as a Spark DataFrame, through a Parquet file (typed nulls survive; pandas would make floats)."""
    with tempfile.TemporaryDirectory(prefix="hc-bulk-") as folder:
        path = Path(folder) / "facts.parquet"
        pq.write_table(table, path)
        yield session.read.parquet(str(path))


def _decide(w: ir.Table, rows: ir.Table, ruleset: RuleSet) -> ir.Table:
    """Of the rules still holding, the most severe decides; since when, and the green date if all of them lapse."""
    r: Any = rows
    holding: Any = r.filter(~r.let_go)
    order = [holding.sev.desc(), holding.idx]
    ranked: Any = holding.mutate(_rank=ibis.row_number().over(group_by=holding.person, order_by=order))
    top: Any = ranked.filter(ranked._rank == 0).select("person", _sev="sev", _idx="idx", _since="since")
    greens: Any = holding.group_by("person").aggregate(
        _green=holding.green.max(), _open=holding.green.isnull().cast("int64").sum()
    )
    lapsed: Any = r.filter(r.let_go).left_join(top, "person").drop("person_right")
    # The colour began when its rule triggered, or when a more severe rule let go, whichever came later.
    worse: Any = (
        lapsed.filter(lapsed.sev > lapsed._sev.fill_null(0)).group_by("person").aggregate(_worse=lapsed.end.max())
    )
    failed: Any = r.filter(r.since.isnull()).group_by("person").aggregate(_failed=r.idx.min())
    p: Any = w.select("person")
    for part in (top, greens, worse, failed):
        p = p.left_join(part, "person").drop("person_right")
    rule_id = ibis.cases(*((p._idx == i, rule.id) for i, rule in enumerate(ruleset.rules)), else_=ibis.null("string"))
    return p.select(
        "person",
        colour=ibis.cases((p._sev == 2, "red"), (p._sev == 1, "yellow"), else_="green"),
        rule=rule_id,
        since=greatest([p._since, p._worse]),
        green_on=ibis.cases((p._sev.isnull() | (p._open > 0), null_of("date")), else_=p._green),
        _failed="_failed",
    )
