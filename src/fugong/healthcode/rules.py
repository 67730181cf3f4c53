"""Colour rule sets (赋码规则) as data: versioned JSON envelopes of CertLogic rules, per region, checked on load.

A rule set names its region (a GB/T 2260 code), validity dates, descriptions, the facts it reads, and ordered
rules. Each rule has a colour (red or yellow; green is what remains), a CertLogic condition ``when``, the date
the colour started (``since``), optionally the date the condition lapses (``until``), how the person turns
green (``green_after``: consecutive healthy check-ins and days of isolation), and a reason in Chinese and
English. A county's rule set beats its city's, which beats the province's. Format: docs/healthcode.md.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from fugong.errors import FugongError, InvalidInput, NotFound
from fugong.geo import Gazetteer, UnknownDivision, load_gazetteer
from fugong.healthcode.certlogic import DOMAIN_EXTENSIONS, Expression, InvalidCertLogic, compile_expression
from fugong.healthcode.certlogic.validator import join_path
from fugong.healthcode.facts import CONTRACT, UnknownFactType

Colour = Literal["green", "yellow", "red"]
SEVERITY: dict[str, int] = {"green": 0, "yellow": 1, "red": 2}
RULE_COLOURS = ("red", "yellow")
_ENVELOPE_KEYS = {
    "id",
    "region",
    "version",
    "valid_from",
    "valid_to",
    "description_zh",
    "description_en",
    "facts",
    "rules",
}
_OPTIONAL_ENVELOPE_KEYS = {"source"}
_RULE_KEYS = {"id", "colour", "when", "since", "green_after", "reason_zh", "reason_en"}
_OPTIONAL_RULE_KEYS = {"until"}
_GREEN_AFTER_KEYS = {"checkins", "isolation_days", "counted_from"}


class RuleSetError(InvalidInput):
    """A rule set that cannot be used; ``field`` is the JSON path of the problem (``rules[2].when.and[0]``)."""

    code = "invalid_ruleset"

    def __init__(self, detail: str, *, field: str | None = None, origin: str = "") -> None:
        where = f"{origin}: " if origin else ""
        at = f"{field}: " if field else ""
        super().__init__(f"{where}{at}{detail}", field=field)


class MalformedRuleSet(RuleSetError):
    """The envelope or a rule is not of the documented shape (a missing, extra or mistyped field)."""

    code = "malformed_ruleset"


class UnknownColour(RuleSetError):
    """A rule's colour is not red or yellow."""

    code = "unknown_colour"


class UndeclaredFact(RuleSetError):
    """A rule reads a fact its envelope does not declare, or a field that fact does not have."""

    code = "undeclared_fact"


class InvalidRuleExpression(RuleSetError):
    """A rule's condition or date is not valid CertLogic (with Fugong's documented extensions)."""

    code = "invalid_certlogic"


class UnknownRegion(RuleSetError):
    """The rule set's region is not a division of the province."""

    code = "unknown_region"


class UnknownRuleFact(RuleSetError):
    """The envelope lists a fact type the facts contract does not have."""

    code = UnknownFactType.code


class NoRuleSet(NotFound):
    """No rule set applies to the region on that day."""

    code = "no_ruleset"


class RuleFailed(FugongError):
    """A rule raised while evaluating a person's data: a defect of the rule set, reported with the rule's path."""

    code = "rule_failed"
    status = 500


@dataclass(frozen=True)
class GreenAfter:
    """How a rule lets go: ``checkins`` consecutive healthy check-ins and ``isolation_days`` of isolation."""

    checkins: int
    isolation_days: int = 0
    counted_from: Expression | None = None


@dataclass(frozen=True)
class Rule:
    """One colour rule, compiled."""

    id: str
    colour: Literal["red", "yellow"]
    when: Expression
    since: Expression
    until: Expression | None
    green_after: GreenAfter | None
    reason_zh: str
    reason_en: str
    reads: tuple[str, ...]
    path: str


