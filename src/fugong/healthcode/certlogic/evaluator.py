"""The CertLogic evaluator (specification 1.3.x): validate once, compile to closures, evaluate many times.

Compiling first keeps the spec's promise that an invalid expression fails before any operand is evaluated, and
makes a rule evaluated for millions of people cost a few function calls per node. Choices where the
specification leaves room, all documented in docs/healthcode.md:

* ``if``, ``and`` and ``!`` raise on a value that is neither truthy nor falsy (a date-time, 2.5);
* ``===`` and ``in`` compare arrays and objects by content;
* ``in`` on a ``null`` right-hand side is ``false`` (the suite's "null-safety" case); other non-arrays raise;
* ``reduce`` over ``null`` gives the initial value, and its lambda also sees the outer data as ``data``
  (the extension the spec announces, and the suite's "patched reduce" case).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from itertools import pairwise
from typing import Any

from fugong.errors import InvalidInput
from fugong.healthcode.certlogic.extensions import Extension
from fugong.healthcode.certlogic.validator import Issue, join_path, validate
from fugong.healthcode.certlogic.values import (
    DateTime,
    ValueProblem,
    date_of_birth,
    describe,
    is_integer,
    parse_date_time,
    plus_time,
    strictly_equal,
    truthiness,
)

Evaluate = Callable[[Any], Any]
_UCI_SEPARATORS = re.compile(r"[/#:]")


class CertLogicError(InvalidInput):
    """Evaluating a CertLogic expression failed: a type mismatch at ``field`` (a path in the expression)."""

    code = "certlogic_error"


class InvalidCertLogic(CertLogicError):
    """The expression is not valid CertLogic; ``issues`` lists every problem with its path."""

    code = "invalid_certlogic"

    def __init__(self, issues: list[Issue], *, where: str = "") -> None:
        first = issues[0]
        more = f" (and {len(issues) - 1} more)" if len(issues) > 1 else ""
        location = first.path or "the expression itself"
        prefix = f"{where}: " if where else ""
        super().__init__(f"{prefix}invalid CertLogic at {location}: {first.message}{more}", field=first.path or None)
        self.issues = issues


class Expression:
    """A validated, compiled CertLogic expression: call it with a data context to evaluate it."""

    __slots__ = ("_run", "source")

    def __init__(self, source: Any, run: Evaluate) -> None:
        self.source = source
        self._run = run

    def __call__(self, data: Any) -> Any:
        """Evaluate against ``data``; a type mismatch raises :class:`CertLogicError` naming its path."""
        return self._run(data)

    def __repr__(self) -> str:
        return f"Expression({self.source!r})"


def compile_expression(
    expr: Any, extensions: Mapping[str, Extension] | None = None, *, path: str = "", where: str = ""
) -> Expression:
    """Validate ``expr`` (raising :class:`InvalidCertLogic`) and compile it; ``path`` prefixes error paths."""
    ext = extensions or {}
    issues = validate(expr, ext, path)
    if issues:
        raise InvalidCertLogic(issues, where=where)
    return Expression(expr, _Compiler(ext).build(expr, path))


def evaluate(expr: Any, data: Any, extensions: Mapping[str, Extension] | None = None) -> Any:
    """Evaluate one expression once (validating it first)."""
    return compile_expression(expr, extensions)(data)


def _fail(path: str, message: str) -> CertLogicError:
    return CertLogicError(f"at {path or 'the expression itself'}: {message}", field=path or None)


class _Compiler:
    def __init__(self, extensions: Mapping[str, Extension]) -> None:
        self.extensions = extensions

    def build(self, expr: Any, path: str) -> Evaluate:
        if isinstance(expr, list):
            items = [self.build(item, join_path(path, f"[{i}]")) for i, item in enumerate(expr)]
            return lambda data: [item(data) for item in items]
        if not isinstance(expr, dict):
            value = int(expr) if isinstance(expr, float) else expr
            return lambda data: value
        operator, operands = next(iter(expr.items()))
        here = join_path(path, operator)
        if operator == "var":
            return _var(operands)
        parts = [self.build(operand, join_path(here, f"[{i}]")) for i, operand in enumerate(operands)]
        if operator in self.extensions:
            return _extension(self.extensions[operator], parts, here)
        if operator == "plusTime":
            return _plus_time(parts[0], int(operands[1]), operands[2], here)
        builder = _BUILDERS[operator]
        return builder(parts, here)


def _var(path: str) -> Evaluate:
    if path == "":
        return lambda data: data
    steps = [(key, int(key) if key.isdigit() else None) for key in path.split(".")]

    def access(data: Any) -> Any:
        current = data
        for key, index in steps:
            if isinstance(current, dict):
                current = current.get(key)
            elif isinstance(current, list) and index is not None:
                current = current[index] if index < len(current) else None
            else:
                return None
            if current is None:
                return None
        return current

    return access


def _checked_truthiness(value: Any, path: str, role: str) -> bool:
    verdict = truthiness(value)
    if verdict is None:
        raise _fail(path, f"{role} is neither truthy nor falsy: {describe(value)}")
    return verdict


def _if(parts: list[Evaluate], path: str) -> Evaluate:
    guard, then, otherwise = parts

    def run(data: Any) -> Any:
        return then(data) if _checked_truthiness(guard(data), path, "the guard") else otherwise(data)

    return run


def _and(parts: list[Evaluate], path: str) -> Evaluate:
    def run(data: Any) -> Any:
        value = None
        for i, part in enumerate(parts):
            value = part(data)
            if not _checked_truthiness(value, path, f"operand {i + 1}"):
                return value
        return value

    return run


def _not(parts: list[Evaluate], path: str) -> Evaluate:
    (operand,) = parts
    return lambda data: not _checked_truthiness(operand(data), path, "the operand")


def _equal(parts: list[Evaluate], path: str) -> Evaluate:
    left, right = parts
    return lambda data: strictly_equal(left(data), right(data))


def _in(parts: list[Evaluate], path: str) -> Evaluate:
    needle, haystack = parts

    def run(data: Any) -> bool:
        item, items = needle(data), haystack(data)
        if items is None:
            return False
        if not isinstance(items, list):
            raise _fail(path, f'the right operand of "in" must be an array, got {describe(items)}')
        return any(strictly_equal(item, candidate) for candidate in items)

    return run


def _plus(parts: list[Evaluate], path: str) -> Evaluate:
    left, right = parts

    def run(data: Any) -> int:
        a, b = left(data), right(data)
        for i, value in enumerate((a, b)):
            if not is_integer(value):
                raise _fail(path, f'operand {i + 1} of "+" must be an integer, got {describe(value)}')
        return int(a) + int(b)

    return run


def _comparison(holds: Callable[[Any, Any], bool], kind: str) -> Callable[[list[Evaluate], str], Evaluate]:
    article = "a" if kind == "date-time" else "an"

    def build(parts: list[Evaluate], path: str) -> Evaluate:
        def run(data: Any) -> bool:
            values = [part(data) for part in parts]
            for i, value in enumerate(values):
                fits = isinstance(value, DateTime) if kind == "date-time" else is_integer(value)
                if not fits:
                    raise _fail(path, f"operand {i + 1} must be {article} {kind}, got {describe(value)}")
            return all(holds(a, b) for a, b in pairwise(values))

        return run

    return build


def _plus_time(operand: Evaluate, amount: int, unit: str, path: str) -> Evaluate:
    def run(data: Any) -> DateTime:
        try:
            return plus_time(parse_date_time(operand(data)), amount, unit)
        except ValueProblem as exc:
            raise _fail(path, str(exc)) from None

    return run


def _date_of_birth(parts: list[Evaluate], path: str) -> Evaluate:
    (operand,) = parts

    def run(data: Any) -> DateTime:
        try:
            return date_of_birth(operand(data))
        except ValueProblem as exc:
            raise _fail(path, str(exc)) from None

    return run


def _reduce(parts: list[Evaluate], path: str) -> Evaluate:
    operand, step, initial = parts

    def run(data: Any) -> Any:
        items, accumulator = operand(data), initial(data)
        if items is None:
            return accumulator
        if not isinstance(items, list):
            raise _fail(path, f'the operand of "reduce" must be an array, got {describe(items)}')
        for item in items:
            accumulator = step({"accumulator": accumulator, "current": item, "data": data})
        return accumulator

    return run


def _extract_from_uci(parts: list[Evaluate], path: str) -> Evaluate:
    operand, index_part = parts

    def run(data: Any) -> str | None:
        text, index = operand(data), index_part(data)
        if not is_integer(index):
            raise _fail(path, f"the index must be an integer, got {describe(index)}")
        if text is None:
            return None
        if not isinstance(text, str):
            raise _fail(path, f"the UCI must be a string or null, got {describe(text)}")
        fragments = _UCI_SEPARATORS.split(text)
        if fragments[:2] == ["URN", "UVCI"]:
            fragments = fragments[2:]
        position = int(index)
        return fragments[position] if 0 <= position < len(fragments) else None

    return run


def _extension(extension: Extension, parts: list[Evaluate], path: str) -> Evaluate:
    def run(data: Any) -> Any:
        try:
            return extension.apply([part(data) for part in parts])
        except ValueProblem as exc:
            raise _fail(path, f"{extension.name}: {exc}") from None

    return run


_BUILDERS: dict[str, Callable[[list[Evaluate], str], Evaluate]] = {
    "if": _if,
    "and": _and,
    "!": _not,
    "===": _equal,
    "in": _in,
    "+": _plus,
    "<": _comparison(lambda a, b: a < b, "integer"),
    ">": _comparison(lambda a, b: a > b, "integer"),
    "<=": _comparison(lambda a, b: a <= b, "integer"),
    ">=": _comparison(lambda a, b: a >= b, "integer"),
    "before": _comparison(lambda a, b: a < b, "date-time"),
    "after": _comparison(lambda a, b: a > b, "date-time"),
    "not-after": _comparison(lambda a, b: a <= b, "date-time"),
    "not-before": _comparison(lambda a, b: a >= b, "date-time"),
    "reduce": _reduce,
    "extractFromUVCI": _extract_from_uci,
    "dccDateOfBirth": _date_of_birth,
}
