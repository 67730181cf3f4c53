"""Running the index on files: load and check the inputs, run the Ibis expressions, name the groups, flag the days."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

import duckdb
import ibis
import ibis.expr.types as ir
import pandas as pd

from fugong.geo.divisions import Gazetteer, load_gazetteer
from fugong.geo.industries import SECTOR_NAMES_ZH, section
from fugong.power.calendar import day_flags
from fugong.power.definitions import BaselineWindow, InputFile, Parameters, PowerInputError
from fugong.power.engines import duckdb_backend, frame_of
from fugong.power.index import FIGURE_COLUMNS, PROVINCE_CODE, figures, population, units
from fugong.power.readings import ReadingsReport, load_readings, sql
from fugong.power.users import UNKNOWN, UsersReport, load_users
from fugong.settings import get_settings

OUTPUT_COLUMNS = (
    *FIGURE_COLUMNS[:3],
    "name",
    *FIGURE_COLUMNS[3:],
    "working_day",
    "holiday",
    "makeup_day",
    "days_from_new_year",
)
SIZE_NAMES = {"above": "规上 (above designated size)", "below": "规下 (below designated size)"}
KEY_NAMES = {"key": "重点企业 (key enterprises)", "other": "其他 (other enterprises)"}
UNKNOWN_NAME = "未知 (not in the users file)"

Namer = Callable[[str, str], str]


@dataclass
class Inputs:
    """Checked inputs on one DuckDB connection, with what each file held."""

    backend: ibis.BaseBackend
    readings: ReadingsReport
    users: UsersReport | None = None
    files: list[InputFile] = field(default_factory=list)

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        """The raw DuckDB connection behind the Ibis backend."""
        con: duckdb.DuckDBPyConnection = self.backend.con
        return con

    def tables(self) -> tuple[ir.Table, ir.Table | None]:
        """The readings and (if given) users as Ibis tables."""
        users = self.backend.table("users") if self.users else None
        return self.backend.table("readings"), users

    def notes(self) -> list[str]:
        """What a person should know about the inputs."""
        notes = list(self.readings.notes())
        if self.users and self.users.ignored_columns:
            notes.append(f"users file columns not used: {', '.join(self.users.ignored_columns)}")
        return notes


def open_inputs(readings: Path, users: Path | None = None, backend: ibis.BaseBackend | None = None) -> Inputs:
    """Load and check the readings (and users) files into a DuckDB backend (a fresh in-memory one by default)."""
    backend = backend or duckdb_backend()
    con: duckdb.DuckDBPyConnection = backend.con
    report = load_readings(con, readings)
    inputs = Inputs(backend, report, files=[InputFile.of("readings", readings, report.rows)])
    if users is not None:
        inputs.users = load_users(con, users)
        inputs.files.append(InputFile.of("users", users, inputs.users.users))
    return inputs


def check_baseline(con: duckdb.DuckDBPyConnection, window: BaselineWindow, report: ReadingsReport) -> None:
    """A baseline window without a single reading is an error, not an empty index."""
    row = sql(con, "SELECT count(wh) FROM readings WHERE day BETWEEN $1 AND $2", [window.start, window.end])[0]
    if not row or row[0] == 0:
        raise PowerInputError(
            f"the baseline window {window.describe()} has no readings; the readings cover "
            f"{report.first_day.isoformat()}..{report.last_day.isoformat()}",
            field="--baseline",
        )


def check_days(con: duckdb.DuckDBPyConnection, first: date, last: date, what: str, report: ReadingsReport) -> None:
    """Days that should have readings but have none at all are an error (an all-missing curve helps nobody)."""
    row = sql(con, "SELECT count(wh) FROM readings WHERE day BETWEEN $1 AND $2", [first, last])[0]
    if row[0] == 0:
        raise PowerInputError(
            f"{what} {first.isoformat()}..{last.isoformat()} have no readings; the readings cover "
            f"{report.first_day.isoformat()}..{report.last_day.isoformat()}",
            field="--from",
        )


@dataclass
class IndexRun:
    """The figures of one run with the parameters that produced them and notes on the inputs."""

    figures: pd.DataFrame
    parameters: Parameters
    notes: list[str]


def compute(readings: ir.Table, users: ir.Table | None, params: Parameters) -> pd.DataFrame:
    """Run the Ibis expressions on whatever backend the tables live on; plain figures, sorted."""
    unit_readings, unit_users = units(readings, users, params)
    pop = population(unit_readings, unit_users, params)
    frame = frame_of(figures(unit_readings, pop, params))
    return tidy(frame, params.levels)


def tidy(frame: pd.DataFrame, levels: tuple[str, ...]) -> pd.DataFrame:
    """The same dtypes and row order whichever engine produced the frame."""
    frame = frame.copy()
    frame["day"] = pd.to_datetime(frame["day"]).dt.date
    for column in ("users", "resumed_users", "missing_users", "outside_users"):
        frame[column] = frame[column].astype("int64")
    for column in ("resumed_share", "production_share", "index"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    frame["_level"] = frame["level"].map({level: i for i, level in enumerate(levels)})
    frame = frame.sort_values(["day", "_level", "code"]).drop(columns="_level").reset_index(drop=True)
    return frame[list(FIGURE_COLUMNS)]


def run_index(inputs: Inputs, params: Parameters, namer: Namer | None = None) -> IndexRun:
    """Check the baseline window and calendar, compute the figures and present them with names and day flags."""
    check_baseline(inputs.con, params.baseline, inputs.readings)
    readings, users = inputs.tables()
    frame = compute(readings, users, params)
    notes = inputs.notes()
    outside = int(frame.loc[frame["level"] == "province", "outside_users"].max())
    if outside:
        notes.append(f"{outside} users outside the population (no reading, or a zero total, in the baseline window)")
    unknown = unjudged_users(inputs.con, params, with_users=inputs.users is not None)
    if unknown:
        notes.append(
            f"{unknown} users have readings in the indexed days but neither a baseline nor a line in the users "
            "file: they cannot be judged and are outside the population"
        )
    return IndexRun(present(frame, namer or default_namer()), params.with_inputs(*inputs.files), notes)


def unjudged_users(con: duckdb.DuckDBPyConnection, params: Parameters, *, with_users: bool) -> int:
    """Users read in the indexed days that are unknown to the population (not in the window nor the users file)."""
    known = "UNION SELECT user_id FROM users" if with_users else ""
    row = sql(
        con,
        f"""SELECT count(DISTINCT user_id) FROM readings WHERE day BETWEEN $1 AND $2 AND user_id NOT IN (
            SELECT user_id FROM readings WHERE day BETWEEN $3 AND $4 {known})""",
        [params.first_day, params.last_day, params.baseline.start, params.baseline.end],
    )[0]
    return int(row[0])


def present(frame: pd.DataFrame, namer: Namer) -> pd.DataFrame:
    """Add group names and working-day / holiday / make-up-day flags; columns in the documented order."""
    frame = frame.copy()
    frame["name"] = [namer(level, code) for level, code in zip(frame["level"], frame["code"], strict=True)]
    flags = {d: day_flags(d) for d in sorted(set(frame["day"]))}
    frame["working_day"] = [flags[d].working_day for d in frame["day"]]
    frame["holiday"] = [flags[d].holiday_name if flags[d].holiday else "" for d in frame["day"]]
    frame["makeup_day"] = [flags[d].makeup_day for d in frame["day"]]
    frame["days_from_new_year"] = [flags[d].days_from_new_year for d in frame["day"]]
    return frame[list(OUTPUT_COLUMNS)]


@lru_cache(maxsize=4)
def _gazetteer(province: str, reference_date: date) -> Gazetteer:
    return load_gazetteer(province, reference_date)


def default_namer() -> Namer:
    """Names from the configured province's gazetteer and GB/T 4754; codes it does not know keep an empty name."""
    settings = get_settings()

    def division(code: str) -> str:
        try:
            return _gazetteer(settings.province, settings.reference_date).get(code).name
        except Exception:  # a code of another province (e.g. the Tianchi data) simply has no name here
            return ""

    def part(kind: str, code: str) -> str:
        if code == UNKNOWN:
            return UNKNOWN_NAME
        if kind in ("city", "county"):
            return division(code)
        if kind == "industry":
            return section(code).name_zh
        if kind == "sector":
            return SECTOR_NAMES_ZH.get(code, code)
        return (SIZE_NAMES if kind == "size" else KEY_NAMES).get(code, code)

    def name(level: str, code: str) -> str:
        if level == "province":
            return (division(code) if code != PROVINCE_CODE else "") or "全部用户 (all users)"
        return "|".join(part(kind, c) for kind, c in zip(level.split("+"), code.split("|"), strict=True))

    return name