@dataclass(frozen=True)
class RuleSet:
    """A validated rule set for one region and period."""

    id: str
    region: str
    version: int
    valid_from: date
    valid_to: date | None
    description_zh: str
    description_en: str
    facts: tuple[str, ...]
    rules: tuple[Rule, ...]
    source: str = ""
    origin: str = ""

    def valid_on(self, day: date) -> bool:
        """Whether the rule set is in force on ``day`` (``valid_to`` is the first day it no longer is)."""
        return self.valid_from <= day and (self.valid_to is None or day < self.valid_to)


class _Reader:
    """Reads one envelope, raising the first problem with its JSON path and the file it came from."""

    def __init__(self, origin: str) -> None:
        self.origin = origin

    def fail(self, kind: type[RuleSetError], field: str, detail: str) -> RuleSetError:
        return kind(detail, field=field, origin=self.origin)

    def keys(self, obj: Any, path: str, required: set[str], optional: set[str]) -> dict[str, Any]:
        what = path or "the rule set"
        if not isinstance(obj, dict):
            raise self.fail(MalformedRuleSet, path or "$", f"{what} must be a JSON object")
        missing = sorted(required - set(obj))
        if missing:
            raise self.fail(MalformedRuleSet, join_path(path, missing[0]), f"missing field(s): {', '.join(missing)}")
        extra = sorted(set(obj) - required - optional)
        if extra:
            expected = ", ".join(sorted(required | optional))
            raise self.fail(MalformedRuleSet, join_path(path, extra[0]), f"unknown field; expected: {expected}")
        return obj

    def text(self, obj: dict[str, Any], key: str, path: str) -> str:
        value = obj[key]
        if not isinstance(value, str) or not value.strip():
            raise self.fail(MalformedRuleSet, join_path(path, key), f"must be a non-empty string, got {value!r}")
        return value

    def integer(self, obj: dict[str, Any], key: str, path: str, least: int) -> int:
        value = obj[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise self.fail(MalformedRuleSet, join_path(path, key), f"must be an integer ≥ {least}, got {value!r}")
        return int(value)

    def day(self, obj: dict[str, Any], key: str) -> date | None:
        value = obj[key]
        if value is None and key == "valid_to":
            return None
        try:
            if not isinstance(value, str):
                raise ValueError
            return date.fromisoformat(value)
        except ValueError:
            raise self.fail(MalformedRuleSet, key, f"must be a date YYYY-MM-DD, got {value!r}") from None

    def expression(self, expr: Any, path: str, declared: set[str]) -> tuple[Expression, set[str]]:
        try:
            compiled = compile_expression(expr, DOMAIN_EXTENSIONS, path=path)
        except InvalidCertLogic as exc:
            first = exc.issues[0]
            raise self.fail(
                InvalidRuleExpression, first.path or path, f"not valid CertLogic: {first.message}"
            ) from None
        return compiled, self.reads(expr, path, declared)

    def reads(self, expr: Any, path: str, declared: set[str], depth: int = 0) -> set[str]:
        """The fact keys an expression reads; undeclared or unknown ones raise. ``depth``: nested reduce lambdas."""
        found: set[str] = set()
        if isinstance(expr, list):
            for i, item in enumerate(expr):
                found |= self.reads(item, join_path(path, f"[{i}]"), declared, depth)
            return found
        if not isinstance(expr, dict):
            return found
        operator, operands = next(iter(expr.items()))
        here = join_path(path, operator)
        if operator == "var":
            return self._var(operands, here, declared, depth)
        for i, operand in enumerate(operands):
            # The lambda of a reduce (operand 2) reads "current" and "accumulator"; "data.x" is the outer x.
            inner = depth + 1 if operator == "reduce" and i == 1 else depth
            found |= self.reads(operand, join_path(here, f"[{i}]"), declared, inner)
        return found

    def _var(self, var_path: str, here: str, declared: set[str], depth: int) -> set[str]:
        steps = var_path.split(".") if var_path else []
        while depth > 0:
            if not steps or steps[0] != "data":
                return set()
            steps, depth = steps[1:], depth - 1
        if not steps:
            raise self.fail(UndeclaredFact, here, "reads the whole data object; name the fact it needs")
        key = steps[0]
        if key not in CONTRACT:
            known = ", ".join(CONTRACT)
            raise self.fail(UndeclaredFact, here, f"reads {var_path!r}, but there is no fact {key!r}; facts: {known}")
        if key != "on" and key not in declared:
            raise self.fail(UndeclaredFact, here, f"reads {key!r}, which the rule set does not declare in 'facts'")
        if len(steps) > 1 and steps[1] not in CONTRACT[key]:
            fields = ", ".join(sorted(CONTRACT[key])) or "none"
            raise self.fail(UndeclaredFact, here, f"fact {key!r} has no field {steps[1]!r}; its fields: {fields}")
        return set() if key == "on" else {key}


def parse_ruleset(content: Any, gazetteer: Gazetteer, origin: str = "") -> RuleSet:
    """Validate and compile one envelope (already parsed from JSON); errors carry the JSON path."""
    r = _Reader(origin)
    env = r.keys(content, "", _ENVELOPE_KEYS, _OPTIONAL_ENVELOPE_KEYS)
    region = r.text(env, "region", "")
    try:
        gazetteer.get(region)
    except UnknownDivision as exc:
        raise r.fail(UnknownRegion, "region", exc.detail) from None
    valid_from, valid_to = r.day(env, "valid_from"), r.day(env, "valid_to")
    assert valid_from is not None  # only valid_to may be null
    if valid_to is not None and valid_to <= valid_from:
        raise r.fail(MalformedRuleSet, "valid_to", f"{valid_to} is not after valid_from {valid_from}")
    facts = env["facts"]
    if not isinstance(facts, list) or not all(isinstance(f, str) for f in facts):
        raise r.fail(MalformedRuleSet, "facts", "must be a list of fact names")
    for i, name in enumerate(facts):
        if name not in CONTRACT:
            raise r.fail(UnknownRuleFact, f"facts[{i}]", f"unknown fact type {name!r}; known: {', '.join(CONTRACT)}")
    rules = env["rules"]
    if not isinstance(rules, list) or not rules:
        raise r.fail(MalformedRuleSet, "rules", "must be a non-empty list of rules")
    compiled = tuple(_rule(r, rule, f"rules[{i}]", set(facts)) for i, rule in enumerate(rules))
    seen: set[str] = set()
    for i, rule in enumerate(compiled):
        if rule.id in seen:
            raise r.fail(MalformedRuleSet, f"rules[{i}].id", f"duplicate rule id {rule.id!r}")
        seen.add(rule.id)
    source = env.get("source", "")
    if not isinstance(source, str):
        raise r.fail(MalformedRuleSet, "source", "must be a string")
    return RuleSet(
        id=r.text(env, "id", ""),
        region=region,
        version=r.integer(env, "version", "", 1),
        valid_from=valid_from,
        valid_to=valid_to,
        description_zh=r.text(env, "description_zh", ""),
        description_en=r.text(env, "description_en", ""),
        facts=tuple(facts),
        rules=compiled,
        source=source,
        origin=origin,
    )


def _rule(r: _Reader, obj: Any, path: str, declared: set[str]) -> Rule:
    rule = r.keys(obj, path, _RULE_KEYS, _OPTIONAL_RULE_KEYS)
    colour = rule["colour"]
    if colour not in RULE_COLOURS:
        detail = f"unknown colour {colour!r}: a rule is 'red' or 'yellow' (green is what remains when none holds)"
        raise r.fail(UnknownColour, join_path(path, "colour"), detail)
    reads: set[str] = set()
    parts: dict[str, Expression | None] = {"until": None}
    for key in ("when", "since", "until"):
        if key in rule:
            parts[key], found = r.expression(rule[key], join_path(path, key), declared)
            reads |= found
    green_after = None
    if rule["green_after"] is not None:
        where = join_path(path, "green_after")
        spec = r.keys(rule["green_after"], where, {"checkins"}, _GREEN_AFTER_KEYS - {"checkins"})
        counted_from = None
        if "counted_from" in spec:
            counted_from, found = r.expression(spec["counted_from"], join_path(where, "counted_from"), declared)
            reads |= found
        isolation_days = r.integer(spec, "isolation_days", where, 0) if "isolation_days" in spec else 0
        green_after = GreenAfter(r.integer(spec, "checkins", where, 1), isolation_days, counted_from)
    when, since = parts["when"], parts["since"]
    assert when is not None, "'when' is a required key"
    assert since is not None, "'since' is a required key"
    return Rule(
        id=r.text(rule, "id", path),
        colour=colour,
        when=when,
        since=since,
        until=parts["until"],
        green_after=green_after,
        reason_zh=r.text(rule, "reason_zh", path),
        reason_en=r.text(rule, "reason_en", path),
        reads=tuple(sorted(reads)),
        path=path,
    )


def load_ruleset(path: Path, gazetteer: Gazetteer) -> RuleSet:
    """Read and validate one rule set file."""
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise MalformedRuleSet(f"cannot read the file ({exc.strerror or exc})", origin=str(path)) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedRuleSet(f"not a JSON file ({exc})", origin=str(path)) from None
    return parse_ruleset(content, gazetteer, origin=path.name)


def shipped_folder() -> Path:
    """The folder of the rule sets that ship with Fugong."""
    return Path(str(resources.files("fugong.healthcode") / "rulesets"))


class RuleBook:
    """All rule sets of a province; picks the one in force for a region on a day."""

    def __init__(self, rulesets: Iterable[RuleSet], gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer
        self._rulesets = sorted(rulesets, key=lambda rs: (rs.region, rs.version))
        keys: dict[tuple[str, int], RuleSet] = {}
        for rs in self._rulesets:
            clash = keys.get((rs.id, rs.version))
            if clash is not None:
                detail = f"rule set {rs.id!r} version {rs.version} is defined twice ({clash.origin}, {rs.origin})"
                raise MalformedRuleSet(detail, field="version", origin=rs.origin)
            keys[(rs.id, rs.version)] = rs

    def __iter__(self) -> Iterator[RuleSet]:
        return iter(self._rulesets)

    def by_id(self, ruleset_id: str, on: date) -> RuleSet:
        """The highest version of the rule set ``ruleset_id`` in force on ``on``."""
        candidates = [rs for rs in self._rulesets if rs.id == ruleset_id and rs.valid_on(on)]
        if not candidates:
            known = ", ".join(sorted({rs.id for rs in self._rulesets}))
            raise NoRuleSet(f"no rule set {ruleset_id!r} is in force on {on}; rule sets: {known}", field="ruleset")
        return max(candidates, key=lambda rs: rs.version)

    def for_region(self, region: str, on: date) -> RuleSet:
        """The rule set in force on ``on`` for a county or city: its own, else its city's, else the province's."""
        division = self.gazetteer.lookup(region, on=on)
        chain = [division]
        while chain[-1].parent_code is not None:
            chain.append(self.gazetteer.parent(chain[-1]))
        for level in chain:
            candidates = [rs for rs in self._rulesets if rs.region == level.code and rs.valid_on(on)]
            if candidates:
                # Several versions in force on one day: the highest version wins.
                return max(candidates, key=lambda rs: rs.version)
        path = " → ".join(f"{d.code} {d.name}" for d in chain)
        raise NoRuleSet(f"no rule set is in force on {on} for {path}", field="region")


def load_rulebook(folder: Path | None = None, gazetteer: Gazetteer | None = None) -> RuleBook:
    """Load every ``*.json`` rule set of a folder (default: the shipped ones) for a province (default: Zhejiang)."""
    g = gazetteer or load_gazetteer()
    base = folder or shipped_folder()
    if not base.is_dir():
        raise MalformedRuleSet(f"{base} is not a folder of rule set files", field="folder")
    return RuleBook((load_ruleset(p, g) for p in sorted(base.glob("*.json"))), g)
