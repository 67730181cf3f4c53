"""The pre-check (预审) a reviewer sees: health codes of the employees, county risk, white list, power, conflicts.

Each check is ok, info, warn, fail or unknown; a pre-check is clean when no check warns or fails. A missing source
(no case data, no power index yet) is ``unknown`` and says so; it does not block a clean pre-check.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fugong.enterprise import whitelist
from fugong.enterprise.content import DeclarationContent
from fugong.enterprise.models import EntEmployee, EntEnterprise
from fugong.enterprise.signals import CountyColours, PowerActivity
from fugong.healthcode.models import HcPerson, HcStatus

BLOCKING = frozenset({"warn", "fail"})
WORKFORCE_TOLERANCE = 0.2  # a declared workforce more than 20 % off the register's is a conflict to look at


@dataclass(frozen=True)
class Check:
    """One check: its name, outcome and a sentence for the reviewer, with the figures behind it."""

    name: str
    status: str
    detail: str
    figures: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Precheck:
    """Every check of a declaration and the inputs they read."""

    checks: tuple[Check, ...]
    inputs: dict[str, Any]

    @property
    def clean(self) -> bool:
        """True when no check warns or fails."""
        return not any(c.status in BLOCKING for c in self.checks)

    def as_json(self) -> dict[str, Any]:
        """The pre-check as stored with the declaration and shown to the reviewer."""
        return {
            "clean": self.clean,
            "checks": [{"name": c.name, "status": c.status, "detail": c.detail, **c.figures} for c in self.checks],
            "inputs": self.inputs,
        }


def employee_colours(session: Session, enterprise_id: int, ids: tuple[int, ...] = ()) -> Counter[str]:
    """Health-code colours of an enterprise's employees (all, or those listed), ``none`` for the unregistered."""
    query = (
        select(HcStatus.colour)
        .select_from(EntEmployee)
        .outerjoin(HcPerson, HcPerson.pseudonym == EntEmployee.person_key)
        .outerjoin(HcStatus, HcStatus.person_id == HcPerson.id)
        .where(EntEmployee.enterprise_id == enterprise_id)
    )
    if ids:
        query = query.where(EntEmployee.id.in_(ids))
    return Counter(str(colour or "none") for colour in session.scalars(query))


def _health(session: Session, enterprise: EntEnterprise, content: DeclarationContent) -> Check:
    colours = employee_colours(session, enterprise.id, content.employee_ids)
    figures = {"colours": dict(colours)}
    if not colours:
        return Check("health_codes", "warn", "未上传员工名单，无法核对健康码", figures)
    if colours.get("red"):
        return Check("health_codes", "fail", f"{colours['red']}名员工为红码", figures)
    if colours.get("yellow") or colours.get("none"):
        detail = f"{colours.get('yellow', 0)}名员工为黄码，{colours.get('none', 0)}名员工未申领健康码"
        return Check("health_codes", "warn", detail, figures)
    return Check("health_codes", "ok", f"{sum(colours.values())}名员工均为绿码", figures)


def _county(enterprise: EntEnterprise, colours: CountyColours) -> Check:
    colour = colours.colour(enterprise.county_code)
    if colour is None:
        return Check("county_risk", "unknown", "无该县风险等级数据", {"colour": None})
    status = {"red": "fail", "orange": "warn"}.get(colour, "ok")
    return Check("county_risk", status, f"所在县风险颜色：{colour}", {"colour": colour})


def _whitelist(session: Session, enterprise: EntEnterprise) -> Check:
    entry = whitelist.entry_of(session, enterprise.id)
    if entry is None:
        return Check("white_list", "info", "不在白名单", {"listed": False})
    return Check("white_list", "ok", f"白名单企业（{whitelist.CATEGORIES[entry.category]}）", {"listed": True})


def _power(enterprise: EntEnterprise, power: PowerActivity) -> Check:
    if not power.available:
        return Check("power", "unknown", "no power data（暂无电力数据）", {"active": None})
    active = power.active.get(enterprise.enterprise_key)
    if active is None:
        return Check("power", "unknown", "电力数据中无该企业", {"active": None})
    return Check("power", "ok" if active else "info", "已有用电活动" if active else "尚无用电活动", {"active": active})


def _workforce(session: Session, enterprise: EntEnterprise, content: DeclarationContent) -> Check:
    registered = enterprise.registered_employees
    figures: dict[str, Any] = {"declared": content.workforce_total, "registered": registered}
    if content.employee_ids and len(content.employee_ids) != content.workforce_returning:
        figures["listed"] = len(content.employee_ids)
        detail = f"申报返岗{content.workforce_returning}人，名单{len(content.employee_ids)}人"
        return Check("workforce", "warn", detail, figures)
    if registered is None:
        return Check("workforce", "unknown", "企业名录无从业人数", figures)
    if abs(content.workforce_total - registered) > WORKFORCE_TOLERANCE * max(registered, 1):
        return Check("workforce", "warn", f"申报{content.workforce_total}人，名录登记{registered}人", figures)
    return Check("workforce", "ok", f"申报{content.workforce_total}人，名录登记{registered}人", figures)


def _suppliers(content: DeclarationContent, colours: CountyColours) -> Check:
    red = [s.name for s in content.suppliers if colours.colour(s.county_code) == "red"]
    figures = {"suppliers": len(content.suppliers), "in_red_counties": red}
    if red:
        return Check("suppliers", "warn", f"供应商位于高风险县：{'、'.join(red)}", figures)
    return Check("suppliers", "ok", f"{len(content.suppliers)}家供应商，均不在高风险县", figures)


def run(
    session: Session,
    enterprise: EntEnterprise,
    content: DeclarationContent,
    colours: CountyColours,
    power: PowerActivity,
) -> Precheck:
    """Every check of a declaration's content for its enterprise, naming the data each read."""
    checks = (
        _health(session, enterprise, content),
        _county(enterprise, colours),
        _whitelist(session, enterprise),
        _power(enterprise, power),
        _workforce(session, enterprise, content),
        _suppliers(content, colours),
    )
    inputs = {"county_risk": colours.source, "power": power.source, "register": enterprise.source}
    return Precheck(checks, inputs)


def stored(text: str | None) -> dict[str, Any] | None:
    """A pre-check as stored with a declaration."""
    return None if text is None else dict(json.loads(text))
