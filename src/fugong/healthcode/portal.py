"""What the health code's faces call: a person's status for whoever may see it, registration, check-ins,
self-declarations, appeals with evidence, and the officials' queue. Each function checks the caller's right.

Who may see or act for a person: the person (their own sign-in), a recorded proxy (a relative or community
worker), an official of the person's county, an admin. Officials review; only the person or a proxy checks in,
declares or appeals. Every read of a person's name is recorded in the hub's audit log (dataset ``hc_persons``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from fugong.auth.principal import Principal
from fugong.errors import Forbidden, InvalidInput
from fugong.healthcode import appeals, audit, evidence, registry, service
from fugong.healthcode.facts import CheckIn, SelfDeclaration
from fugong.healthcode.models import HcAppeal, HcPerson, HcProxy
from fugong.healthcode.rules import RuleBook
from fugong.healthcode.status import describe_fact, evaluate
from fugong.hub import audit as hub_audit
from fugong.hub.pseudonyms import Pseudonymiser

LEGAL_NOTICE_ZH = "本人承诺以上申报内容真实、准确、完整。如有瞒报、谎报，愿承担相应法律责任。"
LEGAL_NOTICE_EN = (
    "I declare that the above is true, accurate and complete. False or concealed declarations are punishable by law."
)


class NotYourPerson(Forbidden):
    """The caller is neither the person, nor their proxy, nor an official of their county."""

    code = "not_your_person"


class LegalNoticeRequired(InvalidInput):
    """A self-declaration without the acknowledged legal notice."""

    code = "legal_notice_required"


def relation(session: Session, principal: Principal, person: HcPerson) -> str:
    """How the caller relates to the person: ``self``, ``proxy``, ``official`` or ``admin``; else 403."""
    if person.account is not None and person.account == principal.username:
        return "self"
    if principal.username in registry.proxies(session, person.id):
        return "proxy"
    if principal.is_admin:
        return "admin"
    if principal.may_act_in(person.county):
        return "official"
    raise NotYourPerson(
        f"{principal.username!r} may not see person {person.id}: not them, not their proxy, not an official of "
        f"county {person.county}",
        field="person",
    )


def _acting(session: Session, principal: Principal, person_id: int) -> HcPerson:
    """The person, if the caller is them or their proxy (officials review, they do not declare)."""
    person = registry.get(session, person_id)
    if relation(session, principal, person) not in ("self", "proxy"):
        raise NotYourPerson(
            f"only person {person_id} or their proxy may do this, not {principal.username!r}", field="person"
        )
    return person


def _audit_read(session: Session, principal: Principal, persons: int, purpose: str, detail: str) -> None:
    hub_audit.record(
        session,
        hub_audit.Reader.of_principal(principal),
        dataset="hc_persons",
        columns=["name", "county", "status", "facts"],
        personal_columns=["name"],
        purpose=purpose,
        outcome="granted",
        rows=persons,
        detail=detail,
    )


def my_persons(session: Session, principal: Principal) -> list[dict[str, Any]]:
    """The persons the caller is, or acts for, with their stored colour."""
    proxied = select(HcProxy.person_id).where(HcProxy.account == principal.username)
    query = select(HcPerson).where(or_(HcPerson.account == principal.username, HcPerson.id.in_(proxied)))
    persons = list(session.scalars(query.order_by(HcPerson.id)))
    _audit_read(session, principal, len(persons), "healthcode_own", "the caller's own and proxied persons")
    out = []
    for person in persons:
        stored = audit.current(session, person.id)
        out.append(
            {
                "id": person.id,
                "name": person.name,
                "county": person.county,
                "relation": "self" if person.account == principal.username else "proxy",
                "colour": stored.colour if stored else None,
            }
        )
    return out


def person_status(
    session: Session, principal: Principal, person_id: int, book: RuleBook, on: date, lang: str = "zh"
) -> dict[str, Any]:
    """A person's colour explained (why, since, green date, facts with sources), history, appeals and messages."""
    person = registry.get(session, person_id)
    seen_as = relation(session, principal, person)
    _audit_read(session, principal, 1, "healthcode_status", f"person {person_id} as {seen_as}")
    facts = service.facts_of(session, person_id)
    stored = audit.current(session, person_id)
    # Explained as last evaluated (the colour a gate sees), on the day it was evaluated; else on ``on``.
    on = stored.change.on if stored is not None and stored.change.on < on else on
    status = evaluate(facts, book.for_region(person.county, on), on)
    shown = stored.colour if stored is not None and stored.change.kind == "manual" else status.colour
    return {
        "person": {"id": person.id, "name": person.name, "county": person.county, "relation": seen_as},
        "evaluated_on": on.isoformat(),
        "colour": shown,
        "manual": stored is not None and stored.change.kind == "manual",
        "status": status.as_dict(),
        "explanation": status.explain(lang),
        "facts": [
            {"type": type(f).__name__, "on": f.on.isoformat(), "source": f.source, "text": describe_fact(f, lang)}
            for f in facts
            if f.on <= on
        ],
        "history": [
            {
                "at": c.at.isoformat(),
                "from": c.old_colour,
                "to": c.new_colour,
                "kind": c.kind,
                "rule": c.rule,
                "ruleset": f"{c.ruleset_id}@{c.ruleset_version}" if c.ruleset_id else None,
                "reason": c.reason,
            }
            for c in audit.history(session, person_id)
        ],
        "appeals": [_appeal(a, None) for a in _appeals_of(session, person_id)],
        "notifications": [
            {"at": n.at.isoformat(), "text": n.text_zh if lang == "zh" else n.text_en}
            for n in appeals.notifications(session, person_id)
        ],
    }


