"""A small exact oracle of the power resumption index over the simulated Parquet readings (DuckDB SQL).

It applies what the hub is expected to do with the readings feed (drop null, negative and absurd readings, drop exact
duplicates) and then the definitions of the power issue, with the threshold compared exactly:
resumed ⇔ 10·n·kWh ≥ 3·S, in decimals.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from fugong.sim.calendar import BASELINE_FROM, BASELINE_TO
from fugong.sim.dirt import METER_ABSURD_CENTS

_SQL = """
WITH readings AS (
    SELECT DISTINCT account_id, day, kwh FROM read_parquet($files)
    WHERE kwh IS NOT NULL AND kwh >= 0 AND kwh < $absurd
),
baseline AS (
    SELECT account_id, count(*) AS n, sum(kwh) AS s FROM readings
    WHERE day BETWEEN $b_from AND $b_to GROUP BY account_id HAVING sum(kwh) > 0
),
today AS (
    SELECT b.account_id, b.n, b.s, r.kwh, 10 * b.n * r.kwh >= 3 * b.s AS resumed
    FROM baseline b LEFT JOIN readings r ON r.account_id = b.account_id AND r.day = $day
)
SELECT count(*) AS users,
       count(*) FILTER (WHERE resumed) AS resumed_users,
       sum(CASE WHEN resumed THEN kwh ELSE 0 END) AS resumed_kwh,
       sum(s / n) AS baseline_kwh
FROM today
"""


def power_index(files: list[Path], day: date) -> dict[str, float]:
    """Resumed share, production share and index (percent) of all users with a December-2019 baseline on a day."""
    with duckdb.connect() as con:
        row = con.execute(
            _SQL,
            {
                "files": [str(f) for f in files],
                "absurd": METER_ABSURD_CENTS / 100,
                "b_from": BASELINE_FROM,
                "b_to": BASELINE_TO,
                "day": day,
            },
        ).fetchone()
    if row is None or not row[0]:
        return {"users": 0, "resumed_share": 0.0, "production_share": 0.0, "index": 0.0}
    users, resumed, resumed_kwh, baseline_kwh = row
    resumed_share = 100 * resumed / users
    production_share = 100 * float(resumed_kwh) / float(baseline_kwh)
    return {
        "users": int(users),
        "resumed_share": resumed_share,
        "production_share": production_share,
        "index": (resumed_share + production_share) / 2,
    }
