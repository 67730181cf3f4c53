"""Daily health check-ins (每日健康打卡) of an enterprise's employees: temperature and symptoms, one a day."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fugong.enterprise.content import parse_day
from fugong.enterprise.models import EntCheckin, EntEmployee, EntEnterprise
from fugong.errors import InvalidInput, NotFound

FEVER_TENTHS = 373  # 37.3 °C, the threshold checkpoints used in 2020
LOWEST, HIGHEST = Decimal("34.0"), Decimal("43.0")


def _tenths(value: Any) -> int:
    try:
        degrees = Decimal(str(value).strip())
    except InvalidOperation:
        raise InvalidInput(f"temperature {value!r} is not a number of degrees Celsius", field="temperature") from None
    if not LOWEST <= degrees <= HIGHEST:
        raise InvalidInput(
            f"temperature {degrees} °C is outside {LOWEST}–{HIGHEST} °C: check the reading", field="temperature"
        )
    return int((degrees * 10).to_integral_value())


def check_in(
    session: Session,
    enterprise: EntEnterprise,
    employee_id: int,
    on: Any,
    temperature: Any,
    symptoms: bool,
    actor: str,
    now: datetime,
    today: date,
) -> EntCheckin:
    """Record (or correct) an employee's check-in for a day; a future day or another firm's employee is refused."""
    employee = session.get(EntEmployee, employee_id)
    if employee is None or employee.enterprise_id != enterprise.id:
        raise NotFound(f"employee {employee_id} is not on {enterprise.name}'s list", field="employee_id")
    on = today if on in (None, "") else parse_day(on, "on")
    if on > today:
        raise InvalidInput(f"{on.isoformat()} is in the future (today is {today.isoformat()})", field="on")
    tenths = _tenths(temperature)
    found = session.scalar(select(EntCheckin).where(EntCheckin.employee_id == employee_id, EntCheckin.on == on))
    if found is None:
        found = EntCheckin(employee_id=employee_id, on=on)
        session.add(found)
    found.temperature_tenths, found.symptoms = tenths, symptoms
    found.recorded_by, found.recorded_at = actor, now
    session.flush()
    return found


def day_summary(session: Session, enterprise: EntEnterprise, on: date) -> dict[str, Any]:
    """How many employees checked in on a day, and how many had a fever or symptoms."""
    rows = session.execute(
        select(EntCheckin.temperature_tenths, EntCheckin.symptoms)
        .join(EntEmployee, EntEmployee.id == EntCheckin.employee_id)
        .where(EntEmployee.enterprise_id == enterprise.id, EntCheckin.on == on)
    ).all()
    return {
        "on": on.isoformat(),
        "checked_in": len(rows),
        "fever": sum(1 for t, _ in rows if t >= FEVER_TENTHS),
        "symptoms": sum(1 for _, s in rows if s),
    }
