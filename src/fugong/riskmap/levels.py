"""The five risk levels of the epidemic map (五色图), lowest to highest, with their names and colours."""

from __future__ import annotations

from enum import IntEnum


class Level(IntEnum):
    """A risk level; a larger value is a higher risk, so levels compare and step down as integers."""

    GREEN = 1
    BLUE = 2
    YELLOW = 3
    ORANGE = 4
    RED = 5

    @property
    def colour(self) -> str:
        """The colour's English name: red, orange, yellow, blue, green."""
        return self.name.lower()

    @property
    def name_zh(self) -> str:
        """The level's Chinese name (高风险 … 低风险)."""
        return _ZH[self]

    @property
    def name_en(self) -> str:
        """The level's English name (high risk … low risk)."""
        return _EN[self]

    @property
    def hex(self) -> str:
        """Fill colour for maps and legends."""
        return _HEX[self]

    def label(self, language: str = "zh") -> str:
        """The level's name in ``zh`` (default) or ``en``."""
        return self.name_en if language == "en" else self.name_zh

    def down(self, steps: int) -> Level:
        """This level lowered by ``steps``, never below green."""
        return Level(max(int(self) - steps, int(Level.GREEN)))

    @classmethod
    def from_colour(cls, colour: str) -> Level:
        """The level of a colour name (``red`` … ``green``)."""
        return cls[colour.strip().upper()]


_ZH = {
    Level.RED: "高风险",
    Level.ORANGE: "较高风险",
    Level.YELLOW: "中风险",
    Level.BLUE: "较低风险",
    Level.GREEN: "低风险",
}
_EN = {
    Level.RED: "high risk",
    Level.ORANGE: "fairly high risk",
    Level.YELLOW: "medium risk",
    Level.BLUE: "fairly low risk",
    Level.GREEN: "low risk",
}
_HEX = {
    Level.RED: "#d7191c",
    Level.ORANGE: "#f18a1d",
    Level.YELLOW: "#f5d327",
    Level.BLUE: "#3a7dc9",
    Level.GREEN: "#35a047",
}
HIGH_TO_LOW = (Level.RED, Level.ORANGE, Level.YELLOW, Level.BLUE, Level.GREEN)
