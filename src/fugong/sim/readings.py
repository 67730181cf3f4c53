"""Writing the grid feeds: accounts, monthly readings files (with dirt and one late file), and the resumption truth."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pyarrow as pa

from fugong.sim.calendar import EPIDEMIC_FROM, Calendar
from fugong.sim.calibration import TARGETS
from fugong.sim.dirt import DirtSpec, readings_dirt
from fugong.sim.power import Accounts, daily_cents, first_day_of_truth
from fugong.sim.randomness import stream
from fugong.sim.registry import Enterprises
from fugong.sim.writers import FeedSink, Run

LATE_FROM, LATE_TO = date(2020, 2, 17), date(2020, 2, 21)
LATE_DUE, LATE_DELIVERED = date(2020, 2, 22), date(2020, 2, 26)
ACCOUNT_SPEC = DirtSpec(missing=("county_code",), region_format=("county_code",), bad_check=(("credit_code", "uscc"),))
ACCOUNT_SCHEMA = pa.schema(
    [
        ("account_id", pa.string()),
        ("credit_code", pa.string()),
        ("account_name", pa.string()),
        ("county_code", pa.string()),
        ("industry_code", pa.string()),
        ("voltage_kv", pa.float64()),
        ("opened_on", pa.date32()),
    ]
)
READING_SCHEMA = pa.schema([("account_id", pa.string()), ("day", pa.date32()), ("kwh", pa.decimal128(18, 2))])
TRUTH_SCHEMA = pa.schema(
    [("credit_code", pa.string()), ("day", pa.date32()), ("resumed", pa.bool_()), ("kwh", pa.decimal128(18, 2))]
)


def decimal_cents(cents: np.ndarray, valid: np.ndarray) -> pa.Array:
    """Exact decimal(18, 2) from integer hundredths (no float on the way)."""
    words = np.empty((len(cents), 2), dtype=np.int64)
    words[:, 0] = cents
    words[:, 1] = np.where(cents < 0, -1, 0)
    bitmap = None if valid.all() else pa.array(valid).buffers()[1]
    return pa.Array.from_buffers(
        pa.decimal128(18, 2), len(cents), [bitmap, pa.py_buffer(words.tobytes())], null_count=int((~valid).sum())
    )


def write_accounts(run: Run, acc: Accounts, e: Enterprises) -> None:
    """``feeds/grid/accounts.parquet``."""
    sink = FeedSink(
        run,
        "grid_accounts",
        "feeds/grid/accounts.parquet",
        "parquet",
        ACCOUNT_SCHEMA.names,
        ACCOUNT_SPEC,
        schema=ACCOUNT_SCHEMA,
    )
    codes = np.where(acc.enterprise >= 0, e.credit_code[np.maximum(acc.enterprise, 0)], "")
    for county in np.unique(acc.county).tolist():
        idx = acc.of_county(county)
        sink.write(
            {
                "account_id": acc.account_id[idx].tolist(),
                "credit_code": [c or None for c in codes[idx].tolist()],
                "account_name": acc.name[idx].tolist(),
                "county_code": acc.county[idx].tolist(),
                "industry_code": acc.division[idx].tolist(),
                "voltage_kv": acc.voltage[idx].tolist(),
                "opened_on": [date.fromisoformat(str(d)) for d in acc.opened[idx]],
            }
        )
    sink.close()


@dataclass
class ReadingFiles:
    """The monthly readings sinks and the late one."""

    run: Run
    months: dict[str, FeedSink] = field(default_factory=dict)
    late: FeedSink | None = None

    def sink(self, month: str) -> FeedSink:
        """The sink of one month (``YYYY-MM``)."""
        if month not in self.months:
            self.months[month] = FeedSink(
                self.run,
                "grid_readings",
                f"feeds/grid/readings/readings_{month}.parquet",
                "parquet",
                READING_SCHEMA.names,
            )
        return self.months[month]


def write_county_readings(
    files: ReadingFiles,
    acc: Accounts,
    idx: np.ndarray,
    cal: Calendar,
    county: str,
    factors: tuple[np.ndarray, np.ndarray],
    late_county: str,
) -> tuple[np.ndarray, np.ndarray]:
    """Readings of one county into the monthly files; returns the clean kWh matrix and presence for the truth."""
    run = files.run
    cents, present = daily_cents(run.seed, acc, idx, cal, county, factors)
    days = np.array(cal.days, dtype="datetime64[D]")
    months = days.astype("datetime64[M]")
    late = (county == late_county) & (days >= np.datetime64(LATE_FROM)) & (days <= np.datetime64(LATE_TO))
    groups = [(str(m), (months == m) & ~late) for m in np.unique(months)] + [("late", late)]
    calibration_days = [i for i in (cal.index(d) for d in TARGETS) if i is not None]
    for name, columns in groups:
        positions = np.flatnonzero(columns)
        if len(positions) == 0:
            continue
        rows, cols = np.nonzero(present[:, positions])
        if len(rows) == 0:
            continue
        if name == "late":
            if files.late is None:
                files.late = FeedSink(
                    run,
                    "grid_readings",
                    f"feeds/grid/readings/late/readings_{LATE_FROM.isoformat()}_{county}.parquet",
                    "parquet",
                    READING_SCHEMA.names,
                )
            sink = files.late
        else:
            sink = files.sink(name)
        kwh = cents[rows, positions[cols]]
        rng = stream(run.seed, "dirt", "grid_readings", sink.relative, county)
        # On the calibration days dirt spares resumed users, so the published figures hold after quarantine too.
        baseline = acc.baseline_cents[idx][rows]
        protected = np.isin(positions[cols], calibration_days) & (baseline > 0) & (10 * 31 * kwh >= 3 * baseline)
        source, dirty, valid, defects = readings_dirt(
            kwh, np.ones(len(kwh), dtype=bool), run.rates, rng, run.quota("grid_readings"), protected
        )
        for position, kind, value, clean in defects:
            record = sink.records + position + 1
            if kind == "duplicate":
                clean_text, value_text, column = str(sink.records + clean + 1), "", ""
            else:
                clean_text, column = _money(clean), "kwh"
                value_text = "" if value is None else _money(value)
            run.log.add("grid_readings", sink.relative, record, record, column, kind, value_text, clean_text)
        table = pa.table(
            {
                "account_id": pa.array(acc.account_id[idx][rows[source]]),
                "day": pa.array(days[positions[cols[source]]]),
                "kwh": decimal_cents(dirty, valid),
            },
            schema=READING_SCHEMA,
        )
        sink.write_arrow(table)
        sink.records += len(source)
    return cents, present


def _money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def truth_table(
    acc: Accounts,
    idx: np.ndarray,
    cents: np.ndarray,
    present: np.ndarray,
    e: Enterprises,
    ents: np.ndarray,
    resume: np.ndarray,
    cal: Calendar,
) -> pa.Table:
    """True resumption and clean kWh per enterprise per day of 2020 (enterprises of one county)."""
    first = cal.index(first_day_of_truth(cal.days[0]))
    if first is None or len(ents) == 0:
        return pa.table({n: [] for n in TRUTH_SCHEMA.names}, schema=TRUTH_SCHEMA)
    days = np.array(cal.days[first:], dtype="datetime64[D]")
    offsets = (days - np.datetime64(EPIDEMIC_FROM)).astype(np.int64)
    local = np.full(len(e), -1, dtype=np.int64)
    local[ents] = np.arange(len(ents))
    owner = local[np.maximum(acc.enterprise[idx], 0)]
    owned = (acc.enterprise[idx] >= 0) & (owner >= 0)
    sums = np.zeros((len(ents), len(days)), dtype=np.int64)
    counts = np.zeros((len(ents), len(days)), dtype=np.int64)
    np.add.at(sums, owner[owned], np.where(present[owned, first:], cents[owned, first:], 0))
    np.add.at(counts, owner[owned], present[owned, first:].astype(np.int64))
    resumed = (offsets[None, :] < 0) | (offsets[None, :] >= resume[ents][:, None])
    return pa.table(
        {
            "credit_code": pa.array(np.repeat(e.credit_code[ents], len(days))),
            "day": pa.array(np.tile(days, len(ents))),
            "resumed": pa.array(resumed.ravel()),
            "kwh": decimal_cents(sums.ravel(), counts.ravel() > 0),
        },
        schema=TRUTH_SCHEMA,
    )
