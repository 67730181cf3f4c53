"""COSE_Sign1 (RFC 9052): built with pycose, read with cbor2, signatures made and checked by cryptography.

pycose 1.1 computes ECDSA in pure Python (the ``ecdsa`` package, ~2 ms a verification), far too slow for
a gate that checks thousands of codes a second; so pycose shapes the message and its headers, and the
signature over the RFC 9052 ``Sig_structure`` (encoded by cbor2) is made and checked by cryptography
(OpenSSL). The tests check that pycose's own decoder and verifier accept what we sign.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cbor2
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from pycose.algorithms import EdDSA, Es256
from pycose.headers import KID, Algorithm
from pycose.messages.sign1message import Sign1Message

from fugong.healthcode.credentials.reasons import CredentialError, Reason

ES256 = -7
EDDSA = -8
ES384 = -35
ES512 = -36
PS256 = -37
ALGORITHM_NAMES = {ES256: "ES256", EDDSA: "EdDSA", ES384: "ES384", ES512: "ES512", PS256: "PS256"}
SIGNING_ALGORITHMS = {ES256: Es256, EDDSA: EdDSA}

ALG_LABEL = 1
KID_LABEL = 4
COSE_SIGN1_TAG = 18
CWT_TAG = 61

PrivateKey = ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey
PublicKey = ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey | rsa.RSAPublicKey

_ECDSA_SHA256 = ec.ECDSA(hashes.SHA256())
_ECDSA = {ES256: _ECDSA_SHA256, ES384: ec.ECDSA(hashes.SHA384()), ES512: ec.ECDSA(hashes.SHA512())}
_PSS_SHA256 = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
_P256_BYTES = 32


@dataclass(frozen=True, slots=True)
class Sign1:
    """A decoded COSE_Sign1: the protected header exactly as signed, the headers, payload and signature."""

    protected: bytes
    alg: int | None
    kid: bytes | None
    unprotected_alg: int | None
    unprotected_kid: bytes | None
    payload: bytes
    signature: bytes
    tags: tuple[int, ...]

    @property
    def any_kid(self) -> bytes | None:
        """The key id from the protected header, else from the unprotected one (the EU DCC rule)."""
        return self.kid if self.kid is not None else self.unprotected_kid

    @property
    def any_alg(self) -> int | None:
        """The algorithm from the protected header, else from the unprotected one (tolerated for EU DCCs)."""
        return self.alg if self.alg is not None else self.unprotected_alg


def algorithm_for(key: PrivateKey | PublicKey) -> int:
    """The COSE algorithm a key signs with: ES256 for P-256, EdDSA for Ed25519, PS256 for RSA."""
    if isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey):
        if not isinstance(key.curve, ec.SECP256R1):
            raise CredentialError(Reason.unsupported_algorithm, f"EC curve {key.curve.name}; only P-256 (ES256)")
        return ES256
    if isinstance(key, ed25519.Ed25519PrivateKey | ed25519.Ed25519PublicKey):
        return EDDSA
    if isinstance(key, rsa.RSAPublicKey):
        return PS256
    raise CredentialError(Reason.unsupported_algorithm, f"no COSE algorithm for {type(key).__name__}")


def to_be_signed(protected: bytes, payload: bytes) -> bytes:
    """The RFC 9052 ``Sig_structure`` for COSE_Sign1 (no external data), encoded by cbor2."""
    return bytes(cbor2.dumps(["Signature1", protected, b"", payload]))


def sign1(payload: bytes, key: PrivateKey, kid: bytes) -> bytes:
    """A tagged COSE_Sign1 over ``payload`` with the algorithm and key id in the protected header."""
    alg = algorithm_for(key)
    message = Sign1Message(phdr={Algorithm: SIGNING_ALGORITHMS[alg], KID: kid}, payload=payload)
    tbs = to_be_signed(message.phdr_encoded, payload)
    if isinstance(key, ec.EllipticCurvePrivateKey):
        r, s = decode_dss_signature(key.sign(tbs, _ECDSA_SHA256))
        message.signature = r.to_bytes(_P256_BYTES, "big") + s.to_bytes(_P256_BYTES, "big")
    else:
        message.signature = key.sign(tbs)
    return bytes(message.encode(tag=True, sign=False))


def _header_int(headers: dict[Any, Any]) -> int | None:
    value: object = headers.get(ALG_LABEL)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise CredentialError(Reason.bad_structure, "the algorithm header is not an integer")
    return value


def _header_bytes(headers: dict[Any, Any]) -> bytes | None:
    value: object = headers.get(KID_LABEL)
    if value is None:
        return None
    if not isinstance(value, bytes):
        raise CredentialError(Reason.bad_structure, "the kid header is not a byte string")
    return value


def _protected_headers(protected: bytes) -> dict[Any, Any]:
    if protected == b"":
        return {}
    try:
        headers = cbor2.loads(protected)
    except Exception as exc:  # cbor2's semantic-tag decoders raise many types on hostile input
        raise CredentialError(Reason.bad_structure, f"protected header is not CBOR: {exc}") from exc
    if not isinstance(headers, dict):
        raise CredentialError(Reason.bad_structure, "the protected header is not a map")
    return headers


def decode_sign1(data: bytes, *, require_tag: bool = True, allow_cwt_tag: bool = False) -> Sign1:
    """Parse a COSE_Sign1 (RFC 9052 §4.2) with cbor2; anything else is refused with ``bad_structure``.

    The gate's hot path reads the array and the two header parameters it needs (alg, kid) straight
    from cbor2: pycose's parser costs ~20 µs a message, an eighth of a whole verification.
    """
    try:
        item = cbor2.loads(data)
    except Exception as exc:  # cbor2's semantic-tag decoders raise many types on hostile input
        raise CredentialError(Reason.bad_structure, f"not CBOR: {exc}") from exc
    tags: list[int] = []
    while isinstance(item, cbor2.CBORTag) and len(tags) < 2:
        tags.append(item.tag)
        item = item.value
    allowed = ([(COSE_SIGN1_TAG,)] if require_tag else [(COSE_SIGN1_TAG,), ()]) + (
        [(CWT_TAG, COSE_SIGN1_TAG)] if allow_cwt_tag else []
    )
    if tuple(tags) not in allowed:
        raise CredentialError(Reason.bad_structure, f"CBOR tags {tags} are not a COSE_Sign1")
    if not (
        isinstance(item, list)
        and len(item) == 4
        and isinstance(item[0], bytes)
        and isinstance(item[1], dict)
        and isinstance(item[2], bytes)
        and isinstance(item[3], bytes)
    ):
        raise CredentialError(Reason.bad_structure, "a COSE_Sign1 is [protected, unprotected, payload, signature]")
    protected = _protected_headers(item[0])
    return Sign1(
        protected=item[0],
        alg=_header_int(protected),
        kid=_header_bytes(protected),
        unprotected_alg=_header_int(item[1]),
        unprotected_kid=_header_bytes(item[1]),
        payload=item[2],
        signature=item[3],
        tags=tuple(tags),
    )


def _fits(alg: int, key: PublicKey) -> bool:
    if isinstance(key, ec.EllipticCurvePublicKey):
        return alg in _ECDSA
    if isinstance(key, rsa.RSAPublicKey):
        return alg == PS256
    return alg == EDDSA


def verify_signature(message: Sign1, key: PublicKey, *, allow_unprotected_alg: bool = False) -> None:
    """Check the signature with ``key``; the header's algorithm must suit the key. Raises on failure.

    ECDSA signatures are r‖s, each as long as the key's curve order; the hash is the algorithm's
    (ES256 → SHA-256), the curve the key's: RFC 8152 names the hash, and some EU signers pair ES256
    with P-384. Our own trust list holds P-256 keys only.
    """
    alg = message.any_alg if allow_unprotected_alg else message.alg
    if alg not in ALGORITHM_NAMES:
        raise CredentialError(Reason.unsupported_algorithm, f"algorithm {alg} is not one of {sorted(ALGORITHM_NAMES)}")
    if not _fits(alg, key):
        raise CredentialError(
            Reason.unsupported_algorithm, f"a {type(key).__name__} cannot check an {ALGORITHM_NAMES[alg]} signature"
        )
    tbs = to_be_signed(message.protected, message.payload)
    signature = message.signature
    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            size = (key.curve.key_size + 7) // 8
            if len(signature) != 2 * size:
                raise InvalidSignature
            r = int.from_bytes(signature[:size], "big")
            s = int.from_bytes(signature[size:], "big")
            key.verify(encode_dss_signature(r, s), tbs, _ECDSA[alg])
        elif isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, tbs, _PSS_SHA256, hashes.SHA256())
        else:
            key.verify(signature, tbs)
    except InvalidSignature as exc:
        raise CredentialError(Reason.bad_signature) from exc
