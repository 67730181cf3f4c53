"""XLSX import (表格导入) for places that still keep a spreadsheet: one row per unit and period, errors per row.

The header row names the unit (单位代码 / unit_code), the period (日期 / period) and the form's fields by id or by
their Chinese or English label. Each row is submitted like a form filled on the web, once: importing the same
file again changes nothing. A bad row is reported with its line and reasons; the good rows are submitted.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from io import BytesIO
from typing import Any

import openpyxl
from sqlalchemy.orm import Session

from fugong.auth.principal import Principal
from fugong.errors import FugongError, InvalidInput
from fugong.settings import Settings
from fugong.survey.definitions import FieldKind, FormDefinition, FormField
from fugong.survey.orgunits import Hierarchy
from fugong.survey.service import find_assignment, submit

UNIT_HEADERS = ("unit_code", "单位代码", "unit", "村社区代码")
PERIOD_HEADERS = ("period", "日期", "date", "填报日期", "周期")
NAME_HEADERS = ("unit_name", "单位名称")  # for people reading the sheet; the code decides
HEADER_SEARCH_ROWS = 5


class UnreadableWorkbook(InvalidInput):
    """The file is not a workbook this import can read."""

    code = "unreadable_workbook"


@dataclass
class RowResult:
    """One data row: its line in the sheet, the unit and period, what happened and why."""

    line: int
    unit: str
    period: str
    status: str  # submitted | already_submitted | error
    errors: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return self.__dict__.copy()


@dataclass
class ImportReport:
    """Every row's result, with counts."""

    form: str
    rows: list[RowResult]

    def as_json(self) -> dict[str, Any]:
        counts = {s: sum(1 for r in self.rows if r.status == s) for s in ("submitted", "already_submitted", "error")}
        return {"form": self.form, **counts, "rows": [r.as_json() for r in self.rows]}


def _norm(text: Any) -> str:
    return "".join(unicodedata.normalize("NFKC", str(text or "")).lower().split())


def _columns(form: FormDefinition, header: list[Any]) -> tuple[int, int, dict[int, str]]:
    names: dict[str, str] = {}
    for f in form.fields():
        for alias in (f.id, f.label.zh, f.label.en):
            names[_norm(alias)] = f.id
    unit = period = -1
    fields: dict[int, str] = {}
    unknown = []
    for i, cell in enumerate(header):
        key = _norm(cell)
        if not key:
            continue
        if key in {_norm(h) for h in NAME_HEADERS}:
            continue
        if key in {_norm(h) for h in UNIT_HEADERS}:
            unit = i
        elif key in {_norm(h) for h in PERIOD_HEADERS}:
            period = i
        elif key in names:
            fields[i] = names[key]
        else:
            unknown.append(str(cell))
    if unknown:
        raise InvalidInput(
            f"columns {', '.join(unknown)} are not fields of {form.reference}; fields: "
            + ", ".join(f"{f.id} ({f.label.zh})" for f in form.fields()),
            field="header",
        )
    return unit, period, fields


