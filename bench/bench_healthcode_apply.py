"""Applying the bulk re-evaluation to the stored colours (``fugong healthcode reevaluate --apply``) on N registered
persons in a SQLite store, against the bulk run alone on the same facts (the baseline, in the same run).

    python bench/bench_healthcode_apply.py [--persons 100000] [--seed 2020] [--batch 1000]

Inputs: ``--persons`` registered persons of 西湖区 (330106, the province default rules), inserted directly
(synthetic pseudonyms), with seeded store facts: 60 % with a run of 1–14 daily check-ins ending on 20 Feb 2020,
and a few per cent each with a stay in Wuhan, a close contact with isolation, a gate fever and a declaration of
symptoms. The lake is empty, so every fact comes from the store. Three runs of the apply step:

1. first: nobody has a stored colour yet, so everyone is evaluated per person and written (a record each);
2. again: the same day, nothing changes (only the bulk run and the comparison);
3. next day: 21 Feb, the green dates of persons without a check-in that day move, and some colours change.

Each prints wall and CPU time (this process, DuckDB threads included) and persons per second; the baseline is
``bulk.run.reevaluate`` alone on the same facts and day (what ``reevaluate`` without ``--apply`` costs). The rule
set's plan is compiled before the runs (seconds, once per rule set and day) and not counted in either.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

ON = date(2020, 2, 20)
XIHU = "330106"


def _facts(rng: random.Random) -> list[Any]:
    from fugong.healthcode.facts import (
        CheckIn,
        CheckpointTemperature,
        CloseContact,
        Isolation,
        RiskAreaStay,
        SelfDeclaration,
    )

    facts: list[Any] = []
    if rng.random() < 0.6:
        facts += [CheckIn(ON - timedelta(days=d), symptoms=rng.random() < 0.01) for d in range(rng.randint(1, 14))]
    day = ON - timedelta(days=rng.randint(0, 19))
    if rng.random() < 0.03:
        facts.append(RiskAreaStay("420100", day - timedelta(days=5), day))
    if rng.random() < 0.01:
        facts += [CloseContact(day), Isolation(day, day + timedelta(days=13))]
    if rng.random() < 0.02:
        facts.append(
            CheckpointTemperature(datetime.combine(day, datetime.min.time()) + timedelta(hours=10), "gate", 375)
        )
    if rng.random() < 0.01:
        facts.append(SelfDeclaration(day, True, False, False, True))
    return facts


def _fill(store: Any, persons: int, seed: int) -> int:
    """Insert the registered persons and their facts; return the number of facts."""
    from sqlalchemy import insert

    from fugong.healthcode.facts import fact_as_json
    from fugong.healthcode.models import HcFact, HcPerson
    from fugong.store.types import utcnow

    rng = random.Random(seed)
    now = utcnow()
    total = 0
    with store.session() as session:
        for first in range(0, persons, 10_000):
            people = range(first, min(persons, first + 10_000))
            session.execute(
                insert(HcPerson),
                [
                    {
                        "id": i + 1,
                        "pseudonym": f"p{i}",
                        "name": f"测试{i}",
                        "id_number": f"x{i}",
                        "phone": None,
                        "county": XIHU,
                        "account": None,
                        "registration": "bulk",
                        "registered_by": "bench",
                        "registered_at": now,
                    }
                    for i in people
                ],
            )
            rows = []
            for i in people:
                for fact in _facts(rng):
                    body = fact_as_json(fact)
                    rows.append(
                        {
                            "person_id": i + 1,
                            "type": body["type"],
                            "source": fact.source,
                            "on": fact.on,
                            "body": json.dumps(body, ensure_ascii=False),
                            "recorded_at": now,
                        }
                    )
            if rows:
                session.execute(insert(HcFact), rows)
            total += len(rows)
    return total


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _timed(call: Any) -> tuple[Any, float, float]:
    started, cpu = time.perf_counter(), _cpu()
    result = call()
    return result, time.perf_counter() - started, _cpu() - cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-hc-apply-") as folder:
        os.environ["FUGONG_DATA_DIR"] = str(Path(folder) / "var")
        os.environ["FUGONG_CONFIG"] = str(Path(folder) / "absent.toml")
        os.environ["FUGONG_DATABASE_URL"] = f"sqlite:///{folder}/store.db"
        from fugong.healthcode.bulk.apply import apply
        from fugong.healthcode.bulk.engine import plan
        from fugong.healthcode.bulk.run import reevaluate, store_facts
        from fugong.healthcode.rules import load_rulebook
        from fugong.settings import get_settings
        from fugong.store import Store
        from fugong.store.migrate import upgrade

        settings = get_settings()
        upgrade(settings.store_url)
        store = Store.from_settings(settings)
        book = load_rulebook()
        (facts, made, _) = _timed(lambda: _fill(store, args.persons, args.seed))
        print(
            f"inputs: {args.persons:,} registered persons of {XIHU}, {facts:,} store facts "
            f"({facts / max(1, args.persons):.2f} each, seed {args.seed}), SQLite, inserted in {made:.1f} s; "
            f"batch {args.batch}"
        )

        def baseline(day: date) -> Any:
            with store.session() as session:
                table = store_facts(session)
            return reevaluate(settings, book.for_region(XIHU, day), day, facts=table)

        for day in (ON, ON + timedelta(days=1)):  # compiled once per rule set and day (seconds), not counted
            plan(book.for_region(XIHU, day), day)
        for label, day in (("first", ON), ("again", ON), ("next day", ON + timedelta(days=1))):
            done, wall, cpu = _timed(lambda d=day: apply(store.session, settings, book, d, batch=args.batch))
            _, base_wall, base_cpu = _timed(lambda d=day: baseline(d))
            moves = ", ".join(f"{a}→{b} {n:,}" for (a, b), n in sorted(done.changed.items()))
            print(
                f"{label} ({day}): wall {wall:.1f} s ({args.persons / wall:,.0f} persons/s), CPU {cpu:.1f} s "
                f"({args.persons / cpu:,.0f} persons per CPU-second); changed colour {done.colour_changes:,} "
                f"({moves or 'none'}), dates only {done.dates_only:,}, disagreements {done.disagreements}; "
                f"bulk run alone: wall {base_wall:.1f} s, CPU {base_cpu:.1f} s; ratio wall {wall / base_wall:.1f}x, "
                f"CPU {cpu / base_cpu:.1f}x; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
            )
        store.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
