"""Ingest throughput of a grid-readings CSV against DuckDB's plain ``read_csv`` of the same file, in one run.

    python bench/bench_ingest.py [--rows 10000000] [--dirt 0.01] [--folder DIR]

Writes a CSV of daily readings (accounts × days, with dirt: duplicate rows, negative and absurd readings,
empty kWh, dates written 2020/2/1), then times, on the same file and in the same process:

* ``read_csv → table``: ``CREATE TABLE t AS SELECT * FROM read_csv(file)`` (DuckDB sniffs and parses; no checks)
* ``read_csv → Parquet``: ``COPY (SELECT * FROM read_csv(file)) TO 'x.parquet'`` (the least a lake could do)
* ``hub ingest``: ``fugong.hub.ingest.ingest("grid_readings", [file])`` with every check on: header mapping,
  line numbers, trimming and null words, casts with fallbacks, ranges, date fixes, quarantine with reasons,
  dedupe by key, lineage columns, Parquet partitioned by day, atomic commit.

It prints each time (wall, and CPU time of the process), rows per second, and the hub's speed as a share of each
baseline's (goal: ≥ 0.5 of ``read_csv → table``), by wall time and by CPU time, and the load average of the
machine before and after. Inputs are named in the output: rows, accounts, days, dirt rate, file size, seed.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path

import duckdb

from fugong.hub.ingest import ingest
from fugong.settings import Settings

DAYS = 100


def write_readings(path: Path, rows: int, dirt: float, seed: int = 2020) -> dict[str, int]:
    """A grid-readings CSV of about ``rows`` rows with dirt at ``dirt`` per kind; returns what it holds."""
    accounts = max(1, rows // DAYS)
    every = max(2, round(1 / dirt)) if dirt > 0 else 0
    # Deterministic dirt from a hash of (account, day): duplicates, negatives, absurd values, blanks, odd dates.
    dirty = (
        f"CASE WHEN {every} > 0 AND h % {every} = 1 THEN '-' || kwh "
        f"WHEN {every} > 0 AND h % {every} = 2 THEN '99999999.00' "
        f"WHEN {every} > 0 AND h % {every} = 3 THEN '' ELSE kwh END"
    )
    day = f"CASE WHEN {every} > 0 AND h % {every} = 4 THEN strftime(d, '%Y/%-m/%-d') ELSE CAST(d AS VARCHAR) END"
    with duckdb.connect() as con:
        con.execute("SET enable_progress_bar = false")
        con.execute(f"SELECT setseed({(seed % 1000) / 1000})")
        con.execute(
            f"""COPY (
                WITH base AS (
                    SELECT lpad(CAST(a AS VARCHAR), 10, '0') AS account_id, DATE '2019-12-01' + CAST(d AS INTEGER) AS d,
                           CAST(round(50 + (a * 37 + d * 11) % 900 + (a % 7) / 10.0, 2) AS VARCHAR) AS kwh,
                           hash(a, d) % 100000 AS h
                    FROM range({accounts}) t(a), range({DAYS}) s(d)
                ), written AS (SELECT account_id, {day} AS day, {dirty} AS kwh, h FROM base)
                SELECT account_id, day, kwh FROM written
                UNION ALL SELECT account_id, day, kwh FROM written WHERE {every} > 0 AND h % {every} = 5
            ) TO '{path}' (HEADER, DELIMITER ',')"""
        )
        total = con.execute(f"SELECT count(*) FROM read_csv('{path}', all_varchar=true)").fetchall()[0][0]
    return {"rows": int(total), "accounts": accounts, "days": DAYS}


def timed(label: str, action: object) -> tuple[float, float]:
    """Run ``action`` (a callable); return its wall time and the CPU time of this process (all threads), in s."""
    start, cpu = time.perf_counter(), time.process_time()
    action()  # type: ignore[operator]
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    print(f"  {label:<24} {seconds:8.2f} s  ({cpu_seconds:.2f} s CPU)")
    return seconds, cpu_seconds


def main() -> None:
    """Write the file, run the baselines and the hub on it, print the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000, help="rows in the CSV (default 10,000,000)")
    parser.add_argument("--dirt", type=float, default=0.01, help="share of rows per kind of dirt (default 0.01)")
    parser.add_argument("--folder", type=Path, default=None, help="where to write (default: a temporary folder)")
    args = parser.parse_args()
    folder = args.folder or Path(tempfile.mkdtemp(prefix="bench_ingest_"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "readings.csv"
    try:
        shutil.rmtree(folder / "var", ignore_errors=True)  # a fresh lake: a rerun must not see its own rows
        facts = write_readings(path, args.rows, args.dirt)
        size = path.stat().st_size
        print(
            f"grid readings CSV: {facts['rows']:,} rows ({facts['accounts']:,} accounts × {facts['days']} days, "
            f"dirt {args.dirt:.2%} per kind, seed 2020), {size / 1e6:,.1f} MB, {path}"
        )
        print(f"  load average (1, 5, 15 min) before the run: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
        settings = Settings(data_dir=folder / "var")
        warm = folder / "warm.csv"
        warm.write_text("account_id,day,kwh\n0000000000,2019-11-30,1.00\n", encoding="utf-8")
        ingest("grid_readings", [warm], settings=settings)  # load plugins, contracts and libraries first

        with duckdb.connect() as con:
            con.execute("SET enable_progress_bar = false")
            table = timed(
                "read_csv → table", lambda: con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{path}')")
            )
        with duckdb.connect() as con:
            con.execute("SET enable_progress_bar = false")
            parquet = timed(
                "read_csv → Parquet",
                lambda: con.execute(f"COPY (SELECT * FROM read_csv('{path}')) TO '{folder / 'plain.parquet'}'"),
            )
        reports = []
        hub = timed("hub ingest", lambda: reports.append(ingest("grid_readings", [path], settings=settings)))
        report = reports[0]
        assert report.read == report.accepted + report.quarantined == facts["rows"]
        print(
            f"  hub: read {report.read:,} = accepted {report.accepted:,} + quarantined {report.quarantined:,} "
            f"({report.duplicates:,} duplicates); reasons {report.by_reason}; fixes {report.fixes}"
        )
        rows = facts["rows"]
        # Other jobs share the machine: their load, over the last minute, is part of the figure.
        print(f"  load average (1, 5, 15 min) after the run: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
        for label, (seconds, _) in (("read_csv → table", table), ("read_csv → Parquet", parquet), ("hub ingest", hub)):
            print(f"  {label:<24} {rows / seconds / 1e6:8.2f} M rows/s")
        print(f"  hub speed / read_csv → table:   {table[0] / hub[0]:.2f}  (goal ≥ 0.5)")
        print(f"  hub speed / read_csv → Parquet: {parquet[0] / hub[0]:.2f}")
        # On a machine shared with other jobs wall times swing with their load; CPU time swings less.
        print(f"  by CPU time: hub / read_csv → table {table[1] / hub[1]:.2f}, ", end="")
        print(f"hub / read_csv → Parquet {parquet[1] / hub[1]:.2f}")
        print(f"  peak memory of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")
    finally:
        if args.folder is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
