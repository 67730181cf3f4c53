"""County monitor: epidemic five-colour grading (五色图), county resumption index, the two compared, static maps.

Pure core over plain tables: ``cases`` → ``indicators`` → ``grading``; ``resumption`` and ``matrix`` beside it;
``changes`` explains colour changes; ``svg`` draws the map; ``readers``/``tables`` read files at the edge.
See docs/riskmap.md.
"""

from fugong.riskmap.cases import CaseDataError, CaseDay, CaseTable, build_table
from fugong.riskmap.grading import Grade, GradingConfig, StepDown, Weighting, grade, grade_all
from fugong.riskmap.indicators import Indicators, compute
from fugong.riskmap.levels import Level

__all__ = [
    "CaseDataError",
    "CaseDay",
    "CaseTable",
    "Grade",
    "GradingConfig",
    "Indicators",
    "Level",
    "StepDown",
    "Weighting",
    "build_table",
    "compute",
    "grade",
    "grade_all",
]
