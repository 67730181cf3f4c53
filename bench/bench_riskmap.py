"""Grading 90 counties × 180 days against one DuckDB window query over the same cases, measured in the same run.

python bench/bench_riskmap.py [--days 180] [--seed 2020] [--repeat 3]
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import date, timedelta

import duckdb
import pyarrow as pa

from fugong.geo import load_gazetteer
from fugong.riskmap.cases import CaseDay, build_table
from fugong.riskmap.grading import GradingConfig, grade_all
from fugong.riskmap.indicators import compute

START = date(2020, 1, 1)


def synthetic_cases(units: list[str], days: int, seed: int) -> list[CaseDay]:
    """A county-day table: busy early weeks, quieter later; a sixth of the counties never have a case."""
    rng = random.Random(seed)
    rows = []
    for n, unit in enumerate(units):
        if n % 6 == 5:
            continue
        for d in range(days):
            expected = 3.0 if d < 40 else 0.3
            new = sum(1 for _ in range(6) if rng.random() < expected / 6)
            if new:
                local = rng.randint(0, new)
                rows.append(CaseDay(unit, START + timedelta(days=d), new, local, new - local, int(rng.random() < 0.05)))
    return rows


def grade_once(rows: list[CaseDay], units: list[str], days: int) -> int:
    """Check the table, compute every indicator and grade every unit on every day; returns the grades made."""
    end = START + timedelta(days=days - 1)
    table = build_table(rows, units=units, first_day=START, last_day=end)
    return len(grade_all(compute(table, units, START, end), GradingConfig()))


def baseline_once(con: duckdb.DuckDBPyConnection, days: int) -> int:
    """The same cumulative and windowed sums as one DuckDB query over a dense unit × day grid."""
    query = f"""
        WITH grid AS (
            SELECT u.unit, d.day FROM (SELECT DISTINCT unit FROM units) u
            CROSS JOIN (SELECT DATE '{START}' + CAST(i AS INTEGER) AS day FROM range({days}) t(i)) d
        ), dense AS (
            SELECT g.unit, g.day, coalesce(c.new_confirmed, 0) AS n, coalesce(c.new_local, 0) AS l,
                   coalesce(c.new_clusters, 0) AS k
            FROM grid g LEFT JOIN cases c USING (unit, day)
        )
        SELECT unit, day,
               sum(n) OVER w AS cumulative, sum(n) OVER w7 AS new_7d, sum(n) OVER w14 AS new_14d,
               sum(l) OVER w AS local, sum(k) OVER w AS clusters
        FROM dense
        WINDOW w AS (PARTITION BY unit ORDER BY day),
               w7 AS (PARTITION BY unit ORDER BY day ROWS 6 PRECEDING),
               w14 AS (PARTITION BY unit ORDER BY day ROWS 13 PRECEDING)
    """
    return len(con.execute(query).fetchall())


def main() -> None:
    """Run both, print the times and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=180)
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    units = [d.code for d in load_gazetteer("zhejiang").counties()]
    rows = synthetic_cases(units, args.days, args.seed)
    con = duckdb.connect()
    con.register(
        "cases",
        pa.table(
            {
                "unit": [r.unit for r in rows],
                "day": [r.day for r in rows],
                "new_confirmed": [r.new_confirmed for r in rows],
                "new_local": [r.new_local for r in rows],
                "new_clusters": [r.new_clusters for r in rows],
            }
        ),
    )
    con.register("units", pa.table({"unit": units}))
    ours, base = [], []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        graded = grade_once(rows, units, args.days)
        ours.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        counted = baseline_once(con, args.days)
        base.append(time.perf_counter() - t0)
    best, best_base = min(ours), min(base)
    print(f"input: {len(units)} counties × {args.days} days, {len(rows)} case rows (seed {args.seed})")
    print(f"grading (indicators, score, step-downs): {graded} grades in {best:.3f} s (best of {args.repeat})")
    print(f"baseline DuckDB window query (indicators only): {counted} rows in {best_base:.3f} s")
    print(f"ratio grading / baseline: {best / best_base:.1f}; goal < 1 s: {'met' if best < 1 else 'NOT met'}")


if __name__ == "__main__":
    main()
