"""Incremental updates: the per-user baselines are stored once, and each new day is computed on its own.

A state folder holds ``population.parquet`` (every known unit with its baseline n and S, attributes and
whether it is in the population), ``accounts.parquet`` (account → enterprise, for the enterprise view),
``parameters.json`` and ``figures.parquet`` (the plain figures so far). Adding a day joins that day's
readings to the stored baselines only; the figures equal a full recompute because they are the same
expressions over the same baselines.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from fugong.power.definitions import InputFile, Parameters, PowerInputError, View
from fugong.power.engines import duckdb_backend, frame_of
from fugong.power.index import enterprise_readings, figures, population, units
from fugong.power.readings import load_readings
from fugong.power.runs import IndexRun, Inputs, check_baseline, tidy

POPULATION = "population.parquet"
ACCOUNTS = "accounts.parquet"
FIGURES = "figures.parquet"
PARAMETERS = "parameters.json"


@dataclass(frozen=True)
class State:
    """A state folder and the parameters it was built with."""

    folder: Path
    parameters: Parameters

    @classmethod
    def open(cls, folder: Path) -> State:
        """Open a state folder made by :func:`build_state`."""
        path = folder / PARAMETERS
        if not path.exists():
            raise PowerInputError(f"{folder} is not an index state folder (no {PARAMETERS})", field="--state")
        return cls(folder, Parameters.from_dict(json.loads(path.read_text(encoding="utf-8"))))

    def figures(self) -> pd.DataFrame:
        """The plain figures stored so far."""
        frame = pd.read_parquet(self.folder / FIGURES)
        frame["day"] = pd.to_datetime(frame["day"]).dt.date
        return frame


def build_state(inputs: Inputs, params: Parameters, folder: Path) -> IndexRun:
    """Compute the baselines and the figures for ``params``' days, and store both in ``folder``."""
    check_baseline(inputs.con, params.baseline, inputs.readings)
    readings, users = inputs.tables()
    unit_readings, unit_users = units(readings, users, params)
    pop = population(unit_readings, unit_users, params)
    folder.mkdir(parents=True, exist_ok=True)
    inputs.backend.to_parquet(pop, folder / POPULATION)
    if users is not None:
        inputs.backend.to_parquet(users.select("user_id", "enterprise_id"), folder / ACCOUNTS)
    stored = inputs.backend.read_parquet(folder / POPULATION)
    frame = tidy(frame_of(figures(unit_readings, stored, params)), params.levels)
    frame.to_parquet(folder / FIGURES, index=False)
    params = params.with_inputs(*inputs.files)
    params.write(folder / PARAMETERS)
    return IndexRun(frame, params, inputs.notes())


def add_days(folder: Path, readings_path: Path) -> IndexRun:
    """Compute only the days in ``readings_path`` against the stored baselines and append them to the state."""
    state = State.open(folder)
    params = state.parameters
    backend = duckdb_backend()
    report = load_readings(backend.con, readings_path, "new_readings")
    done = state.figures()
    last_done = max(done["day"]) if len(done) else params.baseline.end
    days = sorted({d for (d,) in backend.con.execute("SELECT DISTINCT day FROM new_readings").fetchall()})
    already = [d for d in days if d <= last_done]
    if already:
        raise PowerInputError(
            f"{readings_path}: {already[0].isoformat()} is not after the last day already computed "
            f"({last_done.isoformat()}); recompute from the full readings instead",
            field="--readings",
        )
    readings = backend.table("new_readings")
    if params.view is View.enterprises and (folder / ACCOUNTS).exists():
        readings = enterprise_readings(readings, backend.read_parquet(folder / ACCOUNTS))
    pop = backend.read_parquet(folder / POPULATION)
    extended = params.through(max(days), InputFile.of("readings", readings_path, report.rows))
    frame = tidy(frame_of(figures(readings, pop, extended, _span(days))), params.levels)
    pd.concat([done, frame], ignore_index=True).to_parquet(folder / FIGURES, index=False)
    extended.write(folder / PARAMETERS)
    return IndexRun(frame, extended, report.notes())


def _span(days: list[date]) -> list[date]:
    """Every day from the first to the last new day (a day without readings shows every user missing)."""
    from fugong.power.calendar import days_between

    return days_between(days[0], days[-1])
