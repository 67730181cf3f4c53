"""Employees (员工名单): bulk upload from an XLSX template with Chinese headers, 14-day tracking, colours.

An upload keeps every valid row and reports each bad one by its row number and column; a file whose headers are
not the template's is refused whole. Each employee is matched to a person by the hub's pseudonym of the ID number
(checked first: format, check character, birth date and place).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zipfile import BadZipFile

from openpyxl import Workbook, load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from fugong.enterprise import checkins
from fugong.enterprise.models import EntEmployee, EntEnterprise
from fugong.enterprise.precheck import employee_colours
from fugong.errors import FugongError, InvalidInput
from fugong.hub.pseudonyms import Pseudonymiser, canonical_phone

HEADERS = ("姓名", "身份证号", "手机号", "是否省外返回", "返回出发地", "抵达日期")
REQUIRED = ("姓名", "身份证号")
OBSERVATION_DAYS = 14
MAX_ROWS = 50_000
_REGION = re.compile(r"^\d{6}$")


@dataclass(frozen=True)
class RowError:
    """A row that was not taken: its number in the sheet, the column and why."""

    row: int
    column: str
    message: str


@dataclass
class UploadReport:
    """What an upload did: rows added, rows updated, rows refused (each with its reason)."""

    added: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The report as the API shows it."""
        return {
            "added": self.added,
            "updated": self.updated,
            "errors": [{"row": e.row, "column": e.column, "message": e.message} for e in self.errors],
        }


@dataclass(frozen=True)
class EmployeeRow:
    """One checked row of the template."""

    name: str
    id_number: str
    phone: str | None
    returned_from_outside: bool
    returned_from: str | None
    arrived_on: date | None


def template() -> bytes:
    """The upload template: one sheet, the Chinese headers and an example row."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "员工名单"
    sheet.append(list(HEADERS))
    sheet.append(["张三", "330382198503120012", "13805770000", "是", "420100", "2020-02-05"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _day(value: Any, today: date) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    else:
        try:
            day = date.fromisoformat(_cell_text(value).replace("/", "-"))
        except ValueError:
            raise InvalidInput(f"{value!r} is not a date (YYYY-MM-DD)") from None
    if day > today:
        raise InvalidInput(f"{day.isoformat()} is in the future")
    return day


def check_row(values: dict[str, Any], pseudonymiser: Pseudonymiser, today: date) -> tuple[str, EmployeeRow]:
    """A row's person key and checked values; the first problem raises with the column as its field."""
    column = "姓名"
    try:
        name = _cell_text(values.get("姓名"))
        if not name:
            raise InvalidInput("the name is empty")
        column = "身份证号"
        number = _cell_text(values.get("身份证号"))
        key = pseudonymiser.person(number)
        column = "手机号"
        phone_text = _cell_text(values.get("手机号"))
        phone = canonical_phone(phone_text) if phone_text else None
        column = "是否省外返回"
        flag = _cell_text(values.get("是否省外返回"))
        if flag not in ("", "是", "否"):
            raise InvalidInput(f"{flag!r}: write 是 or 否")
        returned = flag == "是"
        column = "返回出发地"
        origin = _cell_text(values.get("返回出发地")) or None
        if origin is not None and not _REGION.match(origin):
            raise InvalidInput(f"{origin!r} is not a 6-digit region code")
        column = "抵达日期"
        arrived = _day(values.get("抵达日期"), today)
        if returned and arrived is None:
            raise InvalidInput("an employee back from outside the province needs an arrival date")
    except FugongError as exc:
        raise InvalidInput(exc.detail, field=column) from None
    return key, EmployeeRow(name, "".join(number.split()).upper(), phone, returned, origin, arrived)


