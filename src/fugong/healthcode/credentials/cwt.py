"""The claims of a health code credential as a CWT (RFC 8392) claims map, encoded by cbor2."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import cbor2

from fugong.healthcode.credentials.reasons import CredentialError, Reason

# Registered CWT claim keys (RFC 8392 §3.1.)
ISS, SUB, EXP, NBF, IAT, CTI = 1, 2, 4, 5, 6, 7
# Private-use claim keys (below -65536, RFC 8392 §9.1): ours, so they cannot clash with a registered claim.
COLOUR = -65537
STATUS_SEQ = -65538

REGION_CODE = re.compile(r"^[1-8][0-9]{5}$")
MAX_SUBJECT_CHARS = 128
CODE_ID_BYTES = 8


class Colour(StrEnum):
    """The health code colour (健康码颜色) a credential carries."""

    green = "green"
    yellow = "yellow"
    red = "red"


@dataclass(frozen=True, slots=True)
class CredentialClaims:
    """What a health code says: who issued it, about whom, which colour, and for how long.

    ``status_seq`` is the subject's status version when the code was made: every colour change raises
    it, so a gate that knows a higher number for the subject refuses this code as superseded.
    """

    issuer: str
    subject: str
    colour: Colour
    status_seq: int
    issued_at: int
    expires_at: int
    code_id: bytes

    @property
    def code_id_hex(self) -> str:
        """The code's id (CWT ``cti``) as hex, the form used in revocation lists."""
        return self.code_id.hex()

    @property
    def issued(self) -> datetime:
        """Issued-at as an aware UTC datetime."""
        return datetime.fromtimestamp(self.issued_at, UTC)

    @property
    def expires(self) -> datetime:
        """Expiry as an aware UTC datetime."""
        return datetime.fromtimestamp(self.expires_at, UTC)

    def as_json(self) -> dict[str, Any]:
        """The claims as JSON-ready values (times in ISO 8601 UTC)."""
        return {
            "issuer": self.issuer,
            "subject": self.subject,
            "colour": self.colour.value,
            "status_seq": self.status_seq,
            "issued_at": self.issued.isoformat(),
            "expires_at": self.expires.isoformat(),
            "code_id": self.code_id_hex,
        }


def check_region_code(code: str) -> str:
    """A six-digit GB/T 2260 region code such as 330100, or a named error."""
    if not isinstance(code, str) or not REGION_CODE.match(code):
        raise CredentialError(Reason.bad_claims, f"issuer {code!r} is not a six-digit region code", field="issuer")
    return code


def encode_claims(claims: CredentialClaims) -> bytes:
    """The CWT claims map as CBOR bytes."""
    return bytes(
        cbor2.dumps(
            {
                ISS: claims.issuer,
                SUB: claims.subject,
                IAT: claims.issued_at,
                EXP: claims.expires_at,
                CTI: claims.code_id,
                COLOUR: claims.colour.value,
                STATUS_SEQ: claims.status_seq,
            }
        )
    )


def _int(claims: dict[Any, Any], key: int, name: str) -> int:
    value = claims.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**63:
        raise CredentialError(Reason.bad_claims, f"claim {name} must be a non-negative integer", field=name)
    return value


def _str(claims: dict[Any, Any], key: int, name: str, max_chars: int) -> str:
    value = claims.get(key)
    if not isinstance(value, str) or not 0 < len(value) <= max_chars:
        raise CredentialError(Reason.bad_claims, f"claim {name} must be text of 1-{max_chars} characters", field=name)
    return value


def decode_claims(payload: bytes) -> CredentialClaims:
    """Read and type-check a claims map; every missing or mistyped claim is a ``bad_claims`` error."""
    try:
        claims = cbor2.loads(payload)
    except Exception as exc:  # hostile payloads reach cbor2's semantic-tag decoders, which raise many types
        raise CredentialError(Reason.bad_claims, f"claims are not CBOR: {exc}") from exc
    if not isinstance(claims, dict):
        raise CredentialError(Reason.bad_claims, "claims must be a CBOR map")
    colour = claims.get(COLOUR)
    if not isinstance(colour, str) or colour not in Colour.__members__:
        raise CredentialError(Reason.bad_claims, f"unknown colour {colour!r}", field="colour")
    code_id = claims.get(CTI)
    if not isinstance(code_id, bytes) or len(code_id) != CODE_ID_BYTES:
        raise CredentialError(Reason.bad_claims, f"claim cti must be {CODE_ID_BYTES} bytes", field="code_id")
    return CredentialClaims(
        issuer=check_region_code(_str(claims, ISS, "issuer", 6)),
        subject=_str(claims, SUB, "subject", MAX_SUBJECT_CHARS),
        colour=Colour(colour),
        status_seq=_int(claims, STATUS_SEQ, "status_seq"),
        issued_at=_int(claims, IAT, "issued_at"),
        expires_at=_int(claims, EXP, "expires_at"),
        code_id=code_id,
    )
