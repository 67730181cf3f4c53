"""Issuing a health code credential: CWT claims in a COSE_Sign1, compressed, base45-encoded, ``FG1:``."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from fugong.errors import InvalidInput
from fugong.healthcode.credentials.codec import FUGONG_PREFIX, encode_text
from fugong.healthcode.credentials.cwt import (
    CODE_ID_BYTES,
    MAX_SUBJECT_CHARS,
    Colour,
    CredentialClaims,
    encode_claims,
)
from fugong.healthcode.credentials.keys import ROOT, Signer

DEFAULT_LIFETIME = timedelta(hours=24)
# Gates refuse codes that claim to live longer than this (see verify.py), so issuing one would be useless.
MAX_LIFETIME = timedelta(hours=72)


@dataclass(frozen=True, slots=True)
class IssuedCode:
    """A signed code: the text a QR carries, and the claims inside it."""

    text: str
    claims: CredentialClaims
    kid: str


def issue_code(
    signer: Signer,
    subject: str,
    colour: Colour | str,
    status_seq: int,
    now: datetime | None = None,
    lifetime: timedelta = DEFAULT_LIFETIME,
) -> IssuedCode:
    """Sign a code for ``subject`` (a pseudonym, never an ID number) with the issuer's active key."""
    if signer.record.issuer == ROOT:
        raise InvalidInput("the root key signs trust lists, not health codes", field="issuer")
    if not isinstance(subject, str) or not 0 < len(subject) <= MAX_SUBJECT_CHARS:
        raise InvalidInput(f"subject must be a pseudonym of 1-{MAX_SUBJECT_CHARS} characters", field="subject")
    if colour not in Colour.__members__:
        raise InvalidInput(f"colour {colour!r} is not one of {', '.join(Colour)}", field="colour")
    if isinstance(status_seq, bool) or not isinstance(status_seq, int) or status_seq < 0:
        raise InvalidInput("status_seq must be a non-negative integer", field="status_seq")
    if not timedelta(0) < lifetime <= MAX_LIFETIME:
        raise InvalidInput(f"lifetime must be positive and at most {MAX_LIFETIME}", field="lifetime")
    issued_at = int((now or datetime.now(UTC)).timestamp())
    claims = CredentialClaims(
        issuer=signer.record.issuer,
        subject=subject,
        colour=Colour(colour),
        status_seq=status_seq,
        issued_at=issued_at,
        expires_at=issued_at + int(lifetime.total_seconds()),
        code_id=secrets.token_bytes(CODE_ID_BYTES),
    )
    text = encode_text(signer.sign(encode_claims(claims)), FUGONG_PREFIX)
    return IssuedCode(text=text, claims=claims, kid=signer.record.kid)
