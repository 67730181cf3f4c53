"""Checking a form's values (校验): each field's type and bounds, skip logic, required fields, then the rules.

The result keeps the valid part of what was entered (a draft saves it) and lists every problem with a message a
village worker understands, in Chinese and English. A rule is checked only when every value it reads is present:
yesterday's figure cannot be compared before yesterday was reported.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from fugong.errors import FugongError
from fugong.healthcode.certlogic.evaluator import CertLogicError
from fugong.healthcode.certlogic.values import truthiness
from fugong.survey.definitions import FieldKind, FormDefinition, FormField, Text

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_YES = {"是", "yes", "y", "true", "1", "有"}
_NO = {"否", "no", "n", "false", "0", "无", "没有"}


@dataclass(frozen=True)
class Problem:
    """One problem with the values: the field it concerns (None for the whole form), a code and a message."""

    field: str | None
    code: str
    message: Text

    def as_json(self, locale: str = "zh_CN") -> dict[str, Any]:
        return {
            "field": self.field,
            "code": self.code,
            "message": self.message.in_locale(locale),
            "messages": self.message.as_json(),
        }


@dataclass(frozen=True)
class Resolvers:
    """How region, person and enterprise values become codes and keys (the gazetteer, the hub's pseudonymiser)."""

    region: Callable[[str], str]
    person: Callable[[str], str]
    enterprise: Callable[[str], str]


@dataclass
class Checked:
    """The valid values, the fields hidden by skip logic, and every problem found."""

    values: dict[str, Any]
    hidden: list[str]
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _msg(zh: str, en: str) -> Text:
    return Text(zh, en)


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value: Any) -> str:
    return unicodedata.normalize("NFKC", str(value)).strip()


def _integer(f: FormField, value: Any) -> int | Problem:
    if isinstance(value, bool):
        value = None
    elif isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, str):
        text = _text(value).replace(",", "")
        value = int(text) if re.fullmatch(r"[+-]?\d+", text) else None
    if not isinstance(value, int):
        return Problem(
            f.id,
            "not_integer",
            _msg(f"“{f.label.zh}”要填整数，例如 12。", f"“{f.label.en}” needs a whole number, e.g. 12."),
        )
    return value


def _number(f: FormField, value: Any) -> float | int | Problem:
    if isinstance(value, str):
        try:
            value = float(_text(value).replace(",", ""))
        except ValueError:
            value = None
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        return Problem(
            f.id,
            "not_number",
            _msg(f"“{f.label.zh}”要填数字，例如 85.5。", f"“{f.label.en}” needs a number, e.g. 85.5."),
        )
    number: float | int = value
    return number


def _bounds(f: FormField, value: float) -> Problem | None:
    if f.minimum is not None and value < f.minimum:
        return Problem(
            f.id,
            "below_minimum",
            _msg(f"“{f.label.zh}”不能小于 {f.minimum:g}。", f"“{f.label.en}” cannot be less than {f.minimum:g}."),
        )
    if f.maximum is not None and value > f.maximum:
        return Problem(
            f.id,
            "above_maximum",
            _msg(f"“{f.label.zh}”不能大于 {f.maximum:g}。", f"“{f.label.en}” cannot be more than {f.maximum:g}."),
        )
    return None


