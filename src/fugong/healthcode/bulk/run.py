"""A bulk re-evaluation run: lake feeds and stored facts in, one Parquet file of colours out, inputs named.

The output holds one row per person with a fact (pseudonym, colour, rule, since, green_on, rule set); its
Parquet metadata names the rule set and version, the day, the engine and every input: the lake snapshot id of
each feed read and the number of facts taken from the operational store. A person without any fact has the
colour the rule set gives to no facts (``nobody``, green under the shipped rules), reported with the run.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import ibis
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlalchemy import select
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session

from fugong.errors import InvalidInput, NotFound
from fugong.healthcode.bulk.engine import run_duckdb, run_spark, spark_frame
from fugong.healthcode.bulk.frame import facts_table
from fugong.healthcode.bulk.sources import FEEDS, KEY_AREAS, lake_facts
from fugong.healthcode.facts import fact_from_json
from fugong.healthcode.models import LAKE_COPY, HcFact, HcPerson
from fugong.healthcode.rules import RuleSet
from fugong.healthcode.status import evaluate
from fugong.hub.lake import Version, get_lake, scan_sql
from fugong.hub.sources import sql_name
from fugong.settings import Settings

ENGINES = ("duckdb", "spark")


class NoFacts(NotFound):
    """Neither the lake nor the store holds any fact to re-evaluate."""

    code = "no_facts"


class StoreNotReady(InvalidInput):
    """The operational store has not been migrated to hold the health code's tables."""

    code = "store_not_ready"


class UnknownEngine(InvalidInput):
    """An engine other than duckdb or spark."""

    code = "unknown_engine"


@dataclass(frozen=True)
class Reevaluation:
    """What a bulk run read, what it found, and where it wrote it."""

    ruleset_id: str
    ruleset_version: int
    on: date
    engine: str
    inputs: dict[str, str]
    store_facts: int
    persons: int
    counts: dict[str, int]
    nobody: str
    output: Path
    seconds: float
    colours: pa.Table = field(repr=False)

    def summary(self) -> dict[str, Any]:
        """A JSON-ready account of the run."""
        return {
            "ruleset": f"{self.ruleset_id}@{self.ruleset_version}",
            "on": self.on.isoformat(),
            "engine": self.engine,
            "inputs": self.inputs,
            "store_facts": self.store_facts,
            "persons": self.persons,
            "counts": self.counts,
            "persons_without_facts": self.nobody,
            "output": str(self.output),
            "seconds": self.seconds,
        }


def store_facts(session: Session) -> pa.Table:
    """Every fact of the operational store (check-ins, declarations, officials' findings…) by pseudonym."""
    query = select(HcPerson.pseudonym, HcFact.body).join(HcPerson, HcPerson.id == HcFact.person_id)
    query = query.where(HcFact.source != LAKE_COPY)  # the lake's own facts, kept for check-ins: read from the lake
    persons: dict[str, list[Any]] = {}
    for pseudonym, body in session.execute(query.order_by(HcFact.person_id, HcFact.on, HcFact.id)):
        persons.setdefault(pseudonym, []).append(fact_from_json(json.loads(body)))
    table = facts_table(persons)
    # After the lake's facts of the same person in the tie-breaks of "the latest".
    return table.set_column(1, "seq", pc.add(table.column("seq"), 100))


def facts_from_store(settings: Settings) -> pa.Table:
    """The operational store's facts (see :func:`store_facts`), with a clear error if it has no health code yet."""
    from fugong.store import Store

    store = Store.from_settings(settings)
    try:
        with store.session() as session:
            return store_facts(session)
    except (OperationalError, ProgrammingError):
        raise StoreNotReady(
            f"the operational store ({settings.store_url.split('://')[0]}) has no health code tables: "
            "migrate it first, or re-evaluate the lake alone with --no-store",
            field="store",
        ) from None
    finally:
        store.dispose()


@contextmanager
def _duckdb_lake(settings: Settings) -> Iterator[tuple[duckdb.DuckDBPyConnection, Any, dict[str, str]]]:
    """A DuckDB connection with a view per present feed (and ``persons``), their Ibis tables, their snapshots."""
    lake = get_lake(settings)
    con = duckdb.connect()
    backend = ibis.duckdb.from_connection(con)
    tables: dict[str, Any] = {}
    inputs: dict[str, str] = {}
    try:
        for name in (*FEEDS, "persons"):
            version = lake.current(name)
            if version is None or not version.files():
                continue
            con.execute(f"CREATE VIEW {sql_name(name)} AS {scan_sql(version, _columns(version))}").fetchall()
            tables[name] = backend.table(name)
            inputs[name] = version.reference
        yield con, tables, inputs
    finally:
        con.close()


def _columns(version: Version) -> list[str]:
    """The dataset's own columns (not the date partition a folder layout adds)."""
    return [entry["name"] for entry in version.manifest["schema"]]


