"""Administrative divisions (GB/T 2260): the province, its cities and counties, with validity dates.

A province is data: a folder with ``divisions.csv`` and ``boundaries.geojson`` (see ``data/zhejiang``).
Codes change over time (a county becomes a district, two districts merge); every unit carries the dates it
was valid and the unit it became, so an old code or name in a feed resolves to the unit of the day asked.
"""

from __future__ import annotations

import csv
import difflib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal

from fugong.errors import InvalidInput

Level = Literal["province", "city", "county"]
_SUFFIXES = ("自治县", "新区", "市", "县", "区", "省")


class UnknownDivision(InvalidInput):
    """A code or name that names no division, or more than one."""

    code = "unknown_region"

    def __init__(self, value: str, suggestions: list[Division], *, reason: str = "unknown region") -> None:
        hint = "; closest: " + ", ".join(f"{d.code} {d.name}" for d in suggestions) if suggestions else ""
        super().__init__(f"{reason} {value!r}{hint}", field="region")
        self.value = value
        self.suggestions = suggestions


@dataclass(frozen=True)
class Division:
    """One administrative unit as GB/T 2260 lists it, with the period its code was valid."""

    code: str
    name: str
    level: Level
    type: str
    parent_code: str | None
    valid_from: date | None = None
    valid_to: date | None = None
    successor_code: str | None = None
    predecessor_code: str | None = None
    note: str = ""

    @property
    def short_name(self) -> str:
        """The name without its administrative suffix: 乐清市 → 乐清, 景宁畲族自治县 → 景宁."""
        name = self.name
        if name.endswith("畲族自治县"):
            return name[: -len("畲族自治县")]
        for suffix in _SUFFIXES:
            if name.endswith(suffix) and len(name) - len(suffix) >= 2:
                return name[: -len(suffix)]
        return name

    def valid_on(self, day: date) -> bool:
        """Whether the code was in force on ``day`` (``valid_to`` is the first day it no longer was)."""
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day < self.valid_to)


