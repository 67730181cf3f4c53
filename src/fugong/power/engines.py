"""Engines for the one Ibis computation: DuckDB (default, embedded) and PySpark (scale-out)."""

from __future__ import annotations

import gc
import warnings
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd
import pyarrow as pa

ENGINES = ("duckdb", "spark")


def duckdb_backend() -> ibis.BaseBackend:
    """A fresh in-memory DuckDB backend that prints no progress bar (output is for people and pipes)."""
    backend = ibis.duckdb.connect()
    backend.con.execute("SET enable_progress_bar = false").fetchall()
    return backend


def to_spark(session: Any, tables: dict[str, pa.Table]) -> ibis.BaseBackend:
    """An Ibis PySpark backend on ``session`` holding these Arrow tables as temporary views."""
    backend = ibis.pyspark.connect(session)
    for name, table in tables.items():
        session.createDataFrame(table).createOrReplaceTempView(name)
    return backend


def arrow_of(table: ir.Table) -> pa.Table:
    """Materialise an Ibis table as Arrow (to move it to another engine)."""
    return table.to_pyarrow()


def frame_of(table: ir.Table) -> pd.DataFrame:
    """Execute an Ibis table into pandas through Arrow (the same path on every engine).

    On PySpark the compiled SQL runs through the session's own Arrow export: Ibis 12's PySpark ``to_pyarrow``
    detours through pandas options that pandas 3 deprecates.
    """
    backend = table._find_backend()
    if backend.name == "pyspark":
        backend._run_pre_execute_hooks(table)  # registers the expression's in-memory tables (the days)
        with warnings.catch_warnings():
            # PySpark 4.0 leaves the local socket it collects results through to the garbage collector
            warnings.simplefilter("ignore", ResourceWarning)
            arrow = backend._session.sql(backend.compile(table)).toArrow()
            gc.collect()
        return arrow.to_pandas()
    return table.to_pyarrow().to_pandas()
