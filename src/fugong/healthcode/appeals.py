"""Appeals (申诉) with four eyes: the person or their proxy appeals, the county's officials decide.

An official of the person's county proposes a colour with a written reason; a *different* official of that
county approves it, and only then does the colour change (through :func:`fugong.healthcode.audit.set_colour`).
Either official may instead reject the appeal. The person is told the outcome by a notification.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from fugong.auth.principal import Principal
from fugong.errors import Conflict, Forbidden, InvalidInput, NotFound
from fugong.healthcode import audit, registry
from fugong.healthcode.models import HcAppeal, HcNotification, HcPerson
from fugong.store.types import utcnow

DEFAULT_SLA = timedelta(hours=24)
OPEN_STATES = ("open", "proposed")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_COLOUR_ZH = {"green": "绿码", "yellow": "黄码", "red": "红码"}


class UnknownAppeal(NotFound):
    """No appeal has this number."""

    code = "unknown_appeal"


class NotYourAppeal(Forbidden):
    """Only the person or a recorded proxy of theirs may appeal for them."""

    code = "not_your_appeal"


class OutsideCounty(Forbidden):
    """The official does not act in the person's county."""

    code = "outside_county"


class SameOfficial(Forbidden):
    """Four eyes: the official who proposed a change cannot also approve it."""

    code = "same_official"


class AppealClosed(Conflict):
    """The appeal is already decided, or not in the state the action needs."""

    code = "appeal_closed"


class InvalidAppeal(InvalidInput):
    """An appeal or decision with missing or malformed fields."""

    code = "invalid_appeal"


def file(
    session: Session,
    person_id: int,
    by: str,
    evidence: str,
    *,
    file_name: str | None = None,
    file_sha256: str | None = None,
    sla: timedelta = DEFAULT_SLA,
    now: datetime | None = None,
) -> HcAppeal:
    """The person (or their proxy, ``by``) appeals with evidence text and optionally an uploaded file's hash."""
    person = registry.get(session, person_id)
    if not registry.may_act_for(session, person, by):
        raise NotYourAppeal(f"{by} is neither person {person_id} nor a recorded proxy of theirs", field="by")
    if not evidence.strip():
        raise InvalidAppeal("the evidence is empty: say why the colour is wrong", field="evidence")
    if (file_name is None) != (file_sha256 is None):
        raise InvalidAppeal("an uploaded file needs both its name and its SHA-256", field="file_sha256")
    if file_sha256 is not None and not _SHA256.fullmatch(file_sha256):
        raise InvalidAppeal(f"{file_sha256!r} is not a SHA-256 in 64 lower-case hex digits", field="file_sha256")
    filed = now or utcnow()
    appeal = HcAppeal(
        person_id=person_id,
        filed_by=by,
        filed_at=filed,
        due_at=filed + sla,
        evidence=evidence.strip(),
        file_name=file_name,
        file_sha256=file_sha256,
        state="open",
    )
    session.add(appeal)
    session.flush()
    return appeal


def _open_appeal(session: Session, appeal_id: int, official: Principal) -> tuple[HcAppeal, HcPerson]:
    appeal = session.get(HcAppeal, appeal_id)
    if appeal is None:
        raise UnknownAppeal(f"no appeal number {appeal_id}", field="appeal_id")
    person = registry.get(session, appeal.person_id)
    if not official.may_act_in(person.county):
        raise OutsideCounty(f"{official.username} is not an official of county {person.county}", field="official")
    if appeal.state not in OPEN_STATES:
        raise AppealClosed(f"appeal {appeal_id} is already {appeal.state}", field="appeal_id")
    return appeal, person


def _reason(reason: str) -> str:
    if not reason.strip():
        raise InvalidAppeal("a written reason is required", field="reason")
    return reason.strip()


def propose(session: Session, appeal_id: int, official: Principal, colour: str, reason: str) -> HcAppeal:
    """An official of the person's county proposes a new colour, with a written reason (first pair of eyes)."""
    appeal, _person = _open_appeal(session, appeal_id, official)
    if appeal.state != "open":
        raise AppealClosed(f"appeal {appeal_id} already has a proposal by {appeal.proposed_by}", field="appeal_id")
    if colour not in audit.COLOURS:
        raise audit.InvalidColour(f"colour {colour!r} is not one of {', '.join(audit.COLOURS)}", field="colour")
    appeal.proposal_reason = _reason(reason)
    appeal.proposed_colour = colour
    appeal.proposed_by = official.username
    appeal.state = "proposed"
    session.flush()
    return appeal


def approve(session: Session, appeal_id: int, official: Principal, on: date) -> HcAppeal:
    """A second, different official of the county approves the proposal: the colour changes and is logged."""
    appeal, person = _open_appeal(session, appeal_id, official)
    if appeal.state != "proposed" or appeal.proposed_colour is None or appeal.proposed_by is None:
        raise AppealClosed(f"appeal {appeal_id} has no proposal to approve", field="appeal_id")
    if appeal.proposed_by == official.username:
        raise SameOfficial(f"{official.username} proposed this change and cannot also approve it", field="official")
    why = audit.Manual(appeal.proposed_by, official.username, appeal.proposal_reason or "", appeal.id)
    audit.set_colour(session, person.id, appeal.proposed_colour, on, why, since=on)
    _decide(session, appeal, official, "granted")
    colour = appeal.proposed_colour
    _notify(
        session,
        person.id,
        f"您的申诉已通过，健康码已改为{_COLOUR_ZH[colour]}。理由：{appeal.proposal_reason}",
        f"Your appeal was granted; your health code is now {colour}. Reason: {appeal.proposal_reason}",
    )
    return appeal


def reject(session: Session, appeal_id: int, official: Principal, reason: str) -> HcAppeal:
    """An official of the county rejects the appeal with a written reason; the colour stays."""
    appeal, person = _open_appeal(session, appeal_id, official)
    written = _reason(reason)
    _decide(session, appeal, official, "rejected")
    _notify(session, person.id, f"您的申诉未获通过。理由：{written}", f"Your appeal was not granted. Reason: {written}")
    return appeal


def _decide(session: Session, appeal: HcAppeal, official: Principal, state: str) -> None:
    appeal.state = state
    appeal.decided_by = official.username
    appeal.decided_at = utcnow()
    session.flush()


def _notify(session: Session, person_id: int, text_zh: str, text_en: str) -> None:
    session.add(
        HcNotification(person_id=person_id, at=utcnow(), kind="appeal_outcome", text_zh=text_zh, text_en=text_en)
    )
    session.flush()


def overdue(session: Session, now: datetime, counties: frozenset[str] | None = None) -> list[HcAppeal]:
    """Undecided appeals past their SLA, oldest first (only those of ``counties`` if given)."""
    query = select(HcAppeal).where(HcAppeal.state.in_(OPEN_STATES), HcAppeal.due_at < now)
    if counties is not None:
        query = query.join(HcPerson, HcPerson.id == HcAppeal.person_id).where(HcPerson.county.in_(counties))
    return list(session.scalars(query.order_by(HcAppeal.due_at)))


def notifications(session: Session, person_id: int) -> list[HcNotification]:
    """The messages to the person, oldest first."""
    query = select(HcNotification).where(HcNotification.person_id == person_id).order_by(HcNotification.id)
    return list(session.scalars(query))
