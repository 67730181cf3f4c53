"""A scan at a checkpoint: verify, decide admit or refuse, and record it exactly once.

Admit only a valid, current (not superseded) green code with a temperature below 37.3 °C. The gate's browser
gives every scan an id before sending it; a scan id already recorded returns the recorded decision, so a retry
or an offline gate syncing its queue later never records a scan twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any, cast

from sqlalchemy import Table, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import ReturningInsert

from fugong.auth.principal import Principal
from fugong.errors import InvalidInput
from fugong.healthcode import registry
from fugong.healthcode.credentials.reasons import Reason
from fugong.healthcode.gate.authority import Authority
from fugong.healthcode.gate.models import GateScan
from fugong.healthcode.gate.online import verify_online
from fugong.healthcode.gate.places import UnknownPlace, get_place
from fugong.healthcode.gate.reasons import (
    ADMITTED,
    FEVER_TENTHS,
    NO_COLOUR,
    RED,
    UNKNOWN_PERSON,
    YELLOW,
    Said,
    fever,
    not_green,
    of_credential,
)
from fugong.healthcode.models import HcStatus
from fugong.hub import audit
from fugong.hub.audit import Reader
from fugong.hub.pseudonyms import Pseudonymiser
from fugong.store.types import utcnow

SCAN_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
LOWEST_TENTHS, HIGHEST_TENTHS = 300, 450  # 30.0-45.0 °C, as the checkpoint_scans feed allows
CLOCK_AHEAD = timedelta(minutes=5)
MAX_SYNC_AGE = timedelta(days=14)
ID_LOOKUP_PURPOSE = "checkpoint_id_lookup"


@dataclass(frozen=True)
class ScanRequest:
    """What a gate sends: its scan id, place, temperature, and the code text or a typed ID number."""

    scan_id: str
    place_id: str
    temperature: str | float
    code: str | None = None
    id_number: str | None = None
    scanned_at: datetime | None = None  # set by a gate that scanned while offline


@dataclass(frozen=True)
class ScanOutcome:
    """The recorded decision for one scan; ``replayed`` when the scan id had been recorded before."""

    scan: GateScan
    said: Said
    replayed: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def admitted(self) -> bool:
        """True if the person may go in."""
        return self.scan.result == "admit"

    def as_json(self, locale: str = "zh_CN") -> dict[str, Any]:
        """JSON-ready: the decision, the sentence for the guard in both languages, what was recorded."""
        scan = self.scan
        return {
            "scan_id": scan.scan_id,
            "place_id": scan.place_id,
            "admit": self.admitted,
            "result": scan.result,
            "reason": scan.reason,
            "message": self.said.text(locale),
            "message_zh": self.said.zh,
            "message_en": self.said.en,
            "colour": scan.colour,
            "temperature": scan.temperature_tenths / 10,
            "method": scan.method,
            "scanned_at": scan.scanned_at.isoformat(timespec="seconds"),
            "recorded_at": scan.recorded_at.isoformat(timespec="seconds"),
            "offline": scan.offline,
            "replayed": self.replayed,
            **self.extra,
        }


def temperature_tenths(value: str | float) -> int:
    """A body temperature in °C as tenths of a degree (36.5 → 365), or a named error."""
    try:
        if isinstance(value, bool):
            raise InvalidOperation
        tenths = Decimal(str(value).strip()) * 10
    except InvalidOperation:
        raise InvalidInput(f"temperature {value!r} is not a number of degrees Celsius", field="temperature") from None
    if tenths != tenths.to_integral_value() or not LOWEST_TENTHS <= tenths <= HIGHEST_TENTHS:
        raise InvalidInput(
            f"temperature {value} is not a body temperature in °C with at most one decimal (30.0-45.0)",
            field="temperature",
        )
    return int(tenths)


def _check(request: ScanRequest, now: datetime) -> tuple[int, datetime]:
    if not isinstance(request.scan_id, str) or not SCAN_ID.match(request.scan_id):
        raise InvalidInput("scan_id must be 8-64 letters, digits, '-' or '_' (made by the gate)", field="scan_id")
    if (request.code is None) == (request.id_number is None):
        raise InvalidInput("send either the scanned code or the ID number, not both and not neither", field="code")
    if request.code is not None and not request.code.strip():
        raise InvalidInput("the scanned code is empty", field="code")
    tenths = temperature_tenths(request.temperature)
    at = request.scanned_at or now
    if at.tzinfo is None:
        raise InvalidInput("scanned_at needs a time zone (e.g. 2020-02-20T08:00:00+08:00)", field="scanned_at")
    if at > now + CLOCK_AHEAD:
        raise InvalidInput(f"scanned_at {at.isoformat()} is in the future: check the gate's clock", field="scanned_at")
    if at < now - MAX_SYNC_AGE:
        raise InvalidInput(f"scanned_at {at.isoformat()} is more than 14 days ago", field="scanned_at")
    return tenths, at


def _recorded(session: Session, scan_id: str) -> GateScan | None:
    return session.scalar(select(GateScan).where(GateScan.scan_id == scan_id))


def _replay(scan: GateScan) -> ScanOutcome:
    said = _said_of(scan)
    return ScanOutcome(scan, said, replayed=True)


def _said_of(scan: GateScan) -> Said:
    """The sentence of a recorded decision (the record keeps its reason code)."""
    fixed = {s.code: s for s in (ADMITTED, YELLOW, RED, UNKNOWN_PERSON, NO_COLOUR)}
    if scan.reason == "fever":
        return fever(scan.temperature_tenths)
    if scan.reason in fixed:
        return fixed[scan.reason]
    for reason in Reason:
        if reason.code == scan.reason:
            return of_credential(reason)
    return Said(scan.reason, scan.reason, scan.reason)


def _by_id_number(
    session: Session, pseudonymiser: Pseudonymiser, staff: Principal, request: ScanRequest
) -> tuple[str | None, str | None, Said | None]:
    """(subject, live colour, refusal) for an ID number typed by the guard; the look-up is audited."""
    assert request.id_number is not None
    try:
        person = registry.find(session, pseudonymiser, request.id_number)
    except registry.UnknownPerson:
        person = None
    audit.record(
        session,
        Reader.of_principal(staff),
        dataset="hc_persons",
        columns=("id_number", "colour"),
        personal_columns=("id_number",),
        purpose=ID_LOOKUP_PURPOSE,
        outcome="granted",
        rows=0 if person is None else 1,
        detail=f"ID-number look-up at place {request.place_id}, scan {request.scan_id}",
    )
    if person is None:
        return None, None, UNKNOWN_PERSON
    status = session.get(HcStatus, person.id)
    if status is None:
        return person.pseudonym, None, NO_COLOUR
    return person.pseudonym, status.colour, None


def _rule(colour: str | None, tenths: int) -> Said:
    """The gate's rule for a valid, current code: green, and below 37.3 °C."""
    if colour != "green":
        return not_green(colour or "")
    return fever(tenths) if tenths >= FEVER_TENTHS else ADMITTED