def reevaluate(
    settings: Settings,
    ruleset: RuleSet,
    on: date,
    *,
    engine: str = "duckdb",
    facts: pa.Table | None = None,
    output: Path | None = None,
    spark: Any = None,
    key_areas: tuple[str, ...] = KEY_AREAS,
    persons: pa.Table | None = None,
) -> Reevaluation:
    """Everyone's colour under ``ruleset`` on ``on`` from the lake's feeds and ``facts`` (from the store).

    ``persons`` (a table with a ``person`` column of pseudonyms) restricts the run to them: the apply step runs
    each rule set on the registered persons of the counties it is in force for.
    """
    if engine not in ENGINES:
        raise UnknownEngine(f"engine {engine!r} is not one of {', '.join(ENGINES)}", field="engine")
    started = time.monotonic()
    extra = facts if facts is not None else facts_table({})
    with _duckdb_lake(settings) as (con, tables, inputs):
        if not tables and not extra.num_rows:
            raise NoFacts(
                f"the lake holds none of {', '.join(FEEDS)} and the store no facts: nothing to re-evaluate",
                field="lake",
            )
        lake_expr = lake_facts(tables, key_areas) if tables else None
        if engine == "duckdb":
            con.register("hc_store_facts", extra)
            sql = "SELECT * FROM hc_store_facts"
            if lake_expr is not None:
                sql = f"SELECT * FROM ({ibis.to_sql(lake_expr, dialect='duckdb')}) UNION ALL {sql}"
            if persons is not None:
                con.register("hc_bulk_persons", persons.select(["person"]))
                sql = f"SELECT * FROM ({sql}) WHERE person IN (SELECT person FROM hc_bulk_persons)"
            result = run_duckdb(con, ruleset, on, sql)
        else:
            result = _on_spark(spark, settings, tables, lake_expr, extra, ruleset, on, persons)
    counts = {c: 0 for c in ("green", "yellow", "red")}
    for colour in result.column("colour").to_pylist():
        counts[colour] += 1
    inputs["store"] = f"{extra.num_rows} facts"
    run = Reevaluation(
        ruleset.id,
        ruleset.version,
        on,
        engine,
        inputs,
        extra.num_rows,
        result.num_rows,
        counts,
        evaluate([], ruleset, on).colour,
        output or default_output(settings, ruleset, on),
        round(time.monotonic() - started, 3),
        result,
    )
    _write(run)
    return run


def _on_spark(
    spark: Any,
    settings: Settings,
    tables: dict[str, Any],
    lake_expr: Any,
    extra: pa.Table,
    ruleset: RuleSet,
    on: date,
    persons: pa.Table | None,
) -> pa.Table:
    session = spark or _spark_session()
    lake = get_lake(settings)
    for name in tables:
        version = lake.require(name)
        frame = session.read.parquet(*(str(p) for p in version.files())).select(*_columns(version))
        frame.createOrReplaceTempView(name)
    with spark_frame(session, extra) as facts:
        if lake_expr is not None:
            facts = session.sql(str(ibis.to_sql(lake_expr, dialect="pyspark"))).unionByName(facts)
        if persons is None:
            return run_spark(session, ruleset, on, facts)
        with spark_frame(session, persons.select(["person"])) as wanted:
            return run_spark(session, ruleset, on, facts.join(wanted, "person", "left_semi"))


def lake_facts_for(
    settings: Settings, wanted: pa.Table, registered: pa.Table, key_areas: tuple[str, ...] = KEY_AREAS
) -> tuple[pa.Table, int]:
    """The lake's facts of the ``wanted`` persons (long form, in their order), and how many persons the lake has
    facts of who are not ``registered`` (both tables have a ``person`` column of pseudonyms)."""
    with _duckdb_lake(settings) as (con, tables, _inputs):
        if not tables:
            return facts_table({}), 0
        sql = ibis.to_sql(lake_facts(tables, key_areas), dialect="duckdb")
        con.register("hc_wanted", wanted.select(["person"]))
        con.register("hc_registered", registered.select(["person"]))
        order = 'person, seq, "on", d1, d2, "at", place'
        query = f"SELECT * FROM ({sql}) WHERE person IN (SELECT person FROM hc_wanted) ORDER BY {order}"
        facts = con.sql(query).to_arrow_table()
        others = con.execute(
            f"SELECT count(DISTINCT person) FROM ({sql}) WHERE person NOT IN (SELECT person FROM hc_registered)"
        ).fetchall()
        return facts, int(others[0][0])


def _spark_session() -> Any:
    from pyspark.sql import SparkSession

    return (
        SparkSession.builder.master("local[2]")
        .appName("fugong-healthcode-reevaluate")
        .config("spark.sql.adaptive.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )


def default_output(settings: Settings, ruleset: RuleSet, on: date) -> Path:
    """Where a run writes by default: ``data_dir/healthcode/reevaluations/<id>-v<version>-<day>.parquet``."""
    return settings.data_dir / "healthcode" / "reevaluations" / f"{ruleset.id}-v{ruleset.version}-{on}.parquet"


def _write(run: Reevaluation) -> None:
    table = run.colours.append_column("ruleset", pa.array([f"{run.ruleset_id}@{run.ruleset_version}"] * run.persons))
    metadata = {
        b"fugong.ruleset": f"{run.ruleset_id}@{run.ruleset_version}".encode(),
        b"fugong.on": run.on.isoformat().encode(),
        b"fugong.engine": run.engine.encode(),
        b"fugong.inputs": json.dumps(run.inputs, ensure_ascii=False).encode(),
        b"fugong.persons_without_facts": run.nobody.encode(),
    }
    run.output.parent.mkdir(parents=True, exist_ok=True)
    partial = run.output.with_name(f".{run.output.name}.partial")
    pq.write_table(table.replace_schema_metadata(metadata), partial)
    os.replace(partial, run.output)


def read_output(path: Path) -> tuple[pa.Table, dict[str, str]]:
    """A run's colours and the inputs its metadata names."""
    table = pq.read_table(path)
    meta = {k.decode(): v.decode() for k, v in (table.schema.metadata or {}).items() if k.startswith(b"fugong.")}
    return table, meta
