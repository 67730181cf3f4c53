"""A citizen's codes (我的健康码): their own and those of the persons they act for, freshly signed, explained.

Each card carries a new signed code (QR), the colour, why (the rule and its facts, or the officials' reason),
since when, and when it turns green if nothing changes. Names are shown masked (王*明), as on the 2020 apps.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from fugong.errors import Forbidden
from fugong.healthcode import registry
from fugong.healthcode.credentials.credential import IssuedCode
from fugong.healthcode.credentials.qr import qr_svg
from fugong.healthcode.facts import fact_from_json
from fugong.healthcode.gate.authority import Authority
from fugong.healthcode.models import HcColourChange, HcPerson, HcProxy, HcStatus
from fugong.healthcode.rules import RuleBook, load_rulebook
from fugong.healthcode.status import describe_fact

RELATIONS = {
    "self": ("本人", "myself"),
    "relative": ("亲属代管", "a relative I act for"),
    "community_worker": ("社区代管", "a resident I act for as community worker"),
}


@dataclass(frozen=True)
class CodeCard:
    """One person's code as the citizen page shows it."""

    person_id: int
    masked_name: str
    relation: str
    colour: str | None
    since: date | None
    green_on: date | None
    refreshed_at: datetime | None
    why_zh: str
    why_en: str
    code: IssuedCode | None

    @property
    def qr_data_uri(self) -> str | None:
        """The QR code as an SVG data URI (segno, error correction Q), or None without a colour."""
        if self.code is None:
            return None
        return "data:image/svg+xml;base64," + base64.b64encode(qr_svg(self.code.text)).decode("ascii")

    def as_json(self) -> dict[str, Any]:
        """JSON-ready card (the code text included, so an app can draw its own QR)."""
        return {
            "person_id": self.person_id,
            "name": self.masked_name,
            "relation": self.relation,
            "colour": self.colour,
            "since": self.since.isoformat() if self.since else None,
            "green_on": self.green_on.isoformat() if self.green_on else None,
            "refreshed_at": self.refreshed_at.isoformat(timespec="seconds") if self.refreshed_at else None,
            "why_zh": self.why_zh,
            "why_en": self.why_en,
            "code": self.code.text if self.code else None,
            "expires_at": self.code.claims.expires.isoformat() if self.code else None,
        }


def mask_name(name: str) -> str:
    """王小明 → 王*明, 李四 → 李*: enough for a relative to tell the cards apart, no more."""
    name = name.strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


@lru_cache(maxsize=1)
def _rulebook() -> RuleBook:
    return load_rulebook()


def _reasons(rule_id: str | None, ruleset_id: str | None) -> tuple[str, str]:
    for ruleset in _rulebook():
        if ruleset.id != ruleset_id:
            continue
        for rule in ruleset.rules:
            if rule.id == rule_id:
                return rule.reason_zh, rule.reason_en
    return rule_id or "", rule_id or ""


def explain(change: HcColourChange) -> tuple[str, str]:
    """Why the colour is what it is, in Chinese and English, from its colour-log record."""
    if change.kind == "manual":
        return f"经人工复核：{change.reason}", f"Set on review by two officials: {change.reason}"
    if change.new_colour == "green":
        return "无风险情形，可凭码通行。", "No risk applies: you may pass."
    zh, en = _reasons(change.rule, change.ruleset_id)
    facts = [fact_from_json(item) for item in json.loads(change.facts or "[]")]
    if facts:
        zh += "。依据：" + "；".join(describe_fact(f, "zh") for f in facts)
        en += ". Based on: " + "; ".join(describe_fact(f, "en") for f in facts)
    return zh + "。", en + "."


def persons_of(session: Session, account: str) -> list[tuple[HcPerson, str]]:
    """The persons ``account`` holds codes for: themself first, then those they act for."""
    acting = select(HcProxy.person_id).where(HcProxy.account == account)
    query = select(HcPerson).where(or_(HcPerson.account == account, HcPerson.id.in_(acting))).order_by(HcPerson.id)
    found = list(session.scalars(query))
    rows = session.execute(select(HcProxy.person_id, HcProxy.relation).where(HcProxy.account == account))
    relations = {int(person_id): str(relation) for person_id, relation in rows}
    cards = [(p, "self" if p.account == account else str(relations.get(p.id, "relative"))) for p in found]
    return sorted(cards, key=lambda pair: (pair[1] != "self", pair[0].id))


def card(session: Session, authority: Authority, person: HcPerson, relation: str) -> CodeCard:
    """A person's card with a freshly signed code (none before their first colour)."""
    status = session.get(HcStatus, person.id)
    if status is None:
        zh, en = "尚未评定健康码颜色，请先完成健康申报。", "No colour yet: fill in your health declaration first."
        return CodeCard(person.id, mask_name(person.name), relation, None, None, None, None, zh, en, None)
    zh, en = explain(status.change)
    code = authority.issue(session, person)
    return CodeCard(
        person.id,
        mask_name(person.name),
        relation,
        status.colour,
        status.since,
        status.green_on,
        status.changed_at,
        zh,
        en,
        code,
    )


def my_cards(session: Session, authority: Authority, account: str) -> list[CodeCard]:
    """Every card of the signed-in ``account``: their own code and those of the persons they act for."""
    return [card(session, authority, person, relation) for person, relation in persons_of(session, account)]


def card_for(session: Session, authority: Authority, account: str, person_id: int) -> CodeCard:
    """One person's card, if ``account`` is that person or acts for them."""
    person = registry.get(session, person_id)
    if not registry.may_act_for(session, person, account):
        raise Forbidden(f"{account!r} neither is person {person_id} nor acts for them", field="person_id")
    relation = "self" if person.account == account else registry.proxies(session, person.id).get(account, "relative")
    return card(session, authority, person, relation)
