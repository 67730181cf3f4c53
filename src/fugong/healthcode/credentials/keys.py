"""Signing keys of the root and of each issuing region, kept as files, with rotation and revocation.

Layout of a key folder (default ``data_dir/healthcode/keys``)::

    root/<kid>.json                  public key (JWK-like) and status
    root/<kid>.key.pem               private key, PKCS#8 PEM, mode 0600
    issuers/<region>/<kid>.json      one pair per key of an issuing region (e.g. 330100 Hangzhou)
    issuers/<region>/<kid>.key.pem

A key id (kid) is the first 8 bytes of the SHA-256 of the public key's DER SubjectPublicKeyInfo, as hex.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from fugong.errors import Conflict, InvalidInput, NotFound
from fugong.healthcode.credentials.cose import ALGORITHM_NAMES, PrivateKey, PublicKey, algorithm_for, sign1
from fugong.healthcode.credentials.cwt import check_region_code
from fugong.settings import Settings

ROOT = "root"
KID_BYTES = 8
KID_HEX = re.compile(r"^[0-9a-f]{16}$")
_P256_BYTES = 32


class KeyStatus(StrEnum):
    """Life of a key: signs (active), still verifies after a rotation (verify_only), or no longer trusted."""

    active = "active"
    verify_only = "verify_only"
    retired = "retired"
    revoked = "revoked"


def default_keys_dir(settings: Settings) -> Path:
    """Where keys live in an embedded install: ``data_dir/healthcode/keys``."""
    return settings.data_dir / "healthcode" / "keys"


def key_id(public_key: PublicKey) -> bytes:
    """The 8-byte key id: SHA-256 of the DER SubjectPublicKeyInfo, truncated."""
    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).digest()[:KID_BYTES]


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def public_jwk(public_key: PublicKey) -> dict[str, str]:
    """The public key as JWK members (RFC 7517/8037): EC P-256 or OKP Ed25519."""
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        numbers = public_key.public_numbers()
        return {
            "kty": "EC",
            "crv": "P-256",
            "x": _b64url(numbers.x.to_bytes(_P256_BYTES, "big")),
            "y": _b64url(numbers.y.to_bytes(_P256_BYTES, "big")),
        }
    if isinstance(public_key, ed25519.Ed25519PublicKey):
        raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return {"kty": "OKP", "crv": "Ed25519", "x": _b64url(raw)}
    raise InvalidInput(f"unsupported public key type {type(public_key).__name__}")


def public_key_from_jwk(jwk: dict[str, Any]) -> PublicKey:
    """Rebuild a public key from JWK members; the EC point is checked to lie on the curve."""
    try:
        if jwk.get("kty") == "EC" and jwk.get("crv") == "P-256":
            x = int.from_bytes(_unb64url(jwk["x"]), "big")
            y = int.from_bytes(_unb64url(jwk["y"]), "big")
            return ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()
        if jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519":
            return ed25519.Ed25519PublicKey.from_public_bytes(_unb64url(jwk["x"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidInput(f"bad public key: {exc}", field="jwk") from exc
    raise InvalidInput("public key must be EC P-256 or OKP Ed25519", field="jwk")


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True)
class KeyRecord:
    """The public half of a key and its status: what the trust list publishes."""

    kid: str
    issuer: str
    alg: str
    public_key: PublicKey
    status: KeyStatus
    created_at: datetime
    status_changed_at: datetime

    def to_json(self) -> dict[str, Any]:
        """JWK-like JSON: kid, issuer, alg, key members, status and times."""
        return {
            "kid": self.kid,
            "issuer": self.issuer,
            "alg": self.alg,
            **public_jwk(self.public_key),
            "status": self.status.value,
            "created_at": _iso(self.created_at),
            "status_changed_at": _iso(self.status_changed_at),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> KeyRecord:
        """Read a record written by :meth:`to_json`; the kid must match the key."""
        try:
            public_key = public_key_from_jwk(data)
            record = cls(
                kid=str(data["kid"]),
                issuer=str(data["issuer"]),
                alg=str(data["alg"]),
                public_key=public_key,
                status=KeyStatus(data["status"]),
                created_at=datetime.fromisoformat(data["created_at"]),
                status_changed_at=datetime.fromisoformat(data["status_changed_at"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidInput(f"bad key record: {exc}", field="key") from exc
        if key_id(public_key).hex() != record.kid:
            raise InvalidInput(f"key record {record.kid}: the kid does not match the public key", field="kid")
        if ALGORITHM_NAMES[algorithm_for(public_key)] != record.alg:
            raise InvalidInput(f"key record {record.kid}: alg {record.alg} does not fit the key", field="alg")
        return record


@dataclass(frozen=True, slots=True)
class Signer:
    """An active key with its private half: signs COSE_Sign1 messages under its kid."""

    record: KeyRecord
    private_key: PrivateKey

    def sign(self, payload: bytes) -> bytes:
        """A tagged COSE_Sign1 over ``payload``."""
        return sign1(payload, self.private_key, bytes.fromhex(self.record.kid))


def _write_private(path: Path, key: PrivateKey) -> None:
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(pem)


def _write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


class KeyStore:
    """The keys in one folder: create, rotate, retire, revoke, and load the active signer of a region."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _dir(self, issuer: str) -> Path:
        return self.folder / ROOT if issuer == ROOT else self.folder / "issuers" / check_region_code(issuer)

    def _new_key(self, issuer: str, alg: str, now: datetime | None) -> KeyRecord:
        private: PrivateKey
        if alg == "ES256":
            private = ec.generate_private_key(ec.SECP256R1())
        elif alg == "EdDSA":
            private = ed25519.Ed25519PrivateKey.generate()
        else:
            raise InvalidInput(f"algorithm {alg!r}: choose ES256 or EdDSA", field="alg")
        moment = now or datetime.now(UTC)
        record = KeyRecord(
            kid=key_id(private.public_key()).hex(),
            issuer=issuer,
            alg=alg,
            public_key=private.public_key(),
            status=KeyStatus.active,
            created_at=moment,
            status_changed_at=moment,
        )
        folder = self._dir(issuer)
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        _write_private(folder / f"{record.kid}.key.pem", private)
        _write_json_atomic(folder / f"{record.kid}.json", record.to_json())
        return record

    def records(self, issuer: str | None = None) -> list[KeyRecord]:
        """Every key record (of one issuer, or of all issuers but the root), oldest first."""
        folders = [self._dir(issuer)] if issuer else sorted((self.folder / "issuers").glob("*"))
        found = [
            KeyRecord.from_json(json.loads(path.read_text(encoding="utf-8")))
            for folder in folders
            for path in folder.glob("*.json")
        ]
        return sorted(found, key=lambda r: (r.issuer, r.created_at, r.kid))

    def get(self, kid: str) -> KeyRecord:
        """The record of one key id, root or issuer."""
        if not KID_HEX.match(kid):
            raise InvalidInput(f"key id {kid!r} is not {2 * KID_BYTES} hex digits", field="kid")
        for path in [*self.folder.glob(f"{ROOT}/{kid}.json"), *self.folder.glob(f"issuers/*/{kid}.json")]:
            return KeyRecord.from_json(json.loads(path.read_text(encoding="utf-8")))
        raise NotFound(f"no key with id {kid!r} in {self.folder}", field="kid")

    def _active(self, issuer: str) -> KeyRecord | None:
        active = [r for r in self.records(issuer) if r.status is KeyStatus.active] if self._dir(issuer).exists() else []
        return active[-1] if active else None

    def create_root(self, alg: str = "ES256", now: datetime | None = None) -> KeyRecord:
        """Make the root key that signs trust lists and revocation lists (once)."""
        if self._active(ROOT):
            raise Conflict(f"a root key already exists in {self.folder / ROOT}")
        return self._new_key(ROOT, alg, now)

    def create_issuer_key(self, issuer: str, alg: str = "ES256", now: datetime | None = None) -> KeyRecord:
        """Make the first signing key of a region; a region with an active key is rotated instead."""
        if self._active(check_region_code(issuer)):
            raise Conflict(f"region {issuer} already has an active key; rotate it instead", field="issuer")
        return self._new_key(issuer, alg, now)

    def rotate(self, issuer: str, alg: str = "ES256", now: datetime | None = None) -> KeyRecord:
        """A new active key for the region; the old one keeps verifying (verify_only) until retired."""
        old = self._active(issuer)
        if old is None:
            raise NotFound(f"region {issuer} has no active key to rotate", field="issuer")
        new = self._new_key(issuer, alg, now)
        self._set_status(old, KeyStatus.verify_only, now)
        return new

    def retire(self, kid: str, now: datetime | None = None) -> KeyRecord:
        """Stop trusting a rotated-out key (codes it signed are refused from the next trust list on)."""
        record = self.get(kid)
        if record.status is not KeyStatus.verify_only:
            raise Conflict(f"key {kid} is {record.status.value}; only a rotated-out (verify_only) key is retired")
        return self._set_status(record, KeyStatus.retired, now)

    def revoke(self, kid: str, now: datetime | None = None) -> KeyRecord:
        """Revoke a key at once (e.g. it leaked): every code it signed is refused, and it signs no more."""
        record = self.get(kid)
        if record.status is KeyStatus.revoked:
            return record
        return self._set_status(record, KeyStatus.revoked, now)

    def _set_status(self, record: KeyRecord, status: KeyStatus, now: datetime | None) -> KeyRecord:
        updated = replace(record, status=status, status_changed_at=now or datetime.now(UTC))
        _write_json_atomic(self._dir(record.issuer) / f"{record.kid}.json", updated.to_json())
        return updated

    def _signer(self, record: KeyRecord) -> Signer:
        pem = (self._dir(record.issuer) / f"{record.kid}.key.pem").read_bytes()
        private = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(private, ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey):
            raise InvalidInput(f"key {record.kid}: private key is not P-256 or Ed25519")
        return Signer(record, private)

    def signer(self, issuer: str) -> Signer:
        """The active signing key of a region (or of the root)."""
        record = self._active(issuer)
        if record is None:
            raise NotFound(f"no active signing key for {issuer}", field="issuer")
        return self._signer(record)

    def root_record(self) -> KeyRecord:
        """The active root key's public record (gates pin its public key)."""
        record = self._active(ROOT)
        if record is None:
            raise NotFound(f"no root key in {self.folder / ROOT}")
        return record