def record_scan(
    session: Session,
    authority: Authority,
    pseudonymiser: Pseudonymiser,
    staff: Principal,
    request: ScanRequest,
    now: datetime | None = None,
) -> ScanOutcome:
    """Decide one scan and record it once; a scan id seen before returns its recorded decision."""
    moment = now or utcnow()
    tenths, at = _check(request, moment)
    extra: dict[str, Any] = {}
    if request.code is not None:
        answer = verify_online(session, authority, request.code.strip(), at)
        subject = answer.claims.subject if answer.claims else None
        colour, refusal = answer.live_colour, None if answer.valid else answer.said
        extra = {"code_colour": answer.claims.colour.value if answer.claims else None}
        method = "code"
    else:
        # A retry must not look the person up (and audit it) again.
        if (found := _recorded(session, request.scan_id)) is not None:
            return _replay(found)
        get_place(session, request.place_id)
        subject, colour, refusal = _by_id_number(session, pseudonymiser, staff, request)
        method = "id_number"
    said = refusal or _rule(colour, tenths)
    values: dict[str, Any] = {
        "scan_id": request.scan_id,
        "place_id": request.place_id,
        "scanned_at": at,
        "recorded_at": moment,
        "staff": staff.username,
        "method": method,
        "subject": subject,
        "temperature_tenths": tenths,
        "colour": colour,
        "result": "admit" if said is ADMITTED else "refuse",
        "reason": said.code,
        "offline": request.scanned_at is not None,
    }
    if not _insert_once(session, values):
        # This scan id was recorded before (a retry, a re-sent offline queue, or both at once): the first stands.
        found = _recorded(session, request.scan_id)
        if found is None:  # pragma: no cover - the conflicting row vanished: nothing deletes scans
            raise InvalidInput(f"scan {request.scan_id} could not be recorded", field="scan_id")
        return _replay(found)
    return ScanOutcome(GateScan(**values), said, extra=extra)


@cache
def _insert_statement(dialect: str) -> ReturningInsert[int]:
    # Built once per dialect (composing it costs more than running it); the values come with each execution.
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = cast(Table, GateScan.__table__)
    return insert(table).on_conflict_do_nothing(index_elements=["scan_id"]).returning(table.c.id)


def _insert_once(session: Session, values: dict[str, Any]) -> bool:
    """Insert a scan unless its scan id is already recorded (one statement); False if it was.

    A place id that does not exist breaks the foreign key: that is the unknown place.
    """
    statement = _insert_statement(session.get_bind().dialect.name)
    try:
        result = session.connection().execute(statement, values)
    except IntegrityError:
        raise UnknownPlace(
            f"no checkpoint place {values['place_id']!r}: import the places or ask an admin", field="place_id"
        ) from None
    return result.scalar() is not None


def scan_counts(session: Session, place_id: str | None = None) -> dict[str, int]:
    """Recorded scans by result (of one place), for the gate page and the load bench."""
    query = select(GateScan.result, func.count()).group_by(GateScan.result)
    if place_id:
        query = query.where(GateScan.place_id == place_id)
    counts = {"admit": 0, "refuse": 0}
    counts.update({str(result): int(n) for result, n in session.execute(query)})
    return counts
