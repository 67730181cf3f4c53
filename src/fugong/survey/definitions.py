"""Form definitions as data (表单定义): sections, fields, skip logic and rules, read from JSON and checked whole.

A form is a JSON file an official writes without code (docs/survey.md). ``only_if`` and each rule's ``check`` are
CertLogic expressions (fugong.healthcode.certlogic, used read-only) over ``this`` (the form's values), ``previous``
(the same unit's submission of the period before) and ``forms.<id>`` (the unit's latest submission of another form).
Every defect of a definition is reported at once, each naming its place (``sections[0].fields[2].kind``).
A number field also says how it rolls up the hierarchy (``aggregate``: sum, mean or none; ``percent``; ``weight``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from fugong.errors import InvalidInput
from fugong.healthcode.certlogic import evaluator
from fugong.healthcode.certlogic.evaluator import Expression, InvalidCertLogic

_ID_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_")
UNIT_LEVELS = ("province", "city", "county", "township", "village")
PREFILL_SOURCES = ("returnees", "home_observation")
SCOPES = ("this", "previous", "forms")


class FieldKind(StrEnum):
    """What a field holds."""

    number = "number"
    integer = "integer"
    text = "text"
    choice = "choice"
    date = "date"
    yes_no = "yes_no"
    region = "region"  # a GB/T 2260 division, by code or name → its code
    person = "person"  # a resident ID number → the hub's person key (never kept in clear)
    enterprise = "enterprise"  # a unified social credit code → the hub's enterprise key


class Aggregation(StrEnum):
    """How a number field is rolled up the hierarchy (汇总方式)."""

    sum = "sum"  # counts and amounts: the total over the reports
    mean = "mean"  # shares: the mean over the reports, or weighted by a summed field (``weight``)
    none = "none"  # kept for the reporting unit only: no figure above it


class Frequency(StrEnum):
    """How often a form is due: one period per day or per ISO week (Monday to Sunday)."""

    daily = "daily"
    weekly = "weekly"


class InvalidForm(InvalidInput):
    """A form definition is malformed; ``problems`` lists every defect with its place."""

    code = "invalid_form"

    def __init__(self, where: str, problems: list[str]) -> None:
        more = f" (and {len(problems) - 1} more: {'; '.join(problems[1:4])})" if len(problems) > 1 else ""
        super().__init__(f"form {where}: {problems[0]}{more}", field="definition")
        self.problems = problems


@dataclass(frozen=True)
class Text:
    """A text in Chinese with its English."""

    zh: str
    en: str

    def in_locale(self, locale: str) -> str:
        """The text in ``locale`` (``en`` or Chinese)."""
        return self.en if locale == "en" else self.zh

    def as_json(self) -> dict[str, str]:
        return {"zh": self.zh, "en": self.en}


@dataclass(frozen=True)
class Choice:
    """One option of a choice field."""

    value: str
    label: Text


@dataclass(frozen=True)
class FormField:
    """One field: its kind, label, whether it is required, its bounds, options, skip logic and pre-fill."""

    id: str
    kind: FieldKind
    label: Text
    required: bool = False
    minimum: float | None = None
    maximum: float | None = None
    max_length: int = 500
    choices: tuple[Choice, ...] = ()
    only_if: Expression | None = None
    prefill: str | None = None
    help: Text | None = None
    only_if_reads: tuple[str, ...] = ()  # a field is hidden while a value its ``only_if`` reads is empty
    percent: bool = False  # a share from 0 to 100
    aggregate: Aggregation | None = None  # number fields only: sum, mean or none
    weight: str | None = None  # with ``mean``: the summed field each report's value is weighted by

    def aggregation_text(self) -> str:
        """How the field rolls up, in words (``sum``, ``mean``, ``mean weighted by X``, ``none``)."""
        if self.aggregate is Aggregation.mean and self.weight:
            return f"mean weighted by {self.weight}"
        return self.aggregate.value if self.aggregate else "none"

    def choice_values(self) -> list[str]:
        return [c.value for c in self.choices]


@dataclass(frozen=True)
class Section:
    """A titled group of fields."""

    id: str
    title: Text
    fields: tuple[FormField, ...]


@dataclass(frozen=True)
class Rule:
    """A check across fields, periods or forms, with the message a village worker reads when it fails."""

    id: str
    check: Expression
    message: Text
    fields: tuple[str, ...]
    reads: tuple[str, ...]  # every ``var`` the check reads; the rule is skipped while one of them is empty


@dataclass(frozen=True)
class FormDefinition:
    """One version of a form."""

    id: str
    version: int
    title: Text
    unit_level: str
    frequency: Frequency
    due_day: int
    due_hour: int
    sections: tuple[Section, ...]
    rules: tuple[Rule, ...]
    source: dict[str, Any] = field(compare=False, repr=False, default_factory=dict)

    @property
    def reference(self) -> str:
        """``id@version``, as submissions and aggregates name the form."""
        return f"{self.id}@v{self.version}"

    def fields(self) -> Iterator[FormField]:
        for section in self.sections:
            yield from section.fields

    def field(self, field_id: str) -> FormField:
        for f in self.fields():
            if f.id == field_id:
                return f
        raise InvalidInput(f"form {self.reference} has no field {field_id!r}", field=field_id)

    def period_of(self, day: date) -> date:
        """The first day of the period holding ``day`` (the day itself, or the Monday of its week)."""
        return day if self.frequency is Frequency.daily else day - timedelta(days=day.weekday())

    def previous_period(self, period: date) -> date:
        return period - timedelta(days=1 if self.frequency is Frequency.daily else 7)


def _walk_vars(expr: Any) -> Iterator[str]:
    if isinstance(expr, dict):
        for op, operand in expr.items():
            if op == "var" and isinstance(operand, str):
                yield operand
            else:
                yield from _walk_vars(operand)
    elif isinstance(expr, list):
        for item in expr:
            yield from _walk_vars(item)


class _Parser:
    """Collects every problem of one definition instead of stopping at the first."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def fail(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def text(self, value: Any, where: str) -> Text:
        if isinstance(value, str) and value.strip():
            return Text(value, value)
        if isinstance(value, dict) and isinstance(value.get("zh"), str) and value["zh"].strip():
            english = value.get("en")
            if not isinstance(english, str) or not english.strip():
                self.fail(where, "needs an English text under 'en' beside the Chinese under 'zh'")
                english = value["zh"]
            return Text(value["zh"], english)
        self.fail(where, "must be a text {'zh': ..., 'en': ...}")
        return Text("?", "?")

    def ident(self, value: Any, where: str) -> str:
        if not isinstance(value, str) or not value or not set(value) <= _ID_CHARS or value[0].isdigit():
            self.fail(where, f"{value!r} is not an id (lower-case letters, digits and _, not starting with a digit)")
            return "?"
        return value

    def number(self, value: Any, where: str) -> float | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(where, f"must be a number, not {value!r}")
            return None
        return float(value)

    def expression(self, value: Any, where: str, known: set[str]) -> tuple[Expression | None, tuple[str, ...]]:
        try:
            compiled = evaluator.compile_expression(value, path=where)
        except InvalidCertLogic as exc:
            self.problems.extend(f"{issue.path or where}: {issue.message}" for issue in exc.issues)
            return None, ()
        reads = tuple(dict.fromkeys(_walk_vars(value)))
        for path in reads:
            scope, _, rest = path.partition(".")
            if scope not in SCOPES:
                self.fail(
                    where, f"reads {path!r}: a value is read as this.<field>, previous.<field> or forms.<id>.<field>"
                )
            elif scope in ("this", "previous") and rest not in known:
                self.fail(where, f"reads {path!r}, but the form has no field {rest!r}")
        return compiled, reads

    def field(self, raw: Any, where: str, known: set[str]) -> FormField | None:
        if not isinstance(raw, dict):
            self.fail(where, "a field must be an object")
            return None
        fid = self.ident(raw.get("id"), f"{where}.id")
        kind_text = raw.get("kind")
        try:
            kind = FieldKind(str(kind_text))
        except ValueError:
            self.fail(f"{where}.kind", f"unknown kind {kind_text!r}; kinds are {', '.join(k.value for k in FieldKind)}")
            kind = FieldKind.text
        choices: list[Choice] = []
        if kind is FieldKind.choice:
            raw_choices = raw.get("choices")
            if not isinstance(raw_choices, list) or not raw_choices:
                self.fail(f"{where}.choices", "a choice field needs a list of choices")
            else:
                for i, c in enumerate(raw_choices):
                    cw = f"{where}.choices[{i}]"
                    if not isinstance(c, dict) or not isinstance(c.get("value"), str) or not c["value"]:
                        self.fail(cw, "a choice is {'value': ..., 'label': {'zh': ..., 'en': ...}}")
                        continue
                    choices.append(Choice(c["value"], self.text(c.get("label"), f"{cw}.label")))
                values = [c.value for c in choices]
                if len(set(values)) != len(values):
                    self.fail(f"{where}.choices", "choice values repeat")
        elif "choices" in raw:
            self.fail(f"{where}.choices", f"only a choice field has choices, not a {kind.value} field")
        minimum = self.number(raw.get("min"), f"{where}.min")
        maximum = self.number(raw.get("max"), f"{where}.max")
        if (minimum is not None or maximum is not None) and kind not in (FieldKind.number, FieldKind.integer):
            self.fail(where, f"min and max apply to number and integer fields, not to a {kind.value} field")
        if minimum is not None and maximum is not None and minimum > maximum:
            self.fail(where, f"min {minimum:g} is above max {maximum:g}")
        percent, aggregate, weight = self.aggregation(raw, where, kind)
        if percent:
            if (minimum is not None and minimum < 0) or (maximum is not None and maximum > 100):
                self.fail(where, "a percent field's min and max lie within 0 to 100")
            minimum = 0.0 if minimum is None else minimum
            maximum = 100.0 if maximum is None else maximum
        prefill = raw.get("prefill")
        if prefill is not None and prefill not in PREFILL_SOURCES:
            self.fail(f"{where}.prefill", f"unknown hub source {prefill!r}; sources are {', '.join(PREFILL_SOURCES)}")
        required = raw.get("required", False)
        if not isinstance(required, bool):
            self.fail(f"{where}.required", "must be true or false")
            required = False
        only_if: Expression | None = None
        only_if_reads: tuple[str, ...] = ()
        if "only_if" in raw:
            only_if, only_if_reads = self.expression(raw["only_if"], f"{where}.only_if", known)
        max_length = raw.get("max_length", 500)
        if not isinstance(max_length, int) or isinstance(max_length, bool) or max_length < 1:
            self.fail(f"{where}.max_length", "must be a whole number of characters")
            max_length = 500
        allowed = {
            "id",
            "kind",
            "label",
            "required",
            "min",
            "max",
            "choices",
            "only_if",
            "prefill",
            "help",
            "max_length",
            "percent",
            "aggregate",
            "weight",
        }
        for key in sorted(set(raw) - allowed):
            self.fail(where, f"unknown key {key!r} (keys: {', '.join(sorted(allowed))})")
        return FormField(
            fid,
            kind,
            self.text(raw.get("label"), f"{where}.label"),
            required,
            minimum,
            maximum,
            max_length,
            tuple(choices),
            only_if,
            prefill,
            self.text(raw["help"], f"{where}.help") if "help" in raw else None,
            only_if_reads,
            percent,
            aggregate,
            weight,
        )

    def aggregation(
        self, raw: dict[str, Any], where: str, kind: FieldKind
    ) -> tuple[bool, Aggregation | None, str | None]:
        """``percent``, ``aggregate`` and ``weight`` of a field; a number field sums unless it is a percent (mean)."""
        numeric = kind in (FieldKind.number, FieldKind.integer)
        percent = raw.get("percent", False)
        if not isinstance(percent, bool):
            self.fail(f"{where}.percent", "must be true or false")
            percent = False
        for key in ("percent", "aggregate", "weight"):
            if key in raw and not numeric:
                self.fail(f"{where}.{key}", f"only number and integer fields are aggregated, not a {kind.value} field")
        if not numeric:
            return False, None, None
        given = raw.get("aggregate", Aggregation.mean.value if percent else Aggregation.sum.value)
        if given not in {a.value for a in Aggregation}:
            self.fail(f"{where}.aggregate", f"{given!r} must be sum, mean or none")
            given = Aggregation.none.value
        aggregate = Aggregation(given)
        if percent and aggregate is Aggregation.sum:
            self.fail(
                f"{where}.aggregate",
                "a sum of percentages is not a percentage: a percent field aggregates as mean (with a weight field "
                "if reports differ in size) or none",
            )
        weight = raw.get("weight")
        if weight is not None and (aggregate is not Aggregation.mean or not isinstance(weight, str)):
            self.fail(f"{where}.weight", 'a weight is the id of a summed field, given with "aggregate": "mean"')
            weight = None
        return percent, aggregate, weight


