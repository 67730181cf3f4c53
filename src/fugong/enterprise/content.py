"""What a declaration says (申报内容), checked field by field before anything is written."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from fugong.errors import InvalidInput
from fugong.hub.pseudonyms import Pseudonymiser, canonical_phone

CHINA = ZoneInfo("Asia/Shanghai")
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_COUNTY = re.compile(r"^\d{6}$")
COUNTS = (
    "workforce_total",
    "workforce_returning",
    "origin_in_county",
    "origin_in_province",
    "origin_out_of_province",
    "origin_key_areas",
    "mask_stock_days",
)
CHECKS = ("temperature_checks", "disinfection", "isolation_room")
# What each field is called on the pages (Chinese source strings, translated by the enterprise catalog).
FIELD_LABELS = {
    "planned_on": "计划复工日期",
    "workforce_total": "员工总数",
    "workforce_returning": "返岗人数",
    "origin_in_county": "其中县内",
    "origin_in_province": "其中省内县外",
    "origin_out_of_province": "其中省外",
    "origin_key_areas": "其中来自重点疫区",
    "mask_stock_days": "口罩储备（天）",
    "temperature_checks": "每日体温检测",
    "disinfection": "场所消毒",
    "canteen": "食堂安排",
    "isolation_room": "设置隔离室",
    "responsible_person": "防疫负责人",
    "responsible_phone": "负责人手机",
    "production_plan": "生产计划",
    "suppliers": "上游供应商",
    "employee_ids": "返岗员工名单",
}


@dataclass(frozen=True)
class Supplier:
    """An upstream supplier the firm needs: its name, its county and (if its credit code was given) its key."""

    name: str
    county_code: str
    enterprise_key: str | None = None


@dataclass(frozen=True)
class DeclarationContent:
    """Everything an enterprise declares: date, workforce and origins, prevention checklist, plan, suppliers."""

    planned_on: date
    workforce_total: int
    workforce_returning: int
    origin_in_county: int
    origin_in_province: int
    origin_out_of_province: int
    origin_key_areas: int
    mask_stock_days: int
    temperature_checks: bool
    disinfection: bool
    canteen: str
    isolation_room: bool
    responsible_person: str
    responsible_phone: str
    production_plan: str
    suppliers: tuple[Supplier, ...] = ()
    employee_ids: tuple[int, ...] = ()

    def columns(self) -> dict[str, Any]:
        """The content as declaration columns (lists as JSON)."""
        values = asdict(self)
        values["suppliers"] = json.dumps([asdict(s) for s in self.suppliers], ensure_ascii=False)
        values["employee_ids"] = json.dumps(list(self.employee_ids))
        return values


def china_today(now: datetime) -> date:
    """The calendar day in China at ``now``."""
    return now.astimezone(CHINA).date()


def parse_day(value: Any, field: str) -> date:
    """A day written YYYY-MM-DD (a date object passes); anything else names the field."""
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    if not _ISO_DAY.match(text):
        raise InvalidInput(f"{field} must be a day written YYYY-MM-DD, not {text!r}", field=field)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{field}: {text!r} is not a day of the calendar", field=field) from None


def _count(value: Any, field: str) -> int:
    if isinstance(value, bool):
        raise InvalidInput(f"{field} must be a whole number", field=field)
    try:
        number = int(str(value).strip()) if not isinstance(value, int) else value
    except ValueError:
        raise InvalidInput(f"{field} must be a whole number, not {value!r}", field=field) from None
    if number < 0:
        raise InvalidInput(f"{field} cannot be negative ({number})", field=field)
    return number


def _flag(value: Any, field: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value or "").strip().lower()
    if text in {"1", "true", "yes", "on", "是"}:
        return True
    if text in {"", "0", "false", "no", "off", "否"}:
        return False
    raise InvalidInput(f"{field} must be yes or no, not {value!r}", field=field)


def _text(value: Any, field: str, limit: int, required: bool = True) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise InvalidInput(f"{field} is required", field=field)
    if len(text) > limit:
        raise InvalidInput(f"{field} is longer than {limit} characters", field=field)
    return text


def _suppliers(value: Any, pseudonymiser: Pseudonymiser) -> tuple[Supplier, ...]:
    if value in (None, ""):
        return ()
    if not isinstance(value, list):
        raise InvalidInput("suppliers must be a list of {name, county_code, credit_code}", field="suppliers")
    found = []
    for n, item in enumerate(value):
        field = f"suppliers[{n}]"
        if not isinstance(item, dict):
            raise InvalidInput(f"{field} must be an object with name and county_code", field=field)
        name = _text(item.get("name"), f"{field}.name", 200)
        county = str(item.get("county_code") or "").strip()
        if not _COUNTY.match(county):
            raise InvalidInput(f"{field}.county_code must be a 6-digit county code, not {county!r}", field=field)
        code = str(item.get("credit_code") or "").strip()
        key = pseudonymiser.enterprise(code) if code else None
        found.append(Supplier(name, county, key))
    return tuple(found)


def parse_content(data: dict[str, Any], pseudonymiser: Pseudonymiser, now: datetime) -> DeclarationContent:
    """Check a declaration's fields (a JSON object or a form); the first problem is an error naming its field."""
    planned = parse_day(data.get("planned_on"), "planned_on")
    today = china_today(now)
    if planned < today:
        raise InvalidInput(
            f"planned_on {planned.isoformat()} is in the past (today is {today.isoformat()})", field="planned_on"
        )
    counts = {name: _count(data.get(name, 0), name) for name in COUNTS}
    if counts["workforce_total"] < 1:
        raise InvalidInput("workforce_total must be at least 1", field="workforce_total")
    if counts["workforce_returning"] > counts["workforce_total"]:
        raise InvalidInput(
            f"workforce_returning ({counts['workforce_returning']}) exceeds workforce_total "
            f"({counts['workforce_total']})",
            field="workforce_returning",
        )
    origins = counts["origin_in_county"] + counts["origin_in_province"] + counts["origin_out_of_province"]
    if origins != counts["workforce_returning"]:
        raise InvalidInput(
            f"employees by origin add up to {origins}, not to the {counts['workforce_returning']} returning",
            field="origin_in_county",
        )
    if counts["origin_key_areas"] > counts["workforce_returning"]:
        raise InvalidInput("origin_key_areas exceeds the employees returning", field="origin_key_areas")
    phone_text = _text(data.get("responsible_phone"), "responsible_phone", 20)
    try:
        phone = canonical_phone(phone_text)
    except InvalidInput as exc:
        raise InvalidInput(exc.detail, field="responsible_phone") from None
    raw_ids = data.get("employee_ids") or []
    if not isinstance(raw_ids, list):
        raise InvalidInput("employee_ids must be a list of employee numbers", field="employee_ids")
    return DeclarationContent(
        planned_on=planned,
        **counts,
        temperature_checks=_flag(data.get("temperature_checks"), "temperature_checks"),
        disinfection=_flag(data.get("disinfection"), "disinfection"),
        canteen=_text(data.get("canteen"), "canteen", 200),
        isolation_room=_flag(data.get("isolation_room"), "isolation_room"),
        responsible_person=_text(data.get("responsible_person"), "responsible_person", 50),
        responsible_phone=phone,
        production_plan=_text(data.get("production_plan"), "production_plan", 4000),
        suppliers=_suppliers(data.get("suppliers"), pseudonymiser),
        employee_ids=tuple(sorted({_count(i, "employee_ids") for i in raw_ids})),
    )
