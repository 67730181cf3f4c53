"""The published five-colour maps of Feb 2020, and how far a grading lands from them."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from importlib import resources

from fugong.riskmap.grading import Grade
from fugong.riskmap.levels import HIGH_TO_LOW, Level

COUNTS_FILE = "published_county_riskmap_counts.csv"
HANGZHOU_FILE = "published_hangzhou_riskmap_2020-02-12.csv"


@dataclass(frozen=True)
class PublishedCounts:
    """Counties per colour on one day as published; None where a colour's count was not published."""

    day: date
    counts: Mapping[Level, int | None]
    note: str = ""


def _text(name: str) -> str:
    return (resources.files("fugong.riskmap") / "data" / name).read_text(encoding="utf-8")


def published_counts() -> list[PublishedCounts]:
    """Every published day of the county map (9, 12, 19, 24, 27 Feb 2020)."""
    out = []
    for row in csv.DictReader(_text(COUNTS_FILE).splitlines()):
        counts = {level: (int(row[level.colour]) if row[level.colour] else None) for level in HIGH_TO_LOW}
        out.append(PublishedCounts(date.fromisoformat(row["as_of"]), counts, row["note"]))
    return out


def published_hangzhou() -> dict[str, Level]:
    """Hangzhou's counties by name and their colour on 12 Feb 2020."""
    return {
        row["county"]: Level.from_colour(row["colour"]) for row in csv.DictReader(_text(HANGZHOU_FILE).splitlines())
    }


def colour_counts(grades: Iterable[Grade]) -> dict[Level, int]:
    """Units per level, every level present (zero when none)."""
    counted = Counter(g.level for g in grades)
    return {level: counted.get(level, 0) for level in HIGH_TO_LOW}


def distance(graded: Mapping[Level, int], published: Mapping[Level, int | None]) -> int:
    """Sum over the published colours of |graded − published| (a county in the wrong colour counts 2)."""
    return sum(abs(graded.get(level, 0) - count) for level, count in published.items() if count is not None)


@dataclass(frozen=True)
class Comparison:
    """Graded and published counts on one day, and their distance."""

    day: date
    graded: Mapping[Level, int]
    published: Mapping[Level, int | None]
    distance: int


def compare(grades: Iterable[Grade], record: Iterable[PublishedCounts]) -> list[Comparison]:
    """Each published day beside the grading's counts on that day (days the grading lacks are left out)."""
    by_day: dict[date, list[Grade]] = {}
    for g in grades:
        by_day.setdefault(g.day, []).append(g)
    out = []
    for entry in record:
        if entry.day in by_day:
            graded = colour_counts(by_day[entry.day])
            out.append(Comparison(entry.day, graded, entry.counts, distance(graded, entry.counts)))
    return out
