"""Industry classification GB/T 4754-2017: sections A–T, their divisions, and the three sectors.

三次产业 (the three sectors) follow the National Bureau of Statistics' 2018 rules: a section's sector applies to
all its divisions except the few named as exceptions (05, 11 and 43 are tertiary).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Literal

from fugong.errors import InvalidInput

Sector = Literal["primary", "secondary", "tertiary"]
SECTOR_NAMES_ZH: dict[str, str] = {"primary": "第一产业", "secondary": "第二产业", "tertiary": "第三产业"}


class UnknownIndustry(InvalidInput):
    """A section letter or division number that GB/T 4754-2017 does not have."""

    code = "unknown_industry"


@dataclass(frozen=True)
class IndustrySection:
    """One of the 20 sections (门类) of GB/T 4754-2017."""

    code: str
    name_zh: str
    name_en: str
    divisions: tuple[str, ...]
    sector: Sector
    tertiary_divisions: tuple[str, ...] = ()

    def sector_of(self, division: str) -> Sector:
        """The sector of one of this section's divisions."""
        return "tertiary" if division in self.tertiary_divisions else self.sector


def _division_range(text: str) -> tuple[str, ...]:
    first, _, last = text.partition("-")
    return tuple(f"{n:02d}" for n in range(int(first), int(last or first) + 1))


@lru_cache(maxsize=1)
def sections() -> tuple[IndustrySection, ...]:
    """The 20 sections in order A–T."""
    path = resources.files("fugong.geo") / "data" / "gbt4754_2017_sections.csv"
    rows = list(csv.DictReader(path.read_text(encoding="utf-8").splitlines()))
    result = []
    for r in rows:
        sector = r["sector"].split()[0]
        exceptions = tuple(re.findall(r"division (\d{2}) is tertiary", r["sector"]))
        result.append(
            IndustrySection(
                code=r["section"],
                name_zh=r["name_zh"],
                name_en=r["name_en"],
                divisions=_division_range(r["divisions"]),
                sector=sector,  # type: ignore[arg-type]
                tertiary_divisions=exceptions,
            )
        )
    return tuple(result)


def section(code: str) -> IndustrySection:
    """The section with this letter (case-insensitive)."""
    wanted = code.strip().upper()
    for s in sections():
        if s.code == wanted:
            return s
    raise UnknownIndustry(f"unknown industry section {code!r}; sections are A–T", field="industry")


def section_of_division(division: str) -> IndustrySection:
    """The section that holds a two-digit division (大类), e.g. '13' → C 制造业."""
    wanted = division.strip().zfill(2)
    for s in sections():
        if wanted in s.divisions:
            return s
    raise UnknownIndustry(f"unknown industry division {division!r}; divisions are 01–97", field="industry")


def sector_of_division(division: str) -> Sector:
    """The sector (primary, secondary, tertiary) of a two-digit division."""
    wanted = division.strip().zfill(2)
    return section_of_division(wanted).sector_of(wanted)