def _period(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise InvalidInput(f"period {value!r} is not a date written 2020-02-10", field="period") from None


def read_rows(form: FormDefinition, content: bytes) -> list[tuple[int, Any, Any, dict[str, Any]]]:
    """(line, unit, period, values) for each non-empty row of the first sheet."""
    try:
        book = openpyxl.load_workbook(BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a file that is not a workbook
        raise UnreadableWorkbook(f"not an XLSX workbook: {type(exc).__name__}", field="file") from None
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    book.close()
    for n, header in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if any(_norm(c) in {_norm(h) for h in UNIT_HEADERS} for c in header):
            unit, period, fields = _columns(form, list(header))
            if period < 0:
                raise InvalidInput("the header row has no period column (日期 / period)", field="header")
            found = []
            for line, row in enumerate(rows[n + 1 :], start=n + 2):
                if all(c is None or str(c).strip() == "" for c in row):
                    continue
                values = {fid: row[i] for i, fid in fields.items() if i < len(row)}
                found.append((line, row[unit] if unit < len(row) else None, row[period], values))
            return found
    raise InvalidInput(
        f"no header row with a unit column ({' / '.join(UNIT_HEADERS)}) in the first {HEADER_SEARCH_ROWS} rows",
        field="header",
    )


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


def import_workbook(
    session: Session,
    settings: Settings,
    hierarchy: Hierarchy,
    principal: Principal,
    form: FormDefinition,
    content: bytes,
    *,
    now: datetime,
) -> ImportReport:
    """Submit every row of the workbook for ``form``; each row succeeds or fails on its own.

    A row is refused before anything is written (unit, period, closed period) or, when its values fail a check, keeps
    its valid part as the draft, exactly as on the web: no row can undo another.
    """
    results = []
    for line, unit_cell, period_cell, raw in read_rows(form, content):
        unit = str(unit_cell or "").strip()
        values = {k: _jsonable(v) for k, v in raw.items()}
        result = RowResult(line, unit, str(_jsonable(period_cell) or ""), "error")
        try:
            if not unit:
                raise InvalidInput("the unit code is empty", field="unit")
            period = _period(period_cell)
            result.period = period.isoformat()
            assignment = find_assignment(session, form.id, unit, period)
            material = json.dumps([form.id, unit, period.isoformat(), values], sort_keys=True, default=str)
            key = "xlsx-" + hashlib.sha256(material.encode()).hexdigest()[:40]
            outcome = submit(
                session,
                settings,
                hierarchy,
                principal,
                assignment.id,
                values,
                assignment.form_version,
                key,
                now=now,
                channel="xlsx",
            )
            result.status = outcome.status if outcome.status != "invalid" else "error"
            result.errors = [p.message.zh + " / " + p.message.en for p in outcome.problems]
        except FugongError as exc:
            result.errors = [exc.detail]
        results.append(result)
    return ImportReport(form.reference, results)


def template_headers(form: FormDefinition) -> list[str]:
    """The field columns of a template: each field's Chinese label, or its id where labels would be ambiguous."""
    taken = {_norm(h) for h in (*UNIT_HEADERS, *PERIOD_HEADERS, *NAME_HEADERS)}
    labels = [_norm(f.label.zh) for f in form.fields()]
    return [
        f.id if labels.count(_norm(f.label.zh)) > 1 or _norm(f.label.zh) in taken else f.label.zh for f in form.fields()
    ]


def _about(f: FormField) -> list[Any]:
    choices = "、".join(c.label.zh for c in f.choices) or ("是、否" if f.kind is FieldKind.yes_no else "")
    low, high = ("" if b is None else f"{b:g}" for b in (f.minimum, f.maximum))
    bounds = f"{low} – {high}" if low or high else ""
    return [f.id, f.label.zh, f.label.en, f.kind.value, "是" if f.required else "", choices, bounds]


def template(form: FormDefinition, rows: list[tuple[str, str, date]]) -> bytes:
    """A workbook the import reads back: 单位代码, 单位名称, 日期 and the fields; a row per (unit, period) given.

    A second sheet explains each column (id, labels, kind, required, choices, bounds); the import reads the first.
    """
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "填报"
    sheet.append([UNIT_HEADERS[1], NAME_HEADERS[1], PERIOD_HEADERS[1], *template_headers(form)])
    for code, name, period in rows:
        sheet.append([code, name, period.isoformat()])
    sheet.freeze_panes = "D2"
    notes = book.create_sheet("填表说明")
    notes.append([f"{form.title.zh}（{form.reference}）：每行一个单位一个周期；日期写 2020-02-10。"])
    notes.append(["字段", "中文名", "English", "类型", "必填", "可选值", "范围"])
    for f in form.fields():
        notes.append(_about(f))
    out = BytesIO()
    book.save(out)
    return out.getvalue()
