"""The enterprise platform's demo data: the register from the lake, ``factory`` bound, declarations in every state.

Idempotent: run again, it finds its declarations and leaves them alone.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from fugong.auth.principal import Principal
from fugong.auth.users import find_user, principal_of
from fugong.enterprise import registry, whitelist, workflow
from fugong.enterprise.content import china_today, parse_content
from fugong.enterprise.models import EntAccount, EntDeclaration, EntEnterprise
from fugong.enterprise.signals import CountyColours, lake_colours, lake_power
from fugong.enterprise.workflow import ReviewContext
from fugong.hub.pseudonyms import pseudonymiser
from fugong.settings import Settings
from fugong.store import unit_of_work, utcnow

if TYPE_CHECKING:
    from fugong.demo import DemoOptions

COUNTIES = ("330382", "330381")  # the demo official wenzhou's counties
# Suspended first: the demo turns its county red for a moment, before anything else there is approved.
PLAN = ("suspended", "submitted", "submitted", "under_review", "approved", "returned", "rejected", "draft")


def _form(today: str, workforce: int) -> dict[str, object]:
    return {
        "planned_on": today,
        "workforce_total": workforce,
        "workforce_returning": workforce // 2,
        "origin_in_county": workforce // 2,
        "mask_stock_days": 10,
        "temperature_checks": True,
        "disinfection": True,
        "canteen": "分餐错峰",
        "isolation_room": True,
        "responsible_person": "陈主任",
        "responsible_phone": "13805770001",
        "production_plan": "分批复工，先恢复主生产线",
    }


def seed(options: DemoOptions) -> str:
    """Copy the register, bind ``factory``, and make declarations in every state in wenzhou's counties."""
    settings = options.settings
    with unit_of_work(settings) as session:
        report = registry.sync_from_lake(session, settings)
        if session.scalar(select(EntDeclaration.id).where(EntDeclaration.created_by == "demo")) is not None:
            return f"register {report.source}; demo declarations already there"
        firms = list(
            session.scalars(
                select(EntEnterprise)
                .where(EntEnterprise.county_code.in_(COUNTIES))
                .order_by(EntEnterprise.size_class, EntEnterprise.id)
                .limit(len(PLAN) + 1)
            )
        )
        clerk, official = find_user(session, "factory"), find_user(session, "wenzhou")
        if clerk is None or official is None or len(firms) < len(PLAN) + 1:
            return "skipped: run the demo users and the province ingest first"
        if session.get(EntAccount, clerk.id) is None:
            session.add(EntAccount(user_id=clerk.id, enterprise_id=firms[0].id, bound_at=utcnow()))
        made = _declarations(session, settings, firms, principal_of(official, via="session"))
    return f"register {report.source} ({report.added} added); factory bound to {firms[0].name}; {made}"


def _declarations(session: Session, settings: Settings, firms: list[EntEnterprise], official: Principal) -> str:
    now = utcnow()
    today = (china_today(now) + timedelta(days=2)).isoformat()
    colours = lake_colours(settings)
    context = ReviewContext(colours, lake_power(settings))
    pseudonyms = pseudonymiser(settings)
    states = []
    for firm, goal in zip(firms, PLAN, strict=False):
        content = parse_content(_form(today, firm.registered_employees or 50), pseudonyms, now)
        key = f"demo-{uuid.uuid4().hex}"
        if goal == "draft":
            d = workflow.save_draft(session, firm, content, key, "demo", now)
        else:
            d = workflow.submit(session, firm, content, key, "demo", now, context)
        if goal in ("under_review", "approved", "returned", "rejected", "suspended"):
            d = workflow.claim(session, official, d.id, d.version, now)
        decision = {"approved": "approve", "suspended": "approve", "returned": "return", "rejected": "reject"}
        if goal in decision:
            reason = {"returned": "口罩储备不足7天，请补充后重新提交", "rejected": "未落实隔离室"}.get(goal)
            d = workflow.decide(session, official, d.id, d.version, decision[goal], reason, now)
        if goal == "suspended":
            red = CountyColours({d.county_code: "red"}, colours.day, f"demo: {d.county_code} shown red")
            workflow.sync_with_colours(session, red, now, [d.county_code])
        states.append(d.state)
    listed = firms[len(PLAN)]
    whitelist.add(session, official, listed.id, "daily_necessities", "演示：生活必需品保供企业", now)
    auto = workflow.submit(
        session, listed, parse_content(_form(today, 40), pseudonyms, now), "demo-auto", "demo", now, context
    )
    return f"{len(states) + 1} declarations ({', '.join(sorted(set(states)))}; white-listed one {auto.state})"
