"""The county monitor's speed, each against a baseline measured in the same run.

1. Grading 90 counties × 180 days against one DuckDB window query over the same cases.
2. The cockpit's first render: the API calls the page makes (page, boundaries, days, grades, resumption, matrix)
   through the in-process ASGI client, on a simulated province ingested into a lake: fully cold (a fresh process,
   the data folder's cache/ emptied), then in another fresh process over the figures the first kept on disk (what
   a user sees after ``fugong demo`` or ``fugong riskmap warm``); against DuckDB reading the same lake datasets
   once. Then the same calls for another day (warm: what a move of the date slider costs).

python bench/bench_riskmap.py [--days 180] [--seed 2020] [--repeat 3] [--cockpit tiny|demo|none] [--data-dir DIR]

``--data-dir`` reuses (or fills, if its lake is empty) a data folder, e.g. ./var after ``fugong demo``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import shutil
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

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


def build_lake(data_dir: Path, scale: str, seed: int) -> None:
    """Generate a simulated province and ingest it, unless the data folder's lake already holds datasets."""
    from fugong.hub.folders import ingest_folder
    from fugong.hub.lake import get_lake
    from fugong.settings import Settings
    from fugong.sim import generate

    settings = Settings(data_dir=data_dir)
    if get_lake(settings).datasets():
        return
    t0 = time.perf_counter()
    manifest = generate(data_dir.parent / f"province-{scale}", scale=scale, seed=seed)  # type: ignore[arg-type]
    ingest_folder(manifest.out_dir, settings)
    print(f"built the {scale} province's lake in {time.perf_counter() - t0:.1f} s (not timed below)")


def _cockpit_child(data_dir: str, queue: Any) -> None:
    """In a fresh interpreter: time the page's calls cold, then warm, then the DuckDB baseline."""
    from fastapi.testclient import TestClient

    from fugong.auth.tokens import issue_token
    from fugong.auth.users import create_user
    from fugong.geo import load_gazetteer
    from fugong.hub import lake
    from fugong.settings import Settings
    from fugong.store import migrate, utcnow
    from fugong.web.app import create_app

    work = Path(tempfile.mkdtemp(prefix="bench-riskmap-"))
    url = f"sqlite:///{work / 'store.db'}"
    migrate.upgrade(url)
    settings = Settings(data_dir=Path(data_dir), database_url=url)
    app = create_app(settings)
    with app.state.store.session() as session:
        create_user(session, "bench", roles=("analyst",), gazetteer=load_gazetteer(settings.province))
        headers = {"Authorization": f"Bearer {issue_token(session, 'bench', name='bench', now=utcnow()).token}"}
    timings: dict[str, Any] = {}
    with TestClient(app) as client:

        def call(path: str) -> float:
            t0 = time.perf_counter()
            response = client.get(path, headers=headers)
            elapsed = time.perf_counter() - t0
            if response.status_code != 200:
                raise SystemExit(f"{path}: {response.status_code} {response.text[:300]}")
            return elapsed

        def page(day: str, first: bool) -> dict[str, float]:
            paths = ["/riskmap", "/api/geo/boundaries", "/api/riskmap/days"] if first else []
            paths += [f"/api/riskmap/{api}?date={day}" for api in ("grades", "resumption", "matrix")]
            return {path: call(path) for path in paths}

        t0 = time.perf_counter()
        days = client.get("/api/riskmap/days", headers=headers).json()
        timings["days_call"] = time.perf_counter() - t0
        timings["cold"] = page(days["last"], first=True)
        timings["cold"]["/api/riskmap/days"] += timings.pop("days_call")  # the first call of days was cold
        timings["warm"] = page("2020-02-19", first=False)
    found = lake.get_lake(settings)
    rows = {}
    t0 = time.perf_counter()
    with duckdb.connect() as con:
        for name, query in (
            ("cdc_cases", "SELECT residence_code, confirmed_on, count(*) FROM t GROUP BY ALL"),
            ("grid_readings", "SELECT account_id, count(*), sum(kwh) FROM t GROUP BY ALL"),
            ("county_stats", "SELECT * FROM t"),
        ):
            scan = lake.scan_sql(found.require(name))
            rows[name] = found.require(name).rows
            con.execute(f"SELECT count(*) FROM ({query.replace('FROM t', f'FROM ({scan})')})").fetchall()
    timings["baseline"] = time.perf_counter() - t0
    timings["rows"] = rows
    queue.put(json.dumps(timings))


def _in_new_process(data_dir: Path) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=_cockpit_child, args=(str(data_dir), queue))
    child.start()
    result: dict[str, Any] = json.loads(queue.get(timeout=900))
    child.join()
    return result


def cockpit(data_dir: Path) -> None:
    """Print the cockpit's first render fully cold, then in a new process over the kept figures; the baseline."""
    shutil.rmtree(data_dir / "cache", ignore_errors=True)  # fully cold: nothing computed for these snapshots yet
    cold_run = _in_new_process(data_dir)
    kept_run = _in_new_process(data_dir)  # a new process, the figures kept on disk by the first (as after the demo)
    print(f"lake: {data_dir} ({', '.join(f'{k} {v:,} rows' for k, v in cold_run['rows'].items())})")
    firsts = {}
    for label, result in (("fully cold", cold_run), ("new process, kept figures", kept_run)):
        cold = result["cold"]
        print(f"first render, {label}:")
        for path, seconds in cold.items():
            print(f"  {seconds:7.3f} s  {path}")
        first = firsts[label] = sum(cold.values())
        risk = sum(seconds for path, seconds in cold.items() if "resumption" not in path and "matrix" not in path)
        print(f"  total (the page's calls one after another): {first:.3f} s; risk side {risk:.3f} s")
    print(f"slider move (warm: grades, resumption, matrix of another day): {sum(kept_run['warm'].values()):.3f} s")
    base = kept_run["baseline"]
    print(f"baseline DuckDB reading the same lake datasets once: {base:.3f} s")
    cold_first, kept_first = firsts["fully cold"], firsts["new process, kept figures"]
    print(f"ratio fully cold first render / baseline: {cold_first / base:.1f}")
    print(
        f"ratio first render with kept figures / baseline: {kept_first / base:.1f}; goal < 1.5 s (what a user sees "
        f"after fugong demo or fugong riskmap warm): {'met' if kept_first < 1.5 else 'NOT met'}"
    )


def main() -> None:
    """Run the grading bench, then the cockpit bench; print the times and the ratios."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=180)
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cockpit", choices=("tiny", "demo", "none"), default="tiny")
    parser.add_argument("--data-dir", type=Path, default=None)
    args = parser.parse_args()
    grading(args)
    if args.cockpit != "none":
        data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="bench-riskmap-")) / "var"
        build_lake(data_dir, args.cockpit, args.seed)
        cockpit(data_dir)


def grading(args: argparse.Namespace) -> None:
    """Grading 90 × N days against the DuckDB window query."""
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
