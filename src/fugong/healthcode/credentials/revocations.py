"""Revoked codes and superseded codes (作废与更替), signed by the root and synced to gates like the trust list.

A colour change raises the subject's status sequence; the list records the newest sequence per subject,
and a gate refuses any code with a lower one, so a screenshot of yesterday's green code stops working
as soon as the gate has synced. Entries are dropped once every code they could refuse has expired.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fugong.errors import InvalidInput
from fugong.healthcode.credentials.keys import ROOT, KeyRecord, KeyStore
from fugong.healthcode.credentials.signed import DocumentCache, SignedDocumentError, open_document, sign_document

REVOCATIONS = "fugong-revocations"


def _epoch(moment: datetime | None) -> int:
    return int((moment or datetime.now(UTC)).timestamp())


@dataclass(frozen=True, slots=True)
class RevocationList:
    """Revoked code ids (with each code's expiry) and, per subject, the newest status sequence and when."""

    version: int = 1
    issued_at: int = 0
    revoked_codes: dict[bytes, int] = field(default_factory=dict)
    superseded: dict[str, tuple[int, int]] = field(default_factory=dict)

    def is_code_revoked(self, code_id: bytes) -> bool:
        """True when this single code has been revoked."""
        return code_id in self.revoked_codes

    def is_superseded(self, subject: str, status_seq: int) -> bool:
        """True when the subject has a newer status than the one the code was made from."""
        newest = self.superseded.get(subject)
        return newest is not None and status_seq < newest[0]

    def revoke_code(self, code_id: bytes, expires_at: int, now: datetime | None = None) -> RevocationList:
        """A new version that also revokes one code (kept until the code's own expiry)."""
        codes = {**self.revoked_codes, code_id: expires_at}
        return replace(self, version=self.version + 1, issued_at=_epoch(now), revoked_codes=codes)

    def supersede(self, subject: str, status_seq: int, now: datetime | None = None) -> RevocationList:
        """A new version in which codes of ``subject`` older than ``status_seq`` are superseded."""
        if status_seq < 0:
            raise InvalidInput("status sequence must not be negative", field="status_seq")
        current = self.superseded.get(subject)
        if current is not None and current[0] >= status_seq:
            return self
        moment = _epoch(now)
        seqs = {**self.superseded, subject: (status_seq, moment)}
        return replace(self, version=self.version + 1, issued_at=moment, superseded=seqs)

    def pruned(self, now: datetime, max_lifetime: timedelta, skew: timedelta) -> RevocationList:
        """Drop entries that can no longer refuse anything: every code they concern has expired."""
        cutoff = int((now - skew).timestamp())
        codes = {cid: exp for cid, exp in self.revoked_codes.items() if exp >= cutoff}
        oldest_live = int((now - max_lifetime - skew).timestamp())
        seqs = {s: v for s, v in self.superseded.items() if v[1] >= oldest_live}
        if len(codes) == len(self.revoked_codes) and len(seqs) == len(self.superseded):
            return self
        return replace(self, version=self.version + 1, issued_at=_epoch(now), revoked_codes=codes, superseded=seqs)

    def body(self) -> dict[str, Any]:
        """The CBOR-ready body that the root signs."""
        return {
            "version": self.version,
            "issued_at": self.issued_at,
            "revoked_codes": [[cid, exp] for cid, exp in sorted(self.revoked_codes.items())],
            "superseded": [[s, seq, at] for s, (seq, at) in sorted(self.superseded.items())],
        }

    @classmethod
    def from_body(cls, body: dict[str, Any]) -> RevocationList:
        """Read a verified body."""
        try:
            return cls(
                version=int(body["version"]),
                issued_at=int(body["issued_at"]),
                revoked_codes={bytes(cid): int(exp) for cid, exp in body["revoked_codes"]},
                superseded={str(s): (int(seq), int(at)) for s, seq, at in body["superseded"]},
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise SignedDocumentError(f"revocation list body is malformed: {exc}") from exc


def publish_revocations(store: KeyStore, revocations: RevocationList) -> bytes:
    """The revocation list signed by the store's root key."""
    return sign_document(REVOCATIONS, revocations.body(), store.signer(ROOT))


def read_revocations(data: bytes, root: KeyRecord) -> RevocationList:
    """Verify a fetched revocation list against the pinned root key and read it."""
    return RevocationList.from_body(open_document(data, root, REVOCATIONS))


class RevocationListCache:
    """A gate's cached revocation list (a file, e.g. ``gate/revocations.cose``)."""

    def __init__(self, path: Path, root: KeyRecord) -> None:
        self._cache = DocumentCache(path, root, REVOCATIONS)

    def update(self, data: bytes) -> RevocationList:
        """Store a fetched list after checking its signature and that it is newer than the cached one."""
        return RevocationList.from_body(self._cache.store(data))

    def load(self) -> RevocationList:
        """The cached list, its signature checked again."""
        return RevocationList.from_body(self._cache.read())
