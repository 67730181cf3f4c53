"""What a static map shows: a fill per unit, the legend's swatches, a title and a note naming the inputs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from fugong.errors import InvalidInput
from fugong.riskmap.levels import HIGH_TO_LOW, Level
from fugong.riskmap.resumption import Band

KINDS = ("risk", "resumption")


@dataclass(frozen=True)
class Swatch:
    """One legend entry: its key (a colour or band name), fill and label."""

    key: str
    hex: str
    label: str


@dataclass(frozen=True)
class MapLayer:
    """The fills of one map: unit code → swatch; the legend in order; a title and a note on the inputs."""

    fills: Mapping[str, Swatch]
    legend: tuple[Swatch, ...]
    title: str
    note: str = ""

    def count(self, key: str) -> int:
        """Units filled with the swatch ``key``."""
        return sum(1 for s in self.fills.values() if s.key == key)


def check_kind(kind: str) -> str:
    """risk or resumption; anything else is refused naming the choices."""
    if kind not in KINDS:
        raise InvalidInput(f"kind {kind!r} is not a map; use {' or '.join(KINDS)}", field="kind")
    return kind


def level_swatch(level: Level, language: str) -> Swatch:
    """A risk level's legend entry."""
    return Swatch(level.colour, level.hex, level.label(language))


def band_swatch(band: Band, language: str) -> Swatch:
    """A resumption band's legend entry."""
    return Swatch(band.key, band.hex, band.label(language))


def risk_layer(levels: Mapping[str, Level], *, title: str, language: str = "zh", note: str = "") -> MapLayer:
    """The five-colour map: each unit filled with its level's colour, legend from red to green."""
    return MapLayer(
        {code: level_swatch(level, language) for code, level in levels.items()},
        tuple(level_swatch(level, language) for level in HIGH_TO_LOW),
        title,
        note,
    )


def resumption_layer(bands: Mapping[str, Band], *, title: str, language: str = "zh", note: str = "") -> MapLayer:
    """The resumption map: each county filled with its band's colour, legend from very high to very low."""
    return MapLayer(
        {code: band_swatch(band, language) for code, band in bands.items()},
        tuple(band_swatch(band, language) for band in sorted(Band, reverse=True)),
        title,
        note,
    )
