"""CertLogic rules compiled to Ibis expressions over the wide table of rule data (one row per person).

The subset colour rules use is compiled: ``var``, ``if``, ``===``, ``and``, ``!``, ``<`` ``>`` ``<=`` ``>=``,
``in`` (against a literal array), ``+``, and the extensions ``daysBetween``, ``withinDays``, ``addDays`` and
``latestDate``. Anything else (``reduce``, ``plusTime``, the DCC operations, ``var`` deeper than a fact's field,
``and`` used as a value rather than a condition) raises :class:`NotCompilable` naming its path: a rule set the
bulk path cannot run exactly is refused, never approximated. Dates are day numbers (see ``frame``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

import ibis
import ibis.expr.types as ir

from fugong.errors import InvalidInput
from fugong.healthcode.bulk.frame import day_number
from fugong.healthcode.certlogic.validator import join_path

Kind = Literal["bool", "int", "str", "date", "object", "null"]
# The kind of each field of the facts contract (fugong.healthcode.facts.CONTRACT).
FIELD_KINDS: dict[str, Kind] = {
    "on": "date",
    "cleared_on": "date",
    "last_exposure": "date",
    "start": "date",
    "end": "date",
    "visited_on": "date",
    "last_on": "date",
    "area": "str",
    "place": "str",
    "source": "str",
    "tenths": "int",
    "streak": "int",
    "count": "int",
}


class NotCompilable(InvalidInput):
    """A rule expression the bulk path cannot compile to Ibis exactly; ``field`` is its path in the rule set."""

    code = "not_compilable"


@dataclass(frozen=True)
class Value:
    """A compiled operand: its Ibis expression and its CertLogic kind (a date is a day number)."""

    expr: ir.Value
    kind: Kind


Columns = Callable[[str, str | None], ir.Value]
"""Gives the column of a fact's field, or (field ``None``) whether the person has the fact."""


def null_of(kind: Kind) -> ir.Value:
    """A typed null (``int64`` for days and integers)."""
    types = {"bool": "boolean", "int": "int64", "date": "int64", "str": "string", "object": "boolean"}
    return ibis.null(types.get(kind, "int64"))


def truth(value: Value) -> ir.BooleanValue:
    """CertLogic truthiness as a non-null boolean: null, false, 0 and "" are falsy; a present fact is truthy."""
    e: Any = value.expr
    match value.kind:
        case "bool" | "object":
            return e.fill_null(False)
        case "int":
            return (e != 0).fill_null(False)
        case "str":
            return (e != "").fill_null(False)
        case "date":
            return e.notnull()
    return ibis.literal(False)


def least(values: list[ir.Value]) -> ir.Value:
    """The smallest non-null value (null when all are null): LEAST skips nulls on DuckDB and Spark alike."""
    return values[0] if len(values) == 1 else ibis.least(*values)


def greatest(values: list[ir.Value]) -> ir.Value:
    """The largest non-null value (null when all are null)."""
    return values[0] if len(values) == 1 else ibis.greatest(*values)