def _normalise(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip().replace(" ", "")


def _date(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


class Gazetteer:
    """All divisions of one province, looked up by code, name, short name, old name or old code."""

    def __init__(self, divisions: Iterable[Division], reference_date: date) -> None:
        self._by_code = {d.code: d for d in divisions}
        self.reference_date = reference_date
        provinces = [d for d in self._by_code.values() if d.level == "province"]
        if len(provinces) != 1:
            raise InvalidInput(f"a province file needs exactly one province row, found {len(provinces)}")
        self.province = provinces[0]
        self._by_name: dict[str, list[Division]] = {}
        for d in self._by_code.values():
            for key in {d.name, d.short_name}:
                self._by_name.setdefault(key, []).append(d)

    @classmethod
    def from_csv(cls, path: Path, reference_date: date) -> Gazetteer:
        """Read a ``divisions.csv`` (code, name, level, type, parent_code, valid_from, valid_to, ...)."""
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        return cls(
            (
                Division(
                    code=r["code"],
                    name=r["name"],
                    level=r["level"],  # type: ignore[arg-type]
                    type=r["type"],
                    parent_code=r["parent_code"] or None,
                    valid_from=_date(r["valid_from"]),
                    valid_to=_date(r["valid_to"]),
                    successor_code=r["successor_code"] or None,
                    predecessor_code=r["predecessor_code"] or None,
                    note=r["note"],
                )
                for r in rows
            ),
            reference_date,
        )

    def all(self) -> list[Division]:
        """Every division in the file, valid or not, ordered by code."""
        return sorted(self._by_code.values(), key=lambda d: d.code)

    def cities(self, on: date | None = None) -> list[Division]:
        """Prefecture-level cities valid on ``on`` (default: the reference date), ordered by code."""
        return self._level("city", on)

    def counties(self, on: date | None = None, city: str | None = None) -> list[Division]:
        """County-level divisions valid on ``on``, optionally of one city, ordered by code."""
        counties = self._level("county", on)
        if city is None:
            return counties
        parent = self.lookup(city, level="city", on=on)
        return [d for d in counties if d.parent_code == parent.code]

    def _level(self, level: Level, on: date | None) -> list[Division]:
        day = on or self.reference_date
        return [d for d in self.all() if d.level == level and d.valid_on(day)]

    def get(self, code: str) -> Division:
        """The division with exactly this code, whatever its validity."""
        try:
            return self._by_code[code]
        except KeyError:
            raise UnknownDivision(code, self._closest(code)) from None

    def parent(self, division: Division) -> Division:
        """The unit one level up (a county's city, a city's province)."""
        if division.parent_code is None:
            raise UnknownDivision(division.code, [], reason="no parent for")
        return self.get(division.parent_code)

    def lookup(self, value: str, *, on: date | None = None, level: Level | None = None) -> Division:
        """Resolve a code, full name, short name, old name or old code to the unit valid on ``on``.

        ``浙江省温州市乐清市``, ``乐清市``, ``乐清`` and ``330382`` all give 330382 乐清市; ``临安市`` and
        ``330185`` give 330112 临安区. An unknown or ambiguous value raises :class:`UnknownDivision` with the
        closest matches.
        """
        day = on or self.reference_date
        text = _normalise(value)
        if not text:
            raise UnknownDivision(value, [], reason="empty region")
        candidates = self._candidates(text)
        if level is not None:
            candidates = [d for d in candidates if d.level == level]
        if not candidates:
            raise UnknownDivision(value, self._closest(text, level))
        resolved = {self.resolve(d, day).code: self.resolve(d, day) for d in candidates}
        if len(resolved) > 1:
            current = [d for d in candidates if d.valid_on(day)]
            if len(current) == 1:
                return current[0]
            raise UnknownDivision(value, sorted(resolved.values(), key=lambda d: d.code), reason="ambiguous region")
        return next(iter(resolved.values()))

    def _candidates(self, text: str) -> list[Division]:
        if text.isdigit():
            return [self._by_code[text]] if text in self._by_code else []
        if text in self._by_name:
            return self._by_name[text]
        # "浙江省温州市乐清市", "温州乐清": strip leading names of the province and cities.
        for prefix in sorted(self._prefixes(), key=len, reverse=True):
            if text.startswith(prefix) and len(text) > len(prefix):
                return self._candidates(text[len(prefix) :])
        return []

    def _prefixes(self) -> set[str]:
        units = [self.province, *[d for d in self._by_code.values() if d.level == "city"]]
        return {name for d in units for name in (d.name, d.short_name)}

    def resolve(self, division: Division, day: date) -> Division:
        """Follow successors (or, for a unit not yet created, predecessors) to the unit valid on ``day``."""
        seen: set[str] = set()
        current = division
        while not current.valid_on(day) and current.code not in seen:
            seen.add(current.code)
            if current.valid_to is not None and day >= current.valid_to and current.successor_code:
                current = self.get(current.successor_code)
            elif current.valid_from is not None and day < current.valid_from and current.predecessor_code:
                current = self.get(current.predecessor_code)
            else:
                break
        return current

    def _closest(self, text: str, level: Level | None = None, n: int = 3) -> list[Division]:
        pool = [d for d in self._by_code.values() if level is None or d.level == level]
        if text.isdigit():
            # Codes are hierarchical: the nearest are those sharing the longest prefix, then the nearest number.
            current = [d for d in pool if d.valid_on(self.reference_date)]

            def distance(d: Division) -> tuple[int, int]:
                shared = next((i for i, (a, b) in enumerate(zip(d.code, text, strict=False)) if a != b), 6)
                return (-shared, abs(int(d.code) - int(text)))

            return sorted(current, key=distance)[:n]
        keys: dict[str, Division] = {}
        for d in sorted(pool, key=lambda d: (not d.valid_on(self.reference_date), d.code)):
            for key in (d.code, d.name, d.short_name):
                keys.setdefault(key, d)
        matches = difflib.get_close_matches(text, list(keys), n=n * 3, cutoff=0.5)
        found: list[Division] = []
        for m in matches:
            if keys[m] not in found:
                found.append(keys[m])
        return found[:n]


def province_folder(province: str) -> Path:
    """The folder of a province: a path, or the name of one shipped in ``fugong/geo/data``."""
    path = Path(province)
    if path.is_dir():
        return path
    shipped = Path(str(resources.files("fugong.geo") / "data"))
    folder = shipped / province
    if not (folder / "divisions.csv").exists():
        known = sorted(p.name for p in shipped.iterdir() if (p / "divisions.csv").exists())
        raise InvalidInput(f"unknown province {province!r}; shipped: {', '.join(known)}; or give a folder path")
    return folder


@lru_cache(maxsize=8)
def load_gazetteer(province: str = "zhejiang", reference_date: date = date(2020, 2, 1)) -> Gazetteer:
    """The gazetteer of a shipped province or of a folder with the same layout."""
    return Gazetteer.from_csv(province_folder(province) / "divisions.csv", reference_date)
