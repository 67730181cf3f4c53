"""The long form of facts the bulk path reads: one row per fact, dates as day numbers, for any Ibis engine.

Day numbers (days since 1970-01-01, the integer inside Arrow's ``date32``) make date arithmetic the same
integer arithmetic on every engine. Instants (a scan, the hour of a co-location) are seconds since the epoch
of a naive date-time, so ``at // 86400`` is its calendar day. ``seq`` keeps the order of a person's facts,
which the per-person evaluator uses to break ties ("the latest" of two facts of the same day is the first).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

import pyarrow as pa

from fugong.healthcode.facts import (
    CheckIn,
    CheckpointTemperature,
    CloseContact,
    CoLocation,
    Diagnosis,
    Fact,
    FalseDeclarationFinding,
    Isolation,
    RiskAreaStay,
    SelfDeclaration,
)

EPOCH = date(1970, 1, 1)
FACT_SCHEMA = pa.schema(
    [
        ("person", pa.string()),
        ("seq", pa.int64()),
        ("type", pa.string()),
        ("source", pa.string()),
        ("on", pa.int64()),
        ("kind", pa.string()),
        ("d1", pa.int64()),
        ("d2", pa.int64()),
        ("at", pa.int64()),
        ("place", pa.string()),
        ("tenths", pa.int64()),
        ("symptoms", pa.bool_()),
        ("travel", pa.bool_()),
        ("contact", pa.bool_()),
        ("legal_notice", pa.bool_()),
    ]
)
"""Columns: d1 = cleared_on / last_exposure / start; d2 = end; place = area of a stay or a gate's place."""


def day_number(day: date | None) -> int | None:
    """Days since 1970-01-01 (``None`` stays ``None``)."""
    return None if day is None else (day - EPOCH).days


def day_of(number: int | None) -> date | None:
    """The date of a day number."""
    return None if number is None else date.fromordinal(EPOCH.toordinal() + number)


def _seconds(at: datetime) -> int:
    return int(at.replace(tzinfo=UTC).timestamp()) if at.tzinfo is None else int(at.timestamp())


def fact_row(person: str, seq: int, fact: Fact) -> dict[str, object]:
    """One fact as a row of :data:`FACT_SCHEMA`."""
    row: dict[str, object] = {"person": person, "seq": seq, "source": fact.source, "on": day_number(fact.on)}
    match fact:
        case Diagnosis(kind=kind, cleared_on=cleared):
            row |= {"type": "diagnosis", "kind": kind, "d1": day_number(cleared)}
        case CloseContact(last_exposure=last):
            row |= {"type": "close_contact", "d1": day_number(last)}
        case RiskAreaStay(area=area, start=start, end=end, key_area=key_area):
            row |= {"type": "risk_area_stay", "place": area, "d1": day_number(start), "d2": day_number(end)}
            row["kind"] = "key" if key_area else "other"
        case SelfDeclaration(symptoms=s, travel=t, contact=c, legal_notice=n):
            row |= {"type": "self_declaration", "symptoms": s, "travel": t, "contact": c, "legal_notice": n}
        case CheckpointTemperature(at=at, place=place, tenths=tenths):
            row |= {"type": "checkpoint_temperature", "at": _seconds(at), "place": place, "tenths": tenths}
        case CoLocation(place=place, at=at):
            row |= {"type": "co_location", "at": _seconds(at), "place": place}
        case FalseDeclarationFinding():
            row |= {"type": "false_declaration"}
        case Isolation(start=start, end=end, place=place):
            row |= {"type": "isolation", "d1": day_number(start), "d2": day_number(end), "kind": place}
        case CheckIn(symptoms=symptoms, tenths=tenths):
            row |= {"type": "checkin", "symptoms": symptoms, "tenths": tenths}
    return row


def facts_table(persons: Mapping[str, Sequence[Fact]] | Iterable[tuple[str, Sequence[Fact]]]) -> pa.Table:
    """An Arrow table of :data:`FACT_SCHEMA` from each person's facts (pseudonym → facts, in their order)."""
    items = persons.items() if isinstance(persons, Mapping) else persons
    rows = [fact_row(person, seq, fact) for person, facts in items for seq, fact in enumerate(facts)]
    return pa.Table.from_pylist(rows, schema=FACT_SCHEMA)


def _instant(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)


def fact_of_row(row: Mapping[str, Any]) -> Fact:
    """A row of :data:`FACT_SCHEMA` as the fact it stands for (the inverse of :func:`fact_row`; a declaration's
    list of symptoms is not in the long form and comes back empty)."""
    on, d1, d2 = day_of(row["on"]), day_of(row["d1"]), day_of(row["d2"])
    source = row["source"]
    match row["type"]:
        case "diagnosis":
            return Diagnosis(row["kind"], _day(on), d1, source)
        case "close_contact":
            return CloseContact(_day(on), d1, source)
        case "risk_area_stay":
            end = _day(d2)
            return RiskAreaStay(row["place"], _day(d1), end, on if on != end else None, row["kind"] == "key", source)
        case "self_declaration":
            s, t, c, n = (bool(row[k]) for k in ("symptoms", "travel", "contact", "legal_notice"))
            return SelfDeclaration(_day(on), s, t, c, n, source=source)
        case "checkpoint_temperature":
            return CheckpointTemperature(_instant(row["at"]), row["place"], row["tenths"], source)
        case "co_location":
            return CoLocation(row["place"], _instant(row["at"]), _day(on), source)
        case "false_declaration":
            return FalseDeclarationFinding(_day(on), source=source)
        case "isolation":
            return Isolation(_day(d1), d2, row["kind"] or "home", source)
        case "checkin":
            return CheckIn(_day(on), bool(row["symptoms"]), row["tenths"], source)
    raise ValueError(f"unknown fact type {row['type']!r} in the long form")


def _day(day: date | None) -> date:
    if day is None:
        raise ValueError("a fact of the long form without its date")
    return day
