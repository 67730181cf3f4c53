"""The ground truth written after the feeds: case series, fakers, dirt summary, calibration, parameters."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from fugong.sim import calibration as cal_
from fugong.sim.calendar import BASELINE_FROM, EPIDEMIC_FROM
from fugong.sim.cases import NEVER_CASE, PROVINCE, Case, county_daily
from fugong.sim.dirt import FACTORS
from fugong.sim.oracle import power_index
from fugong.sim.power import Accounts
from fugong.sim.readings import LATE_DELIVERED, LATE_DUE, LATE_FROM, LATE_TO
from fugong.sim.registry import Enterprises
from fugong.sim.scales import ScaleSpec
from fugong.sim.writers import Run, write_json, write_plain_csv


def write_truth(
    run_: Run,
    truth: Path,
    spec: ScaleSpec,
    seed: int,
    start: date,
    end: date,
    dirt: float,
    e: Enterprises,
    acc: Accounts,
    cases: list[Case],
    achieved: dict[date, Any],
    persons: int,
    simulated: list[Any],
) -> None:
    write_plain_csv(
        truth / "county_cases_daily.csv",
        ["county_code", "day", "new_confirmed", "cumulative_confirmed", "new_local", "new_imported"],
        county_daily([c for c in cases if c.id_number], end),
    )
    fakers = np.flatnonzero(acc.gaming > 0)
    write_plain_csv(
        truth / "gaming.csv",
        ["credit_code", "account_id", "pattern", "from_day"],
        [
            [
                str(e.credit_code[acc.enterprise[i]]),
                str(acc.account_id[i]),
                "flat" if acc.gaming[i] == 1 else "jump",
                EPIDEMIC_FROM + timedelta(days=int(acc.gaming_from[i])),
            ]
            for i in fakers.tolist()
        ],
    )
    quotas = sorted(
        (feed, kind, q.eligible[kind], q.dirty[kind]) for feed, q in run_.quotas.items() for kind in q.eligible
    )
    write_plain_csv(
        truth / "dirt_summary.csv",
        ["feed", "kind", "eligible", "dirty", "rate"],
        [[f, k, n, d, f"{d / n:.6f}" if n else "0"] for f, k, n, d in quotas],
    )
    readings = [run_.out_dir / f.path for f in run_.files if f.feed == "grid_readings"]
    calibration: dict[str, Any] = {"targets": {}, "tolerance_points": cal_.TOLERANCE}
    for day, (resumed, production, index) in sorted(cal_.TARGETS.items()):
        entry: dict[str, Any] = {
            "published": {"resumed_share": resumed, "production_share": production, "index": index}
        }
        if start <= BASELINE_FROM and day <= end and day in achieved:
            r = achieved[day]
            entry["clean"] = {
                "resumed_share": round(r.resumed_share, 4),
                "production_share": round(r.production_share, 4),
                "index": round(r.index, 4),
                "factor": round(r.factor, 6),
            }
            entry["feed_after_quarantine"] = {k: round(v, 4) for k, v in power_index(readings, day).items()}
        else:
            entry["note"] = "the period does not cover the December-2019 baseline and this day: not calibrated"
        calibration["targets"][day.isoformat()] = entry
    write_json(truth / "calibration.json", calibration)
    write_json(
        truth / "parameters.json",
        {
            "scale": asdict(spec) | {"counties": [c.code for c in simulated]},
            "seed": seed,
            "period": [start.isoformat(), end.isoformat()],
            "dirt": dirt,
            "dirt_factors": FACTORS,
            "dirt_rates": run_.rates,
            "counts": {
                "enterprises": len(e),
                "accounts": len(acc),
                "accounts_with_baseline": int(acc.counted.sum()),
                "fakers": len(fakers),
                "persons": persons,
                "cases_listed": sum(1 for c in cases if c.id_number),
            },
            "calibration": {
                "targets": {d.isoformat(): list(v) for d, v in cal_.TARGETS.items()},
                "resumption_curve": [[d.isoformat(), s] for d, s in cal_.RESUMPTION_CURVE],
                "resumed_floor": cal_.RESUMED_FLOOR,
                "idle_ceiling": cal_.IDLE_CEILING,
            },
            "cases": {
                "never_case_counties": sorted(NEVER_CASE),
                "province_unit": PROVINCE,
                "source": "canghailan/Wuhan-2019-nCoV city series (fugong/sim/data)",
            },
            "late_file": {
                "covers": [LATE_FROM.isoformat(), LATE_TO.isoformat()],
                "due": LATE_DUE.isoformat(),
                "delivered": LATE_DELIVERED.isoformat(),
            },
        },
    )
