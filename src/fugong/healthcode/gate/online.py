"""Online verification (在线验码, in the manner of GB/T 38963): code content in, live colour and refresh time out.

The code's signature, expiry and key are checked as at a gate; then the subject's *current* colour is read
from the store. The answer always shows the live colour, also when the QR was made before the colour changed;
such a code is reported ``superseded`` and is not valid for entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, func, or_, select
from sqlalchemy.orm import Session

from fugong.healthcode.credentials.cwt import CredentialClaims
from fugong.healthcode.credentials.reasons import Reason
from fugong.healthcode.gate.authority import Authority
from fugong.healthcode.gate.reasons import NO_COLOUR, UNKNOWN_PERSON, VALID, Said, of_credential
from fugong.healthcode.models import HcColourChange, HcPerson, HcStatus


@dataclass(frozen=True)
class OnlineAnswer:
    """The online check of one code: valid for entry or not, why, the colour in the code and the live one."""

    valid: bool
    said: Said
    claims: CredentialClaims | None = None
    live_colour: str | None = None
    refreshed_at: datetime | None = None
    current_seq: int | None = None

    @property
    def superseded(self) -> bool:
        """True when the subject's colour changed after this code was made."""
        return self.said.code == Reason.superseded.code

    def as_json(self, locale: str = "zh_CN") -> dict[str, Any]:
        """JSON-ready: validity, reason, the sentence in both languages, code colour, live colour and time."""
        claims = self.claims
        return {
            "valid": self.valid,
            "reason": self.said.code,
            "message": self.said.text(locale),
            "message_zh": self.said.zh,
            "message_en": self.said.en,
            "superseded": self.superseded,
            "code_colour": claims.colour.value if claims else None,
            "live_colour": self.live_colour,
            "refreshed_at": self.refreshed_at.isoformat(timespec="seconds") if self.refreshed_at else None,
            "issuer": claims.issuer if claims else None,
            "issued_at": claims.issued.isoformat() if claims else None,
            "expires_at": claims.expires.isoformat() if claims else None,
            "status_seq": claims.status_seq if claims else None,
            "current_seq": self.current_seq,
        }


@cache
def _live_status_query() -> Select[int, str | None, datetime | None, int | None]:
    # Built once: composing the statement costs more than running it, and a gate asks it for every scan.
    changed = or_(HcColourChange.old_colour.is_(None), HcColourChange.old_colour != HcColourChange.new_colour)
    newest = select(func.max(HcColourChange.id)).where(HcColourChange.person_id == HcPerson.id, changed)
    return (
        select(HcPerson.id, HcStatus.colour, HcStatus.changed_at, newest.scalar_subquery())
        .outerjoin(HcStatus, HcStatus.person_id == HcPerson.id)
        .where(HcPerson.pseudonym == bindparam("pseudonym"))
    )


def live_status(session: Session, pseudonym: str) -> tuple[int, str | None, datetime | None, int] | None:
    """(person id, live colour, when it was set, status sequence) of a code's subject, in one query; None if unknown.

    Only key columns are read: no personal field is decrypted to answer a scan.
    """
    # Run on the session's connection: the ORM layer would add about 40 % to this statement's cost.
    row = session.connection().execute(_live_status_query(), {"pseudonym": pseudonym}).first()
    if row is None:
        return None
    person_id, colour, changed_at, current = row
    return person_id, colour, changed_at, current or 0


def verify_online(session: Session, authority: Authority, text: str, now: datetime | None = None) -> OnlineAnswer:
    """Check a scanned code and look up the subject's live colour; never raises for a bad code."""
    decision = authority.verifier().verify(text, now)
    if not decision.valid or decision.claims is None:
        return OnlineAnswer(valid=False, said=of_credential(decision.reason), claims=decision.claims)
    claims = decision.claims
    found = live_status(session, claims.subject)
    if found is None:
        return OnlineAnswer(valid=False, said=UNKNOWN_PERSON, claims=claims)
    _, colour, refreshed_at, seq = found
    if colour is None:
        return OnlineAnswer(valid=False, said=NO_COLOUR, claims=claims)
    superseded = claims.status_seq < seq
    return OnlineAnswer(
        valid=not superseded,
        said=of_credential(Reason.superseded) if superseded else VALID,
        claims=claims,
        live_colour=colour,
        refreshed_at=refreshed_at,
        current_seq=seq,
    )