def register(
    session: Session,
    pseudonymiser: Pseudonymiser,
    principal: Principal,
    reg: registry.Registration,
    on_behalf: str | None = None,
) -> HcPerson:
    """Register the caller themself, or (``on_behalf`` = relative | community_worker) someone they act for."""
    if on_behalf is None:
        return registry.register_self(session, pseudonymiser, reg, principal.username)
    return registry.register_by_proxy(session, pseudonymiser, reg, principal.username, on_behalf)


def check_in(
    session: Session, principal: Principal, person_id: int, book: RuleBook, on: date, symptoms: bool, tenths: int | None
) -> dict[str, Any]:
    """Record the day's health check-in (打卡) and re-evaluate the colour."""
    person = _acting(session, principal, person_id)
    service.add_fact(session, person_id, CheckIn(on, symptoms, tenths))
    return service.reevaluate(session, person_id, book.for_region(person.county, on), on).as_dict()


def declare(
    session: Session,
    principal: Principal,
    person_id: int,
    book: RuleBook,
    on: date,
    answers: dict[str, bool],
    symptom_list: Sequence[str] = (),
) -> dict[str, Any]:
    """Record a self-declaration made under the legal notice, and re-evaluate the colour."""
    if answers.get("legal_notice") is not True:
        raise LegalNoticeRequired(
            "acknowledge the legal notice (false declarations are punishable) to declare", field="legal_notice"
        )
    person = _acting(session, principal, person_id)
    fact = SelfDeclaration(
        on,
        answers.get("symptoms", False),
        answers.get("travel", False),
        answers.get("contact", False),
        True,
        tuple(symptom_list),
    )
    service.add_fact(session, person_id, fact)
    return service.reevaluate(session, person_id, book.for_region(person.county, on), on).as_dict()


@dataclass(frozen=True)
class Upload:
    """A file as sent: its name, declared content type and bytes."""

    name: str
    content_type: str
    content: bytes