def read_sheet(data: bytes) -> list[tuple[int, dict[str, Any]]]:
    """The rows of the first sheet by header, with their sheet row numbers; wrong headers refuse the file."""
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (BadZipFile, OSError, KeyError, ValueError):
        raise InvalidInput(
            "the file is not an XLSX workbook: download the template and fill it in", field="file"
        ) from None
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [_cell_text(v) for v in next(rows, ())]
    while header and header[-1] == "":
        header.pop()
    unknown = [h for h in header if h not in HEADERS]
    missing = [h for h in REQUIRED if h not in header]
    if unknown or missing:
        problems = []
        if missing:
            problems.append(f"missing {', '.join(missing)}")
        if unknown:
            problems.append(f"unknown {', '.join(unknown) or '(empty header)'}")
        raise InvalidInput(
            f"wrong headers ({'; '.join(problems)}): the template's headers are {', '.join(HEADERS)}", field="file"
        )
    found = []
    for number, row in enumerate(rows, start=2):
        if number - 1 > MAX_ROWS:
            raise InvalidInput(f"more than {MAX_ROWS} rows: split the file", field="file")
        if row is None or all(v in (None, "") for v in row):
            continue
        found.append((number, dict(zip(header, row, strict=False))))
    book.close()
    return found


def upload(
    session: Session,
    pseudonymiser: Pseudonymiser,
    enterprise: EntEnterprise,
    data: bytes,
    actor: str,
    now: datetime,
    today: date,
) -> UploadReport:
    """Add or update an enterprise's employees from an XLSX file; bad rows are reported, valid rows kept."""
    report = UploadReport()
    existing = {
        e.person_key: e for e in session.scalars(select(EntEmployee).where(EntEmployee.enterprise_id == enterprise.id))
    }
    seen: dict[str, int] = {}
    for number, values in read_sheet(data):
        try:
            key, row = check_row(values, pseudonymiser, today)
        except InvalidInput as exc:
            report.errors.append(RowError(number, exc.field or "", exc.detail))
            continue
        if key in seen:
            report.errors.append(RowError(number, "身份证号", f"the same ID number as row {seen[key]}"))
            continue
        seen[key] = number
        employee = existing.get(key)
        if employee is None:
            employee = EntEmployee(enterprise_id=enterprise.id, person_key=key)
            session.add(employee)
            report.added += 1
        else:
            report.updated += 1
        employee.name, employee.id_number, employee.phone = row.name, row.id_number, row.phone
        employee.returned_from_outside, employee.returned_from = row.returned_from_outside, row.returned_from
        employee.arrived_on, employee.uploaded_by, employee.uploaded_at = row.arrived_on, actor, now
    session.flush()
    return report


def observation(employee: EntEmployee, today: date) -> dict[str, Any] | None:
    """An employee back from outside the province: the day of their 14 days, and when those end."""
    if not employee.returned_from_outside or employee.arrived_on is None:
        return None
    ends = employee.arrived_on + timedelta(days=OBSERVATION_DAYS)
    day = (today - employee.arrived_on).days + 1
    return {"day": min(day, OBSERVATION_DAYS), "ends_on": ends.isoformat(), "done": today >= ends}


def roster(session: Session, enterprise: EntEnterprise, today: date) -> dict[str, Any]:
    """The workforce by health-code colour and each employee (name masked) with their 14-day tracking."""
    from fugong.healthcode.models import HcPerson, HcStatus

    query = (
        select(EntEmployee, HcStatus.colour)
        .outerjoin(HcPerson, HcPerson.pseudonym == EntEmployee.person_key)
        .outerjoin(HcStatus, HcStatus.person_id == HcPerson.id)
        .where(EntEmployee.enterprise_id == enterprise.id)
        .order_by(EntEmployee.id)
    )
    people: list[dict[str, Any]] = [
        {
            "id": e.id,
            "name": e.name[0] + "*" * (len(e.name) - 1),
            "colour": colour or "none",
            "returned_from_outside": e.returned_from_outside,
            "observation": observation(e, today),
        }
        for e, colour in session.execute(query)
    ]
    tracked = [p for p in people if p["observation"] is not None and not p["observation"]["done"]]
    return {
        "by_colour": dict(employee_colours(session, enterprise.id)),
        "employees": people,
        "in_observation": len(tracked),
        "checkins_today": checkins.day_summary(session, enterprise, today),
    }
