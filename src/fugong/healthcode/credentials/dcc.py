"""Reading an EU Digital COVID Certificate (``HC1:``) with the same layers as our own codes.

The hcert layout (eHealth Network, "Electronic Health Certificate Container Format" 1.3): CWT claims
1 (iss, a country), 4 (exp), 6 (iat) and -260 (hcert) → {1: the DGC JSON object as CBOR}, in a
COSE_Sign1 (tag 18, optionally inside the CWT tag 61, or untagged) signed ES256 or PS256 by a document
signer certificate whose key id is the first 8 bytes of the SHA-256 of the certificate's DER.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import cbor2
from asn1crypto import x509 as asn1_x509
from cryptography import x509

from fugong.healthcode.credentials.codec import DCC_PREFIX, MAX_DECOMPRESSED_BYTES, decode_text
from fugong.healthcode.credentials.cose import PublicKey, Sign1, decode_sign1, verify_signature
from fugong.healthcode.credentials.reasons import CredentialError, Reason

HCERT = -260
DGC_V1 = 1
ISS, EXP, IAT = 1, 4, 6
KID_BYTES = 8

# Extended key usage OIDs a document signer may carry to limit what it signs; both spellings occur.
KEY_USAGE_OIDS = {
    "1.3.6.1.4.1.1847.2021.1.1": "t",
    "1.3.6.1.4.1.1847.2021.1.2": "v",
    "1.3.6.1.4.1.1847.2021.1.3": "r",
    "1.3.6.1.4.1.0.1847.2021.1.1": "t",
    "1.3.6.1.4.1.0.1847.2021.1.2": "v",
    "1.3.6.1.4.1.0.1847.2021.1.3": "r",
}
KINDS = ("v", "t", "r")
EXTENDED_KEY_USAGE = "2.5.29.37"


@dataclass(frozen=True, slots=True)
class DccCertificate:
    """A decoded EU DCC: the COSE message, its CWT claims and the DGC object inside."""

    message: Sign1
    issuer: str | None
    issued_at: float | None
    expires_at: float | None
    dgc: dict[Any, Any]
    claims: dict[Any, Any]

    @property
    def kinds(self) -> set[str]:
        """Which statements it holds: v (vaccination), t (test), r (recovery)."""
        return {kind for kind in KINDS if self.dgc.get(kind)}


def _time(claims: dict[Any, Any], key: int, name: str) -> float | None:
    value = claims.get(key)
    # Some issuers wrote iat/exp as CBOR floats; the spec asks for integers but a reader must cope.
    if value is None or (isinstance(value, int | float) and not isinstance(value, bool)):
        return value
    raise CredentialError(Reason.bad_claims, f"CWT claim {name} is not a number")


def parse_dcc(cose: bytes) -> DccCertificate:
    """Decode a DCC COSE_Sign1 and its claims; a broken structure is ``bad_structure`` or ``bad_claims``."""
    message = decode_sign1(cose, require_tag=False, allow_cwt_tag=True)
    try:
        claims = cbor2.loads(message.payload)
    except Exception as exc:  # hostile payloads reach cbor2's semantic-tag decoders, which raise many types
        raise CredentialError(Reason.bad_claims, f"CWT payload is not CBOR: {exc}") from exc
    if not isinstance(claims, dict):
        raise CredentialError(Reason.bad_claims, "CWT payload is not a map")
    hcert = claims.get(HCERT)
    if not isinstance(hcert, dict) or not isinstance(hcert.get(DGC_V1), dict):
        raise CredentialError(Reason.bad_claims, "no hcert (-260) claim holding a DGC (1) map")
    issuer = claims.get(ISS)
    return DccCertificate(
        message=message,
        issuer=issuer if isinstance(issuer, str) else None,
        issued_at=_time(claims, IAT, "iat"),
        expires_at=_time(claims, EXP, "exp"),
        dgc=hcert[DGC_V1],
        claims=claims,
    )


def read_hc1(text: str, limit: int = MAX_DECOMPRESSED_BYTES) -> DccCertificate:
    """Decode a scanned ``HC1:`` text: prefix, base45, zlib (bounded), COSE, CWT, DGC."""
    return parse_dcc(decode_text(text, DCC_PREFIX, limit))


def certificate_kid(certificate_der: bytes) -> bytes:
    """The DCC key id of a document signer certificate: SHA-256 of its DER, first 8 bytes."""
    return hashlib.sha256(certificate_der).digest()[:KID_BYTES]


def certificate_public_key(certificate_der: bytes) -> PublicKey:
    """The certificate's public key (EC P-256 or RSA); other kinds are unsupported."""
    try:
        key = x509.load_der_x509_certificate(certificate_der).public_key()
    except ValueError as exc:
        raise CredentialError(Reason.unknown_key, f"not an X.509 certificate: {exc}") from exc
    if not isinstance(key, PublicKey):
        raise CredentialError(Reason.unsupported_algorithm, f"certificate key {type(key).__name__}")
    return key


def verify_dcc(message: Sign1, certificate_der: bytes) -> None:
    """Check that the certificate signed the DCC: key id (protected, else unprotected) and signature."""
    kid = message.any_kid
    if kid != certificate_kid(certificate_der):
        raise CredentialError(Reason.unknown_key, "the key id does not name this signing certificate")
    verify_signature(message, certificate_public_key(certificate_der), allow_unprotected_alg=True)


def is_valid_at(dcc: DccCertificate, moment: datetime) -> bool:
    """True when ``moment`` lies between issued-at and expiry (both required)."""
    if dcc.issued_at is None or dcc.expires_at is None:
        return False
    return dcc.issued_at <= moment.timestamp() <= dcc.expires_at


def allowed_kinds(certificate_der: bytes) -> set[str]:
    """What a signer may sign per its extended key usage (RFC 5280 §4.2.1.12).

    No extension, or an empty one, restricts nothing; DCC OIDs name the statements allowed; an
    extension listing only other purposes (e.g. an ICAO document signer) allows no DCC at all. Read
    with asn1crypto because several national test certificates break strict DER (an encoded default
    ``cA FALSE``, an empty sequence), which cryptography refuses to parse.
    """
    try:
        extensions = asn1_x509.Certificate.load(certificate_der)["tbs_certificate"]["extensions"]
        usages = [e["extn_value"].parsed.native for e in extensions if e["extn_id"].dotted == EXTENDED_KEY_USAGE]
    except (ValueError, TypeError, KeyError) as exc:
        raise CredentialError(Reason.unknown_key, f"certificate extensions unreadable: {exc}") from exc
    oids = {oid for usage in usages for oid in usage or []}
    if not oids:
        return set(KINDS)
    return {KEY_USAGE_OIDS[oid] for oid in oids if oid in KEY_USAGE_OIDS}


def key_usage_matches(dcc: DccCertificate, certificate_der: bytes) -> bool:
    """True when the DCC holds a statement and every statement it holds is one the signer may sign."""
    kinds = dcc.kinds
    return bool(kinds) and kinds <= allowed_kinds(certificate_der)