def _field_ids(raw: dict[str, Any]) -> set[str]:
    found: set[str] = set()
    for section in raw.get("sections") or []:
        if isinstance(section, dict):
            for f in section.get("fields") or []:
                if isinstance(f, dict) and isinstance(f.get("id"), str):
                    found.add(f["id"])
    return found


def _check_weights(p: _Parser, sections: list[Section]) -> None:
    """A mean's weight must be another field of the form that is summed (a count such as enterprises_total)."""
    summed = {f.id for s in sections for f in s.fields if f.aggregate is Aggregation.sum}
    for i, s in enumerate(sections):
        for j, f in enumerate(s.fields):
            if f.weight is not None and (f.weight == f.id or f.weight not in summed):
                p.fail(
                    f"sections[{i}].fields[{j}].weight",
                    f"{f.weight!r} must be another field of this form that is summed; summed fields: "
                    + (", ".join(sorted(summed)) or "none"),
                )


def parse_form(raw: Any, where: str = "definition") -> FormDefinition:
    """A checked form definition from its JSON value; every defect is reported in one :class:`InvalidForm`."""
    p = _Parser()
    if not isinstance(raw, dict):
        raise InvalidForm(where, ["a form definition is a JSON object"])
    where = f"{raw.get('id', where)}@v{raw.get('version', '?')}" if isinstance(raw.get("id"), str) else where
    form_id = p.ident(raw.get("id"), "id")
    version = raw.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        p.fail("version", f"must be a whole number from 1, not {version!r}")
        version = 0
    level = raw.get("unit_level")
    if level not in UNIT_LEVELS:
        p.fail("unit_level", f"{level!r} must be one of {', '.join(UNIT_LEVELS)}")
    try:
        frequency = Frequency(str(raw.get("frequency")))
    except ValueError:
        p.fail("frequency", f"{raw.get('frequency')!r} must be daily or weekly")
        frequency = Frequency.daily
    due = raw.get("due", {"day": 0, "hour": 18})
    due_day, due_hour = (due.get("day", 0), due.get("hour", 18)) if isinstance(due, dict) else (None, None)
    limit = 0 if frequency is Frequency.daily else 6
    if not isinstance(due_day, int) or not 0 <= due_day <= limit:
        p.fail("due.day", f"must be a day of the period from 0 to {limit}")
        due_day = 0
    if not isinstance(due_hour, int) or not 0 <= due_hour <= 23:
        p.fail("due.hour", "must be an hour from 0 to 23 (China time)")
        due_hour = 18
    known = _field_ids(raw)
    sections: list[Section] = []
    seen: set[str] = set()
    raw_sections = raw.get("sections")
    if not isinstance(raw_sections, list) or not raw_sections:
        p.fail("sections", "a form needs a list of sections, each with fields")
        raw_sections = []
    for i, s in enumerate(raw_sections):
        sw = f"sections[{i}]"
        if not isinstance(s, dict) or not isinstance(s.get("fields"), list) or not s["fields"]:
            p.fail(sw, "a section is {'id': ..., 'title': ..., 'fields': [...]} with at least one field")
            continue
        fields = []
        for j, raw_field in enumerate(s["fields"]):
            parsed = p.field(raw_field, f"{sw}.fields[{j}]", known)
            if parsed is None:
                continue
            if parsed.id in seen:
                p.fail(f"{sw}.fields[{j}].id", f"field id {parsed.id!r} repeats")
            seen.add(parsed.id)
            fields.append(parsed)
        sections.append(Section(p.ident(s.get("id"), f"{sw}.id"), p.text(s.get("title"), f"{sw}.title"), tuple(fields)))
    _check_weights(p, sections)
    rules: list[Rule] = []
    for i, r in enumerate(raw.get("rules") or []):
        rw = f"rules[{i}]"
        if not isinstance(r, dict) or "check" not in r:
            p.fail(rw, "a rule is {'id': ..., 'check': <CertLogic>, 'message': {...}, 'fields': [...]}")
            continue
        check, reads = p.expression(r["check"], f"{rw}.check", known)
        named = r.get("fields") or [v.split(".", 1)[1] for v in reads if v.startswith("this.")][:1]
        if not isinstance(named, list) or any(n not in known for n in named):
            p.fail(f"{rw}.fields", f"{named!r} must list fields of this form (where the message is shown)")
            named = []
        if check is not None:
            rules.append(
                Rule(
                    p.ident(r.get("id"), f"{rw}.id"),
                    check,
                    p.text(r.get("message"), f"{rw}.message"),
                    tuple(named),
                    reads,
                )
            )
    if not isinstance(raw.get("rules", []), list):
        p.fail("rules", "must be a list")
    if p.problems:
        raise InvalidForm(where, p.problems)
    return FormDefinition(
        form_id,
        version,
        p.text(raw.get("title"), "title"),
        str(level),
        frequency,
        due_day,
        due_hour,
        tuple(sections),
        tuple(rules),
        raw,
    )


def read_form_file(path: Path) -> FormDefinition:
    """A form definition from a JSON file; unreadable JSON is an error naming its line and column."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(f"cannot read form file {path}: {exc.strerror}", field="file") from None
    except UnicodeDecodeError:
        raise InvalidInput(f"{path.name} is not UTF-8 text", field="file") from None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            f"{path.name} is not JSON: line {exc.lineno}, column {exc.colno}: {exc.msg}", field="file"
        ) from None
    return parse_form(raw, path.name)


def shipped_folder() -> Path:
    """Folder of the forms that ship with Fugong."""
    return Path(str(resources.files("fugong.survey") / "forms"))


@lru_cache(maxsize=1)
def shipped_forms() -> Mapping[tuple[str, int], FormDefinition]:
    """The shipped forms by (id, version)."""
    found = {}
    for path in sorted(shipped_folder().glob("*.json")):
        form = read_form_file(path)
        found[(form.id, form.version)] = form
    return found
