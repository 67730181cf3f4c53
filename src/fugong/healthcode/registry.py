"""The person registry (人员登记): by the person, by a proxy (relative or community worker), or in bulk.

Name, ID number and phone are stored encrypted (``EncryptedString``); the person is found by the hub's keyed
pseudonym of the ID number (:class:`fugong.hub.pseudonyms.Pseudonymiser`), the only key the lake knows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from fugong.errors import Conflict, FugongError, InvalidInput, NotFound
from fugong.geo import load_gazetteer
from fugong.healthcode.models import HcPerson, HcProxy
from fugong.hub.pseudonyms import Pseudonymiser, canonical_phone
from fugong.store.types import utcnow

Relation = Literal["relative", "community_worker"]
RELATIONS: tuple[str, ...] = ("relative", "community_worker")


class UnknownPerson(NotFound):
    """No registered person has this ID number or record."""

    code = "unknown_person"


class AlreadyRegistered(Conflict):
    """A person with this ID number is already registered."""

    code = "already_registered"


class InvalidRegistration(InvalidInput):
    """A registration with a missing or impossible field."""

    code = "invalid_registration"


@dataclass(frozen=True)
class Registration:
    """What a registration carries: the person's name, ID number, phone (optional) and county of residence."""

    name: str
    id_number: str
    county: str
    phone: str | None = None


def _checked(pseudonymiser: Pseudonymiser, reg: Registration) -> tuple[str, str, str | None]:
    """The pseudonym, the compact ID number and the compact phone, or a named error."""
    if not reg.name.strip():
        raise InvalidRegistration("the name is empty", field="name")
    pseudonym = pseudonymiser.person(reg.id_number)  # checks the ID number (stdnum.cn.ric) first
    number = "".join(reg.id_number.split()).upper()
    phone = canonical_phone(reg.phone) if reg.phone else None
    try:
        division = load_gazetteer().get(reg.county)
    except FugongError:
        raise InvalidRegistration(f"{reg.county!r} is not a county of the gazetteer", field="county") from None
    if division.level != "county":
        raise InvalidRegistration(f"{reg.county} ({division.name}) is a {division.level}, not a county", field="county")
    return pseudonym, number, phone


def _insert(
    session: Session, pseudonymiser: Pseudonymiser, reg: Registration, kind: str, by: str, account: str | None
) -> HcPerson:
    pseudonym, number, phone = _checked(pseudonymiser, reg)
    if session.scalar(select(HcPerson.id).where(HcPerson.pseudonym == pseudonym)) is not None:
        raise AlreadyRegistered("a person with this ID number is already registered", field="id_number")
    person = HcPerson(
        pseudonym=pseudonym,
        name=reg.name.strip(),
        id_number=number,
        phone=phone,
        county=reg.county,
        account=account,
        registration=kind,
        registered_by=by,
        registered_at=utcnow(),
    )
    session.add(person)
    session.flush()
    return person


def register_self(session: Session, pseudonymiser: Pseudonymiser, reg: Registration, account: str) -> HcPerson:
    """The person registers themself, signed in as ``account``."""
    return _insert(session, pseudonymiser, reg, "self", account, account)


def _check_relation(relation: str) -> None:
    if relation not in RELATIONS:
        raise InvalidRegistration(f"relation {relation!r} is not one of {', '.join(RELATIONS)}", field="relation")


def register_by_proxy(
    session: Session, pseudonymiser: Pseudonymiser, reg: Registration, proxy: str, relation: str
) -> HcPerson:
    """A relative or community worker (``proxy``) registers a person without a smartphone, and acts for them."""
    _check_relation(relation)
    person = _insert(session, pseudonymiser, reg, "proxy", proxy, None)
    session.add(HcProxy(person_id=person.id, account=proxy, relation=relation, recorded_by=proxy, recorded_at=utcnow()))
    session.flush()
    return person


def register_bulk(session: Session, pseudonymiser: Pseudonymiser, regs: Iterable[Registration], by: str) -> int:
    """Register many persons at once (e.g. from the hub); all or nothing, and an error names its row (from 1)."""
    seen: set[str] = set()
    count = 0
    for row, reg in enumerate(regs, start=1):
        try:
            key = pseudonymiser.person(reg.id_number)
            if key in seen:
                raise AlreadyRegistered("this ID number appears twice in the batch", field="id_number")
            seen.add(key)
            _insert(session, pseudonymiser, reg, "bulk", by, None)
        except FugongError as exc:
            # The same error (its code and field), told which row it is about.
            exc.detail = f"row {row}: {exc.detail}"
            exc.args = (exc.detail,)
            raise
        count += 1
    return count


def find(session: Session, pseudonymiser: Pseudonymiser, id_number: str) -> HcPerson:
    """The registered person with this ID number."""
    person = session.scalar(select(HcPerson).where(HcPerson.pseudonym == pseudonymiser.person(id_number)))
    if person is None:
        raise UnknownPerson("no person with this ID number is registered", field="id_number")
    return person


def get(session: Session, person_id: int) -> HcPerson:
    """The registered person with this record number."""
    person = session.get(HcPerson, person_id)
    if person is None:
        raise UnknownPerson(f"no person is registered as number {person_id}", field="person_id")
    return person


def add_proxy(session: Session, person_id: int, proxy: str, relation: str, recorded_by: str) -> HcProxy:
    """Record that ``proxy`` acts for an already registered person."""
    _check_relation(relation)
    get(session, person_id)
    exists = select(HcProxy.id).where(HcProxy.person_id == person_id, HcProxy.account == proxy)
    if session.scalar(exists) is not None:
        raise Conflict(f"{proxy} already acts for person {person_id}", field="proxy")
    row = HcProxy(person_id=person_id, account=proxy, relation=relation, recorded_by=recorded_by, recorded_at=utcnow())
    session.add(row)
    session.flush()
    return row


def may_act_for(session: Session, person: HcPerson, account: str) -> bool:
    """True if ``account`` is the person themself or a recorded proxy of theirs."""
    if person.account is not None and person.account == account:
        return True
    query = select(HcProxy.id).where(HcProxy.person_id == person.id, HcProxy.account == account)
    return session.scalar(query) is not None


def proxies(session: Session, person_id: int) -> Mapping[str, str]:
    """Who acts for the person, and as what."""
    rows = session.execute(select(HcProxy.account, HcProxy.relation).where(HcProxy.person_id == person_id))
    return {str(account): str(relation) for account, relation in rows}
