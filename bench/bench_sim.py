"""Benchmark of the simulator: rows per second and peak memory at demo or province scale.

    python bench/bench_sim.py [--scale demo|province] [--out DIR] [--from D --to D]

The generation runs in a child process so that its peak memory (max RSS) is measured alone. The baseline, measured in
the same run, is Python's csv module writing the same number of rows of five short text columns to disk: the floor a
pure-Python feed writer cannot beat. CPU time is reported beside wall time because this machine is shared.
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = """
import json, sys, time
from datetime import date
from pathlib import Path
from fugong.sim import generate
began = time.perf_counter()
counties = sys.argv[5].split(",") if sys.argv[5] else None
m = generate(Path(sys.argv[1]), scale=sys.argv[2], start=date.fromisoformat(sys.argv[3]),
             end=date.fromisoformat(sys.argv[4]), progress=False, counties=counties)
feeds = sorted({f.feed for f in m.files})
print(json.dumps({"seconds": time.perf_counter() - began, "rows": sum(f.rows for f in m.files), "files": len(m.files),
                  "by_feed": {feed: sum(f.rows for f in m.feed_files(feed)) for feed in feeds}}))
"""


def baseline(rows: int, folder: Path) -> float:
    """Seconds for csv.writer to write ``rows`` rows of five short text columns."""
    began = time.perf_counter()
    with (folder / "baseline.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        block = [("330382198703152918", "13957712345", "330382", "2020-02-10", "36.6")] * 100_000
        left = rows
        while left > 0:
            writer.writerows(block[: min(left, len(block))])
            left -= len(block)
    return time.perf_counter() - began


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=["tiny", "demo", "province"], default="demo")
    parser.add_argument("--out", type=Path, default=None, help="folder for the province (default: a temporary one)")
    parser.add_argument("--from", dest="start", default="2019-10-01")
    parser.add_argument("--to", dest="end", default="2020-03-31")
    parser.add_argument("--counties", default="", help="only these counties (comma-separated), at the scale's density")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench_sim_") as scratch:
        out = args.out or Path(scratch) / "province"
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        began = time.perf_counter()
        child = subprocess.run(
            [sys.executable, "-c", CHILD, str(out), args.scale, args.start, args.end, args.counties],
            check=True,
            capture_output=True,
            text=True,
        )
        wall = time.perf_counter() - began
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        result = json.loads(child.stdout.strip().splitlines()[-1])
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        peak_gb = after.ru_maxrss / 1024 / 1024  # ru_maxrss is in KiB on Linux
        base = baseline(result["rows"], Path(scratch))
        size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    rows = result["rows"]
    where = f", counties {args.counties}" if args.counties else ""
    print(
        f"scale {args.scale}{where}, period {args.start}..{args.end}: {result['files']} files, {rows:,} rows, "
        f"{size / 1e6:,.0f} MB on disk"
    )
    print(f"generation: {result['seconds']:.1f} s wall in the child ({wall:.1f} s with start-up), {cpu:.1f} s CPU")
    print(f"throughput: {rows / result['seconds']:,.0f} rows/s wall, {rows / cpu:,.0f} rows/s per CPU second")
    print(
        f"baseline (csv.writer, same rows, 5 text columns): {rows / base:,.0f} rows/s; "
        f"ratio simulator / baseline = {(rows / result['seconds']) / (rows / base):.3f}"
    )
    print(f"peak memory (max RSS of the generating process): {peak_gb:.2f} GB")
    for feed, count in sorted(result["by_feed"].items()):
        print(f"  {feed:<18} {count:>12,} rows")


if __name__ == "__main__":
    main()
