"""The platform's own signing authority: issue a person's code, and verify scanned codes on the server.

Keys live in the key folder of :mod:`fugong.healthcode.credentials.keys` (``data_dir/healthcode/keys``). A person's
code is signed by the key of their city (the county code with its last two digits 00, e.g. 330100 for 西湖区
330106); the city's first key is made on first use. The server verifies against a trust list built from the same
folder and rebuilt every :data:`REFRESH` so that a revoked or rotated key takes effect without a restart.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from fugong.errors import NotFound
from fugong.healthcode.credentials.credential import IssuedCode, issue_code
from fugong.healthcode.credentials.keys import KeyStore, default_keys_dir
from fugong.healthcode.credentials.trustlist import build_trust_list
from fugong.healthcode.credentials.verify import OfflineVerifier
from fugong.healthcode.models import HcColourChange, HcPerson, HcStatus
from fugong.settings import Settings

REFRESH = timedelta(seconds=30)
_lock = threading.Lock()


def issuer_of(county: str) -> str:
    """The region that signs the codes of a person living in ``county``: their city (地级市)."""
    return county[:4] + "00"


def status_seq(session: Session, person_id: int) -> int:
    """The person's status sequence: the id of their latest colour-log record that changed the colour.

    Every colour change raises it, so a code carrying a lower number is superseded (作废); a change of the green
    date alone does not, so a code stays good while its colour is still the person's colour.
    """
    changed = or_(HcColourChange.old_colour.is_(None), HcColourChange.old_colour != HcColourChange.new_colour)
    query = select(func.max(HcColourChange.id)).where(HcColourChange.person_id == person_id, changed)
    return int(session.scalar(query) or 0)


class Authority:
    """Issue and verify codes with the keys of one key folder."""

    def __init__(self, folder: Path) -> None:
        self.keys = KeyStore(folder)
        self._verifier: OfflineVerifier | None = None
        self._built = 0.0

    @classmethod
    def of(cls, settings: Settings) -> Authority:
        """The authority of an install (one per key folder and process)."""
        folder = default_keys_dir(settings)
        with _lock:
            found = _authorities.get(folder)
            if found is None:
                found = _authorities[folder] = cls(folder)
            return found

    def issue(self, session: Session, person: HcPerson, now: datetime | None = None) -> IssuedCode:
        """A fresh signed code with the person's current colour and status sequence."""
        status = session.get(HcStatus, person.id)
        if status is None:
            raise NotFound("this person has no colour yet: their facts have not been evaluated", field="person_id")
        region = issuer_of(person.county)
        with _lock:
            if not self.keys.records(region):
                self.keys.create_issuer_key(region)  # a city's first code; a city whose keys were revoked gets none
            signer = self.keys.signer(region)
        return issue_code(signer, person.pseudonym, status.colour, status_seq(session, person.id), now=now)

    def verifier(self) -> OfflineVerifier:
        """A verifier over every key of the folder, rebuilt every :data:`REFRESH`."""
        moment = time.monotonic()
        verifier = self._verifier
        if verifier is None or moment - self._built > REFRESH.total_seconds():
            with _lock:
                verifier = self._verifier = OfflineVerifier(build_trust_list(self.keys, 1))
                self._built = moment
        return verifier

    def forget(self) -> None:
        """Rebuild the verifier at the next scan (after a key was revoked or rotated)."""
        self._verifier = None


_authorities: dict[Path, Authority] = {}