def parse_value(f: FormField, value: Any, resolvers: Resolvers) -> Any:
    """The typed value of one field, or a :class:`Problem` saying what is wrong with it."""
    label_zh, label_en = f.label.zh, f.label.en
    if f.kind is FieldKind.integer or f.kind is FieldKind.number:
        parsed = _integer(f, value) if f.kind is FieldKind.integer else _number(f, value)
        if isinstance(parsed, Problem):
            return parsed
        return _bounds(f, parsed) or parsed
    if f.kind is FieldKind.yes_no:
        if isinstance(value, bool):
            return value
        text = _text(value).lower()
        if text in _YES or text in _NO:
            return text in _YES
        return Problem(f.id, "not_yes_no", _msg(f"“{label_zh}”请选“是”或“否”。", f"“{label_en}”: choose yes or no."))
    if f.kind is FieldKind.choice:
        text = _text(value)
        by_label = {c.label.zh: c.value for c in f.choices} | {c.label.en.lower(): c.value for c in f.choices}
        if text in f.choice_values():
            return text
        if text.lower() in by_label or text in by_label:
            return by_label.get(text) or by_label[text.lower()]
        options_zh = "、".join(c.label.zh for c in f.choices)
        options_en = ", ".join(c.label.en for c in f.choices)
        return Problem(
            f.id,
            "unknown_choice",
            _msg(f"“{label_zh}”请从这些选项中选一个：{options_zh}。", f"“{label_en}”: choose one of {options_en}."),
        )
    if f.kind is FieldKind.date:
        if isinstance(value, date):
            return value.isoformat()
        text = _text(value)[:10] if isinstance(value, str) and "T" in value else _text(value)
        try:
            if not _ISO_DATE.match(text):
                raise ValueError
            return date.fromisoformat(text).isoformat()
        except ValueError:
            return Problem(
                f.id,
                "not_a_date",
                _msg(f"“{label_zh}”要填日期，写成 2020-02-10 这样。", f"“{label_en}” needs a date written 2020-02-10."),
            )
    if f.kind in (FieldKind.region, FieldKind.person, FieldKind.enterprise):
        resolve = {
            FieldKind.region: resolvers.region,
            FieldKind.person: resolvers.person,
            FieldKind.enterprise: resolvers.enterprise,
        }[f.kind]
        try:
            return resolve(_text(value))
        except FugongError:
            what = {
                FieldKind.region: ("浙江省的县（市、区）名称或代码", "a Zhejiang county name or code"),
                FieldKind.person: ("有效的18位身份证号", "a valid 18-character ID number"),
                FieldKind.enterprise: ("有效的18位统一社会信用代码", "a valid 18-character credit code"),
            }[f.kind]
            return Problem(
                f.id, f"invalid_{f.kind.value}", _msg(f"“{label_zh}”要填{what[0]}。", f"“{label_en}” needs {what[1]}.")
            )
    text = str(value).strip()
    if len(text) > f.max_length:
        return Problem(
            f.id,
            "too_long",
            _msg(
                f"“{label_zh}”最多 {f.max_length} 个字，现在有 {len(text)} 个。",
                f"“{label_en}” takes at most {f.max_length} characters, not {len(text)}.",
            ),
        )
    return text


def _shown(f: FormField, values: Mapping[str, Any]) -> bool:
    if f.only_if is None:
        return True
    if any(_lookup({"this": values}, path) is None for path in f.only_if_reads):
        return False
    try:
        return truthiness(f.only_if({"this": values})) is True
    except CertLogicError:
        return True  # when in doubt, ask: a hidden question loses a figure, an extra one costs a tap


def _lookup(data: Mapping[str, Any], path: str) -> Any:
    current: Any = data
    for step in path.split("."):
        if not isinstance(current, Mapping):
            return None
        current = current.get(step)
    return current


def check_values(
    form: FormDefinition,
    raw: Mapping[str, Any],
    resolvers: Resolvers,
    *,
    previous: Mapping[str, Any] | None = None,
    forms: Mapping[str, Mapping[str, Any]] | None = None,
) -> Checked:
    """Check ``raw`` against ``form``: the valid values, the hidden fields and every problem."""
    known = {f.id for f in form.fields()}
    problems = [
        Problem(
            key,
            "unknown_field",
            _msg(f"表单没有“{key}”这一项。", f"the form {form.reference} has no field {key!r}."),
        )
        for key in raw
        if key not in known
    ]
    values: dict[str, Any] = {}
    for f in form.fields():
        value = raw.get(f.id)
        if _empty(value):
            continue
        parsed = parse_value(f, value, resolvers)
        if isinstance(parsed, Problem):
            problems.append(parsed)
        else:
            values[f.id] = parsed
    hidden = []
    for f in form.fields():
        if not _shown(f, values):
            hidden.append(f.id)
            values.pop(f.id, None)
            problems = [p for p in problems if p.field != f.id]
        elif f.required and f.id not in values and not any(p.field == f.id for p in problems):
            problems.append(
                Problem(f.id, "required", _msg(f"请填写“{f.label.zh}”。", f"Please fill in “{f.label.en}”."))
            )
    data = {"this": values, "previous": dict(previous or {}), "forms": {k: dict(v) for k, v in (forms or {}).items()}}
    for rule in form.rules:
        if any(_lookup(data, path) is None for path in rule.reads):
            continue
        target = rule.fields[0] if rule.fields else None
        try:
            holds = truthiness(rule.check(data))
        except CertLogicError as exc:
            problems.append(
                Problem(
                    target,
                    "rule_error",
                    _msg(
                        f"规则 {rule.id} 无法检查：{exc.detail}", f"rule {rule.id} could not be checked: {exc.detail}"
                    ),
                )
            )
            continue
        if holds is not True:
            problems.append(Problem(target, f"rule:{rule.id}", rule.message))
    return Checked(values, hidden, problems)
