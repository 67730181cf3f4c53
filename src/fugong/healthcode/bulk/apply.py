"""Applying a bulk re-evaluation to the stored colours: what the gates and the citizen's code read (``hc_status``).

1. Registered persons are grouped by the rule set their county resolves to on the day
   (``RuleBook.for_region``); the bulk plan runs once per distinct rule set, on the facts of that group only.
2. Each person whose bulk colour, start or green date differs from the stored one (or who has none stored) is
   evaluated again by the per-person evaluator on the same facts (the store's and the lake's). That gives the
   facts for the colour log record and checks the bulk row; the per-person result is what is written, through
   ``audit.apply_evaluation`` (so no colour changes without its record), in batches of one transaction each.
3. A manual colour (two officials) stands, as in ``service.reevaluate``, until a fact is recorded after their
   decision: a store fact recorded after it, or a lake fact known (its day) after the day of the decision.

A second run on the same inputs writes nothing. Pseudonyms of the lake that nobody registered are counted, never
registered.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from fugong.errors import InvalidInput
from fugong.healthcode import audit
from fugong.healthcode.bulk.frame import fact_of_row
from fugong.healthcode.bulk.run import NoFacts, lake_facts_for, reevaluate, store_facts
from fugong.healthcode.facts import Fact, fact_as_json, fact_from_json
from fugong.healthcode.models import LAKE_COPY, HcFact, HcPerson, HcStatus
from fugong.healthcode.rules import RuleBook, RuleSet
from fugong.healthcode.status import evaluate
from fugong.settings import Settings
from fugong.store import utcnow

BATCH = 1000
"""Persons written per transaction."""

Sessions = Callable[[], AbstractContextManager[Session]]
Wanted = tuple[str, date | None, date | None]


class InvalidApply(InvalidInput):
    """Options that cannot go with applying: one rule set for all, one output file, leaving out the store."""

    code = "invalid_apply"


@dataclass(frozen=True)
class GroupRun:
    """One run of the bulk plan: the rule set, the counties and registered persons it is in force for, its file."""

    ruleset: str
    counties: tuple[str, ...]
    persons: int
    with_facts: int
    output: Path | None
    inputs: dict[str, str]


@dataclass
class Applied:
    """What an apply run changed: colour changes by (from, to), date-only changes, manual colours kept."""

    on: date
    engine: str
    registered: int = 0
    groups: list[GroupRun] = field(default_factory=list)
    changed: Counter[tuple[str, str]] = field(default_factory=Counter)
    dates_only: int = 0
    manual_kept: int = 0
    unregistered: int = 0
    disagreements: int = 0
    seconds: float = 0.0

    @property
    def colour_changes(self) -> int:
        """How many persons changed colour."""
        return sum(self.changed.values())

    def summary(self) -> dict[str, Any]:
        """A JSON-ready account of the run."""
        return {
            "on": self.on.isoformat(),
            "engine": self.engine,
            "registered": self.registered,
            "rulesets": [
                {
                    "ruleset": g.ruleset,
                    "counties": list(g.counties),
                    "persons": g.persons,
                    "with_facts": g.with_facts,
                    "output": str(g.output) if g.output else None,
                    "inputs": g.inputs,
                }
                for g in self.groups
            ],
            "changed": {f"{old}→{new}": n for (old, new), n in sorted(self.changed.items())},
            "colour_changes": self.colour_changes,
            "dates_only": self.dates_only,
            "manual_kept": self.manual_kept,
            "unregistered": self.unregistered,
            "disagreements": self.disagreements,
            "seconds": self.seconds,
        }


@dataclass(frozen=True)
class _Candidate:
    person_id: int
    pseudonym: str
    ruleset: RuleSet
    wanted: Wanted


def apply(
    sessions: Sessions,
    settings: Settings,
    book: RuleBook,
    on: date,
    *,
    engine: str = "duckdb",
    spark: Any = None,
    batch: int = BATCH,
) -> Applied:
    """Re-evaluate every registered person with their county's rule set and store each colour that changed."""
    started = time.monotonic()
    result = Applied(on, engine)
    with sessions() as session:
        persons = list(session.execute(select(HcPerson.id, HcPerson.pseudonym, HcPerson.county)))
        stored = {s.person_id: (s.colour, s.since, s.green_on) for s in session.scalars(select(HcStatus))}
        extra = store_facts(session)
    result.registered = len(persons)
    groups: dict[tuple[str, int], tuple[RuleSet, list[tuple[int, str, str]]]] = {}
    resolved = {county: book.for_region(county, on) for county in sorted({c for _, _, c in persons})}
    for pid, pseudonym, county in persons:
        rs = resolved[county]
        groups.setdefault((rs.id, rs.version), (rs, []))[1].append((pid, pseudonym, county))
    candidates: list[_Candidate] = []
    for rs, members in groups.values():
        table = pa.table({"person": pa.array([p for _, p, _ in members], pa.string())})
        try:
            run = reevaluate(settings, rs, on, engine=engine, facts=extra, spark=spark, persons=table)
        except NoFacts:  # nobody has a fact: everyone gets the colour of no facts
            run = None
        colours = run.colours.to_pylist() if run is not None else []
        rows = {r["person"]: (r["colour"], r["since"], r["green_on"]) for r in colours}
        nobody = evaluate([], rs, on)
        for pid, pseudonym, _county in members:
            wanted = rows.get(pseudonym, (nobody.colour, nobody.since, nobody.green_on))
            if stored.get(pid) != wanted:
                candidates.append(_Candidate(pid, pseudonym, rs, wanted))
        counties = tuple(sorted({c for _, _, c in members}))
        label = f"{rs.id}@{rs.version}"
        output, inputs = (run.output, run.inputs) if run is not None else (None, {})
        result.groups.append(GroupRun(label, counties, len(members), len(rows), output, inputs))
    registered = pa.table({"person": pa.array([p for _, p, _ in persons], pa.string())})
    wanted_persons = pa.table({"person": pa.array([c.pseudonym for c in candidates], pa.string())})
    lake, result.unregistered = lake_facts_for(settings, wanted_persons, registered)
    from_lake = _by_person(lake)
    for chunk in _chunks(candidates, batch):
        with sessions() as session:
            _write(session, chunk, from_lake, on, result)
    result.seconds = round(time.monotonic() - started, 3)
    return result