class Compiler:
    """Compiles one rule set's expressions against the columns of the wide table, on the evaluation day."""

    def __init__(self, columns: Columns, on: date) -> None:
        self.columns = columns
        self.on = on

    def condition(self, expr: Any, path: str) -> ir.BooleanValue:
        """A rule's ``when``: whether it is truthy."""
        return truth(self.value(expr, path, condition=True))

    def day(self, expr: Any, path: str) -> ir.Value:
        """A rule's ``since``, ``until`` or ``counted_from``: a day number (null allowed)."""
        value = self.value(expr, path)
        if value.kind == "null":
            return null_of("date")
        return self._as_date(value, path).expr

    def value(self, expr: Any, path: str, condition: bool = False) -> Value:
        if isinstance(expr, bool):
            return Value(ibis.literal(expr), "bool")
        if isinstance(expr, int):
            return Value(ibis.literal(expr, type="int64"), "int")
        if isinstance(expr, str):
            return Value(ibis.literal(expr), "str")
        if expr is None:
            return Value(null_of("int"), "null")
        if not isinstance(expr, dict) or len(expr) != 1:
            raise NotCompilable(
                f"{path or 'the expression'}: an array is only compiled as the right of 'in'", field=path
            )
        operator, operands = next(iter(expr.items()))
        here = join_path(path, operator)
        if operator not in SUPPORTED:
            supported = ", ".join(SUPPORTED)
            raise NotCompilable(
                f"{here}: operator {operator!r} is not compiled to Ibis for bulk re-evaluation "
                f"(supported: {supported})",
                field=here,
            )
        if operator in _COMPARISONS:
            return self._compare(operator, operands, here)
        method: Callable[[Any, str, bool], Value] = getattr(self, "_op_" + _METHODS[operator])
        return method(operands, here, condition)

    def _operands(self, operands: Any, path: str, condition: bool = False) -> list[Value]:
        return [self.value(o, join_path(path, f"[{i}]"), condition) for i, o in enumerate(operands)]

    def _as_date(self, value: Value, path: str) -> Value:
        if value.kind == "date":
            return value
        if value.kind == "null":
            return Value(null_of("date"), "date")
        if value.kind == "str":
            literal = value.expr.op()
            text = getattr(literal, "value", None)
            if isinstance(text, str):
                try:
                    return Value(ibis.literal(day_number(date.fromisoformat(text)), type="int64"), "date")
                except ValueError:
                    raise NotCompilable(f"{path}: {text!r} is not a date YYYY-MM-DD", field=path) from None
        raise NotCompilable(f"{path}: expected a date, got a {value.kind} value", field=path)

    def _as_int(self, value: Value, path: str) -> Value:
        if value.kind == "int":
            return value
        raise NotCompilable(f"{path}: expected an integer, got a {value.kind} value", field=path)

    def _op_var(self, operand: Any, path: str, _condition: bool) -> Value:
        steps = operand.split(".") if isinstance(operand, str) and operand else []
        if not steps or len(steps) > 2:
            raise NotCompilable(
                f"{path}: only a fact or a fact's field can be read in bulk, not {operand!r}", field=path
            )
        if steps == ["on"]:
            return Value(ibis.literal(day_number(self.on), type="int64"), "date")
        if len(steps) == 1:
            return Value(self.columns(steps[0], None), "object")
        kind = FIELD_KINDS.get(steps[1])
        if kind is None:
            raise NotCompilable(f"{path}: unknown field {steps[1]!r}", field=path)
        return Value(self.columns(steps[0], steps[1]), kind)

    def _op_if(self, operands: Any, path: str, condition: bool) -> Value:
        guard = truth(self.value(operands[0], join_path(path, "[0]"), True))
        then, other = self._operands(operands[1:], path, condition)
        if then.kind == "null" and other.kind == "null":
            return then
        kind = then.kind if then.kind != "null" else other.kind
        if "null" not in (then.kind, other.kind) and then.kind != other.kind:
            if {then.kind, other.kind} == {"date", "str"}:
                then, other = self._as_date(then, path), self._as_date(other, path)
                kind = "date"
            else:
                raise NotCompilable(f"{path}: branches of different kinds ({then.kind}, {other.kind})", field=path)
        a = then.expr if then.kind != "null" else null_of(kind)
        b = other.expr if other.kind != "null" else null_of(kind)
        return Value(ibis.cases((guard, a), else_=b), kind)

    def _op_equal(self, operands: Any, path: str, _condition: bool) -> Value:
        a, b = self._operands(operands, path)
        if "object" in (a.kind, b.kind):
            raise NotCompilable(f"{path}: comparing whole facts is not compiled; compare a field", field=path)
        if {a.kind, b.kind} == {"date", "str"}:
            a, b = self._as_date(a, path), self._as_date(b, path)
        if a.kind == "null" or b.kind == "null":
            other: Any = b.expr if a.kind == "null" else a.expr
            return Value(other.isnull(), "bool")
        x: Any = a.expr
        if a.kind != b.kind:
            return Value(x.isnull() & b.expr.isnull(), "bool")
        both_null = x.isnull() & b.expr.isnull()
        return Value(both_null | (x == b.expr).fill_null(False), "bool")

    def _op_and(self, operands: Any, path: str, condition: bool) -> Value:
        values = self._operands(operands, path, condition)
        if not condition:
            raise NotCompilable(f"{path}: 'and' is compiled only where its truth is read (a condition)", field=path)
        out: Any = truth(values[0])
        for v in values[1:]:
            out = out & truth(v)
        return Value(out, "bool")

    def _op_not(self, operands: Any, path: str, _condition: bool) -> Value:
        return Value(~truth(self.value(operands[0], join_path(path, "[0]"), True)), "bool")

    def _compare(self, operator: str, operands: Any, path: str) -> Value:
        values = [self._as_int(v, path) for v in self._operands(operands, path)]
        compare = _COMPARISONS[operator]
        out: Any = compare(values[0].expr, values[1].expr)
        if len(values) == 3:
            out = out & compare(values[1].expr, values[2].expr)
        return Value(out, "bool")

    def _op_in(self, operands: Any, path: str, _condition: bool) -> Value:
        items = operands[1]
        if not isinstance(items, list) or any(isinstance(i, (dict, list)) for i in items):
            raise NotCompilable(f"{path}: 'in' is compiled only against an array of literals", field=path)
        needle = self.value(operands[0], join_path(path, "[0]"))
        if needle.kind == "date":
            wanted = [self._as_date(Value(ibis.literal(i), "str"), path).expr for i in items if isinstance(i, str)]
        else:
            wanted = [ibis.literal(i) for i in items if _kind_of(i) == needle.kind]
        e: Any = needle.expr
        found = e.isin(wanted).fill_null(False) if wanted else ibis.literal(False)
        if None in items:
            found = found | e.isnull()
        return Value(found, "bool")

    def _op_plus(self, operands: Any, path: str, _condition: bool) -> Value:
        a, b = (self._as_int(v, path) for v in self._operands(operands, path))
        return Value(a.expr + b.expr, "int")

    def _op_days_between(self, operands: Any, path: str, _condition: bool) -> Value:
        a, b = (self._as_date(v, path) for v in self._operands(operands, path))
        return Value(b.expr - a.expr, "int")

    def _op_within_days(self, operands: Any, path: str, _condition: bool) -> Value:
        values = self._operands(operands, path)
        day, reference = self._as_date(values[0], path), self._as_date(values[1], path)
        n = self._as_int(values[2], path)
        gap: Any = reference.expr - day.expr
        return Value((gap >= 0) & (gap < n.expr), "bool")

    def _op_add_days(self, operands: Any, path: str, _condition: bool) -> Value:
        values = self._operands(operands, path)
        day, n = self._as_date(values[0], path), self._as_int(values[1], path)
        return Value(day.expr + n.expr, "date")

    def _op_latest_date(self, operands: Any, path: str, _condition: bool) -> Value:
        days = [self._as_date(v, path).expr for v in self._operands(operands, path)]
        return Value(greatest(days), "date")


def _kind_of(item: Any) -> Kind:
    if isinstance(item, bool):
        return "bool"
    if isinstance(item, int):
        return "int"
    return "str" if isinstance(item, str) else "null"


_METHODS = {
    "var": "var",
    "if": "if",
    "===": "equal",
    "and": "and",
    "!": "not",
    "in": "in",
    "+": "plus",
    "daysBetween": "days_between",
    "withinDays": "within_days",
    "addDays": "add_days",
    "latestDate": "latest_date",
}
_COMPARISONS: dict[str, Callable[[Any, Any], Any]] = {
    "<": lambda x, y: x < y,
    ">": lambda x, y: x > y,
    "<=": lambda x, y: x <= y,
    ">=": lambda x, y: x >= y,
}

SUPPORTED: tuple[str, ...] = (*_METHODS, *_COMPARISONS)
