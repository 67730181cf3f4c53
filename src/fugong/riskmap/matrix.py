"""The comparison matrix: risk level × resumption band → what the county should do (configuration, not code)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from fugong.errors import InvalidInput
from fugong.riskmap.grading import Grade
from fugong.riskmap.levels import Level
from fugong.riskmap.resumption import Band, CountyResumption


class MatrixConfigError(InvalidInput):
    """A matrix that leaves a cell empty or names an action it does not define."""

    code = "invalid_matrix"


@dataclass(frozen=True)
class Action:
    """What a county in a cell is told to do."""

    key: str
    zh: str
    en: str

    def label(self, language: str = "zh") -> str:
        """The action in ``zh`` (default) or ``en``."""
        return self.en if language == "en" else self.zh


ACTIONS = {
    a.key: a
    for a in (
        Action("push_resumption", "加快复工复产", "push resumption"),
        Action("orderly_resumption", "有序复工复产", "resume in order"),
        Action("keep_course", "保持态势", "keep course"),
        Action("resume_with_care", "审慎复工，强化防控", "resume with care, tighten prevention"),
        Action("warn", "预警：复工快于风险允许", "warn: resumption outpaces risk"),
        Action("contain_first", "防控为主，暂缓复工", "contain first, hold resumption"),
    )
}
# Ours: rows are risk levels, columns the bands very low → very high.
DEFAULT_CELLS: dict[Level, tuple[str, str, str, str, str]] = {
    Level.GREEN: ("push_resumption", "push_resumption", "orderly_resumption", "keep_course", "keep_course"),
    Level.BLUE: ("push_resumption", "push_resumption", "orderly_resumption", "keep_course", "keep_course"),
    Level.YELLOW: ("orderly_resumption", "orderly_resumption", "keep_course", "resume_with_care", "resume_with_care"),
    Level.ORANGE: ("contain_first", "resume_with_care", "resume_with_care", "warn", "warn"),
    Level.RED: ("contain_first", "contain_first", "warn", "warn", "warn"),
}


@dataclass(frozen=True)
class Matrix:
    """The 5 × 5 cells and the actions they name."""

    cells: Mapping[Level, tuple[str, str, str, str, str]]
    actions: Mapping[str, Action]

    def __post_init__(self) -> None:
        for level in Level:
            row = self.cells.get(level)
            if row is None or len(row) != len(Band):
                raise MatrixConfigError(f"the matrix needs {len(Band)} cells for {level.colour}", field="cells")
            unknown = [key for key in row if key not in self.actions]
            if unknown:
                raise MatrixConfigError(f"{level.colour}: unknown action(s) {', '.join(unknown)}", field="cells")

    def action(self, level: Level, band: Band) -> Action:
        """The action of one cell."""
        return self.actions[self.cells[level][int(band) - 1]]


DEFAULT_MATRIX = Matrix(DEFAULT_CELLS, ACTIONS)


@dataclass(frozen=True)
class Placement:
    """A county on one day: its level, its band, and the cell's action."""

    county: str
    day: date
    level: Level
    band: Band | None
    action: Action | None  # None when the county has no resumption figure that day


def place(
    grades: Iterable[Grade], resumption: Iterable[CountyResumption], matrix: Matrix = DEFAULT_MATRIX
) -> list[Placement]:
    """Put every graded county in its cell; resumption figures without a day apply to every day."""
    figures = {(r.county, r.day): r for r in resumption}
    out = []
    for g in sorted(grades, key=lambda g: (g.day, g.unit)):
        r = figures.get((g.unit, g.day)) or figures.get((g.unit, None))
        band = r.band if r else None
        out.append(Placement(g.unit, g.day, g.level, band, matrix.action(g.level, band) if band else None))
    return out