def file_appeal(
    session: Session,
    principal: Principal,
    person_id: int,
    text: str,
    upload: Upload | None,
    box: evidence.EvidenceBox,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Appeal against the colour with evidence text and, optionally, a PDF, JPEG or PNG file."""
    name = digest = None
    if upload is not None:
        name, _ = evidence.check(upload.name, upload.content_type, upload.content)
        digest = hashlib.sha256(upload.content).hexdigest()
    appeal = appeals.file(session, person_id, principal.username, text, file_name=name, file_sha256=digest, now=now)
    if upload is not None:  # kept only once the appeal is accepted (the caller may appeal for this person)
        box.keep(upload.name, upload.content_type, upload.content)
    return _appeal(appeal, None)


def evidence_file(
    session: Session, principal: Principal, appeal_id: int, box: evidence.EvidenceBox
) -> tuple[str, str, bytes]:
    """(file name, content type, content) of an appeal's evidence file, for the officials of the person's county,
    an admin, the person and their proxies; each opening is written to the audit log."""
    appeal = session.get(HcAppeal, appeal_id)
    if appeal is None:
        raise appeals.UnknownAppeal(f"there is no appeal {appeal_id}", field="appeal")
    person = registry.get(session, appeal.person_id)
    seen_as = relation(session, principal, person)
    if appeal.file_name is None or appeal.file_sha256 is None:
        raise evidence.MissingEvidence(f"appeal {appeal_id} came without a file", field="file")
    content = box.read(appeal.file_sha256)
    hub_audit.record(
        session,
        hub_audit.Reader.of_principal(principal),
        dataset="hc_appeal_evidence",
        columns=["file"],
        personal_columns=["file"],
        purpose="healthcode_appeal_evidence",
        outcome="granted",
        rows=1,
        detail=f"appeal {appeal_id} of person {person.id} as {seen_as}",
    )
    return appeal.file_name, evidence.content_type_of(content), content


def _appeals_of(session: Session, person_id: int) -> list[HcAppeal]:
    return list(session.scalars(select(HcAppeal).where(HcAppeal.person_id == person_id).order_by(HcAppeal.id)))


def _appeal(appeal: HcAppeal, now: datetime | None, person: HcPerson | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": appeal.id,
        "person": appeal.person_id,
        "state": appeal.state,
        "filed_by": appeal.filed_by,
        "filed_at": appeal.filed_at.isoformat(),
        "due_at": appeal.due_at.isoformat(),
        "file_name": appeal.file_name,
        "proposed_colour": appeal.proposed_colour,
        "proposed_by": appeal.proposed_by,
        "reason": appeal.proposal_reason,
        "decided_by": appeal.decided_by,
    }
    if now is not None:
        out["overdue"] = appeal.state in ("open", "proposed") and appeal.due_at < now
        out["evidence"] = appeal.evidence
    if person is not None:
        out |= {"name": person.name, "county": person.county}
    return out


def queue(session: Session, principal: Principal, now: datetime) -> list[dict[str, Any]]:
    """Undecided appeals of the official's counties (all for an admin), most overdue first."""
    if not principal.is_admin and not principal.counties:
        raise NotYourPerson(f"{principal.username!r} is no official of any county", field="county")
    query = select(HcAppeal, HcPerson).join(HcPerson, HcPerson.id == HcAppeal.person_id)
    query = query.where(HcAppeal.state.in_(["open", "proposed"]))
    if not principal.is_admin:
        query = query.where(HcPerson.county.in_(sorted(principal.counties)))
    rows = list(session.execute(query.order_by(HcAppeal.due_at, HcAppeal.id)))
    _audit_read(session, principal, len(rows), "healthcode_appeals", "the appeal queue")
    return [_appeal(a, now, p) for a, p in rows]


def propose(session: Session, principal: Principal, appeal_id: int, colour: str, reason: str) -> dict[str, Any]:
    """An official proposes a colour with a written reason (nothing changes yet)."""
    return _appeal(appeals.propose(session, appeal_id, principal, colour, reason), None)


def approve(session: Session, principal: Principal, appeal_id: int, on: date) -> dict[str, Any]:
    """A second official approves: the colour changes (with its record) and the person is told."""
    return _appeal(appeals.approve(session, appeal_id, principal, on), None)


def reject(session: Session, principal: Principal, appeal_id: int, reason: str) -> dict[str, Any]:
    """An official rejects with a reason; the person is told, the colour stays."""
    return _appeal(appeals.reject(session, appeal_id, principal, reason), None)