def _by_person(table: pa.Table) -> dict[str, list[Fact]]:
    out: dict[str, list[Fact]] = {}
    for row in table.to_pylist():
        out.setdefault(row["person"], []).append(fact_of_row(row))
    return out


def _chunks(items: list[_Candidate], size: int) -> Iterator[list[_Candidate]]:
    for start in range(0, len(items), max(1, size)):
        yield items[start : start + size]


def _write(session: Session, chunk: list[_Candidate], from_lake: dict[str, list[Fact]], on: date, out: Applied) -> None:
    """Evaluate and store one batch of persons in one transaction."""
    ids = [c.person_id for c in chunk]
    query = select(HcStatus).where(HcStatus.person_id.in_(ids)).options(joinedload(HcStatus.change))
    statuses = {s.person_id: s for s in session.scalars(query)}
    kept: dict[int, list[tuple[Fact, datetime]]] = {}
    bodies: dict[int, set[str]] = {}  # every stored fact's JSON, copies of lake facts included
    facts = select(HcFact.person_id, HcFact.body, HcFact.recorded_at, HcFact.source).where(HcFact.person_id.in_(ids))
    for pid, body, recorded_at, source in session.execute(facts.order_by(HcFact.person_id, HcFact.on, HcFact.id)):
        fact = fact_from_json(json.loads(body))
        bodies.setdefault(pid, set()).add(_key(fact))
        if source != LAKE_COPY:  # the lake's facts come from the lake below
            kept.setdefault(pid, []).append((fact, recorded_at))
    evaluations = []
    for c in chunk:
        lake = from_lake.get(c.pseudonym, [])
        mine = kept.get(c.person_id, [])
        status = evaluate([*lake, *(f for f, _ in mine)], c.ruleset, on)
        if (status.colour, status.since, status.green_on) != c.wanted:
            out.disagreements += 1
        before = statuses.get(c.person_id)
        if before is not None and before.change.kind == "manual" and not _newer(before, lake, mine):
            out.manual_kept += 1
            continue
        evaluations.append((c.person_id, status))
    _keep_lake_facts(session, [(c, from_lake.get(c.pseudonym, [])) for c in chunk], bodies, {p for p, _ in evaluations})
    for record in audit.apply_evaluations(session, evaluations):
        if record.old_colour != record.new_colour:
            out.changed[(record.old_colour or "none", record.new_colour)] += 1
        else:
            out.dates_only += 1


def _key(fact: Fact) -> str:
    return json.dumps(fact_as_json(fact), sort_keys=True, ensure_ascii=False)


def _keep_lake_facts(
    session: Session, lake: list[tuple[_Candidate, list[Fact]]], stored: dict[int, set[str]], written: set[int]
) -> None:
    """Copy into the store the lake facts a newly stored colour rests on (those not there yet), marked ``lake``.

    A check-in re-evaluates the person from the store's facts alone; without these copies it would undo a colour
    the lake's feeds gave (a stay in a key area, a CDC listing) until the next bulk run. Bulk runs read the lake,
    not these copies (:data:`fugong.healthcode.models.LAKE_COPY`)."""
    now = utcnow()
    for candidate, facts in lake:
        if candidate.person_id not in written:
            continue  # an officials' colour that stands: nothing new to rest on
        there = stored.setdefault(candidate.person_id, set())
        for fact in facts:
            key = _key(fact)
            if key in there:
                continue
            there.add(key)
            session.add(
                HcFact(
                    person_id=candidate.person_id,
                    type=fact_as_json(fact)["type"],
                    source=LAKE_COPY,
                    on=fact.on,
                    body=json.dumps(fact_as_json(fact), ensure_ascii=False),
                    recorded_at=now,
                )
            )
    session.flush()


def _newer(stored: HcStatus, lake: list[Fact], mine: list[tuple[Fact, datetime]]) -> bool:
    """Whether a fact was recorded after the officials' decision (what lets the rules take over again)."""
    return any(at > stored.changed_at for _, at in mine) or any(f.on > stored.change.on for f in lake)


def apply_settings(settings: Settings, book: RuleBook, on: date, *, engine: str = "duckdb") -> Applied:
    """:func:`apply` on the configured store, with a clear error if it has no health code tables yet."""
    from sqlalchemy import inspect

    from fugong.healthcode.bulk.run import StoreNotReady
    from fugong.store import Store

    store = Store.from_settings(settings)
    try:
        if not inspect(store.engine).has_table("hc_status"):
            raise StoreNotReady(
                f"the operational store ({settings.store_url.split('://')[0]}) has no health code tables: "
                "migrate it first",
                field="store",
            )
        return apply(store.session, settings, book, on, engine=engine)
    finally:
        store.dispose()
