"""Offline verification at a gate (离线验码): from scanned text to a decision with a named reason.

Steps, each refusing with its own reason: trust list current → prefix → size → base45 → zlib (bounded)
→ COSE_Sign1 → key id in the cached trust list → key not retired or revoked → signature → claims →
issuer owns the key → issued-at / expiry within the clock-skew allowance → lifetime within policy →
code not revoked → code not superseded by a newer colour.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fugong.healthcode.credentials.codec import FUGONG_PREFIX, MAX_DECOMPRESSED_BYTES, decode_text
from fugong.healthcode.credentials.cose import EDDSA, ES256, PublicKey, decode_sign1, verify_signature
from fugong.healthcode.credentials.credential import MAX_LIFETIME
from fugong.healthcode.credentials.cwt import Colour, CredentialClaims, decode_claims
from fugong.healthcode.credentials.keys import KeyStatus
from fugong.healthcode.credentials.reasons import CredentialError, Reason
from fugong.healthcode.credentials.revocations import RevocationList
from fugong.healthcode.credentials.trustlist import TrustList

DEFAULT_SKEW = timedelta(minutes=5)
OUR_ALGORITHMS = (ES256, EDDSA)
_REFUSED_STATUS = {KeyStatus.revoked: Reason.key_revoked, KeyStatus.retired: Reason.key_retired}


@dataclass(frozen=True, slots=True)
class Decision:
    """The verdict on one scanned code: valid or not, why, and what it claims (when it could be read)."""

    valid: bool
    reason: Reason
    claims: CredentialClaims | None = None
    kid: str | None = None
    detail: str | None = None

    @property
    def colour(self) -> Colour | None:
        """The colour of a valid code; None when the code was refused."""
        return self.claims.colour if self.valid and self.claims else None

    def as_json(self) -> dict[str, Any]:
        """The decision as JSON-ready values (reason code and both texts)."""
        return {
            "valid": self.valid,
            "reason": self.reason.code,
            "message_zh": self.reason.zh,
            "message_en": self.reason.en,
            "detail": self.detail,
            "kid": self.kid,
            "claims": self.claims.as_json() if self.claims else None,
        }


def _refuse(reason: Reason, detail: str | None = None, **kw: Any) -> Decision:
    return Decision(valid=False, reason=reason, detail=detail, **kw)


class OfflineVerifier:
    """Verifies codes against a cached trust list and revocation list, with no network."""

    def __init__(
        self,
        trust_list: TrustList,
        revocations: RevocationList | None = None,
        *,
        skew: timedelta = DEFAULT_SKEW,
        max_lifetime: timedelta = MAX_LIFETIME,
        limit: int = MAX_DECOMPRESSED_BYTES,
    ) -> None:
        self.trust_list = trust_list
        self.revocations = revocations or RevocationList()
        self._skew = int(skew.total_seconds())
        self._max_lifetime = int(max_lifetime.total_seconds())
        self._limit = limit
        self._expires_at = trust_list.expires_at.timestamp()
        # Resolved once so each scan is a dict look-up: kid → (issuer, status, public key).
        self._keys: dict[bytes, tuple[str, KeyStatus, PublicKey]] = {
            kid: (r.issuer, r.status, r.public_key) for kid, r in trust_list.keys.items()
        }

    def verify(self, text: str, now: datetime | float | None = None) -> Decision:
        """Check one scanned code; never raises for bad input, every refusal is a named reason."""
        moment = time.time() if now is None else now.timestamp() if isinstance(now, datetime) else float(now)
        if moment >= self._expires_at:
            return _refuse(Reason.trust_list_expired, f"trust list version {self.trust_list.version} has expired")
        kid_hex: str | None = None
        try:
            message = decode_sign1(decode_text(text, FUGONG_PREFIX, self._limit))
            if message.kid is None:
                return _refuse(Reason.bad_structure, "no key id in the protected header")
            if message.alg not in OUR_ALGORITHMS:
                return _refuse(Reason.unsupported_algorithm, f"algorithm {message.alg}; codes use ES256 or EdDSA")
            kid_hex = message.kid.hex()
            key = self._keys.get(message.kid)
            if key is None:
                return _refuse(Reason.unknown_key, f"key {kid_hex} is not in trust list v{self.trust_list.version}")
            issuer, status, public_key = key
            if status in _REFUSED_STATUS:
                return _refuse(_REFUSED_STATUS[status], f"key {kid_hex} of {issuer}", kid=kid_hex)
            verify_signature(message, public_key)
            return self._check_claims(decode_claims(message.payload), issuer, kid_hex, moment)
        except CredentialError as exc:
            return _refuse(exc.reason, exc.explanation, kid=kid_hex)

    def _check_claims(self, claims: CredentialClaims, issuer: str, kid: str, moment: float) -> Decision:
        if claims.issuer != issuer:
            return _refuse(Reason.issuer_mismatch, f"claims {claims.issuer}, key belongs to {issuer}", kid=kid)
        if claims.expires_at <= claims.issued_at:
            return _refuse(Reason.bad_claims, "expiry is not after issued-at", claims=claims, kid=kid)
        if claims.issued_at > moment + self._skew:
            return _refuse(Reason.not_yet_valid, f"issued at {claims.issued.isoformat()}", claims=claims, kid=kid)
        if claims.expires_at < moment - self._skew:
            return _refuse(Reason.expired, f"expired at {claims.expires.isoformat()}", claims=claims, kid=kid)
        if claims.expires_at - claims.issued_at > self._max_lifetime:
            return _refuse(Reason.lifetime_too_long, f"over {self._max_lifetime} s", claims=claims, kid=kid)
        if self.revocations.is_code_revoked(claims.code_id):
            return _refuse(Reason.code_revoked, f"code {claims.code_id_hex}", claims=claims, kid=kid)
        if self.revocations.is_superseded(claims.subject, claims.status_seq):
            newest = self.revocations.superseded[claims.subject][0]
            return _refuse(Reason.superseded, f"status {claims.status_seq} < {newest}", claims=claims, kid=kid)
        return Decision(valid=True, reason=Reason.ok, claims=claims, kid=kid)
