"""CertLogic validation: is a JSON value a well-formed CertLogic expression, and where is it not?

The checks are those of the format: literals, the one-key operation objects, the ``var`` path syntax, known
operators with the right number of operands, and ``plusTime``'s literal amount and unit. Types of evaluated
operands can only be checked while evaluating. Each problem is an :class:`Issue` carrying the offending
sub-expression, a message, and its path inside the expression (``and[1].plusTime[2]``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fugong.healthcode.certlogic.extensions import Extension
from fugong.healthcode.certlogic.values import TIME_UNITS, is_integer

# A data access path: empty, or fragments of word characters and dashes (not starting with a dash) joined by dots.
_VAR_PATH = re.compile(r"\w[\w-]*(?:\.\w[\w-]*)*")

# Operator → (least, most) operands; ``None`` means no upper bound.
ARITY: Mapping[str, tuple[int, int | None]] = {
    "if": (3, 3),
    "===": (2, 2),
    "in": (2, 2),
    "+": (2, 2),
    "and": (2, None),
    "!": (1, 1),
    "plusTime": (3, 3),
    "reduce": (3, 3),
    "extractFromUVCI": (2, 2),
    "dccDateOfBirth": (1, 1),
    **{op: (2, 3) for op in ("<", ">", "<=", ">=", "after", "before", "not-after", "not-before")},
}
OPERATORS = frozenset(ARITY) | {"var"}


@dataclass(frozen=True)
class Issue:
    """One problem found in an expression: the sub-expression, what is wrong, and where it sits."""

    expr: Any
    message: str
    path: str = ""


def join_path(base: str, step: str) -> str:
    """Append a key (``and``) or an index (``[1]``) to a path: ``rules[2].when`` + ``and`` → ``rules[2].when.and``."""
    if step.startswith("["):
        return base + step
    return f"{base}.{step}" if base else step


def _arity_message(operator: str, least: int, most: int | None, given: int) -> str:
    if most == least:
        wanted = f"exactly {least}"
    elif most is None:
        wanted = f"at least {least}"
    else:
        wanted = f"{least} to {most}"
    return f'a "{operator}" operation must have {wanted} operands, but it has {given}'


def validate(expr: Any, extensions: Mapping[str, Extension] | None = None, path: str = "") -> list[Issue]:
    """All format problems of ``expr`` (empty when valid); ``extensions`` adds domain operations."""
    issues: list[Issue] = []
    _check(expr, extensions or {}, path, issues)
    return issues


def _check(expr: Any, extensions: Mapping[str, Extension], path: str, issues: list[Issue]) -> None:
    if isinstance(expr, str | bool) or is_integer(expr):
        return
    if isinstance(expr, float):
        issues.append(Issue(expr, f"{expr} is a non-integer number", path))
        return
    if isinstance(expr, list):
        for i, item in enumerate(expr):
            _check(item, extensions, join_path(path, f"[{i}]"), issues)
        return
    if not isinstance(expr, dict):
        issues.append(Issue(expr, "invalid CertLogic expression", path))
        return
    if len(expr) != 1:
        issues.append(Issue(expr, f"expression object must have exactly one key, but it has {len(expr)}", path))
        return
    operator, operands = next(iter(expr.items()))
    here = join_path(path, operator)
    if operator == "var":
        if not isinstance(operands, str):
            issues.append(Issue(expr, 'not of the form { "var": "<path>" }', here))
        elif operands and not _VAR_PATH.fullmatch(operands):
            issues.append(Issue(expr, f"data access path doesn't have a valid format: {operands}", here))
        return
    if not isinstance(operands, list):
        issues.append(Issue(expr, 'operation not of the form { "<operator>": [ <values...> ] }', here))
        return
    if operator in ARITY:
        least, most = ARITY[operator]
    elif operator in extensions:
        least, most = extensions[operator].min_operands, extensions[operator].max_operands
    else:
        issues.append(Issue(expr, f'unrecognised operator: "{operator}"', here))
        return
    if len(operands) < least or (most is not None and len(operands) > most):
        issues.append(Issue(expr, _arity_message(operator, least, most, len(operands)), here))
    if operator == "plusTime":
        _check_plus_time(expr, operands, here, issues)
        operands = operands[:1]
    for i, operand in enumerate(operands):
        _check(operand, extensions, join_path(here, f"[{i}]"), issues)


def _check_plus_time(expr: Any, operands: list[Any], here: str, issues: list[Issue]) -> None:
    if len(operands) > 1 and not is_integer(operands[1]):
        message = f'the amount (operand 2) of "plusTime" must be an integer literal: {operands[1]!r}'
        issues.append(Issue(expr, message, here))
    if len(operands) > 2 and operands[2] not in TIME_UNITS:
        units = ", ".join(f'"{u}"' for u in TIME_UNITS)
        issues.append(Issue(expr, f'the unit (operand 3) of "plusTime" must be one of {units}: {operands[2]!r}', here))
