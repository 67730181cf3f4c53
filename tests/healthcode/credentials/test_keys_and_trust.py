"""Keys as files, rotation and revocation; the root-signed trust and revocation lists and a gate's cached copies."""

from __future__ import annotations

import json
import stat
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from fugong.errors import Conflict, InvalidInput, NotFound
from fugong.healthcode.credentials.keys import KeyRecord, KeyStatus, KeyStore, default_keys_dir, key_id
from fugong.healthcode.credentials.revocations import (
    RevocationList,
    RevocationListCache,
    publish_revocations,
    read_revocations,
)
from fugong.healthcode.credentials.signed import SignedDocumentError
from fugong.healthcode.credentials.trustlist import (
    TrustListCache,
    build_trust_list,
    publish_trust_list,
    read_trust_list,
)
from fugong.settings import Settings

from .conftest import NAMES, Authority


def test_keys_are_pem_and_jwk_files_with_private_keys_0600(authority: Authority) -> None:
    folder = authority.store.folder
    signer = authority.store.signer("330100")
    private = folder / "issuers" / "330100" / f"{signer.record.kid}.key.pem"
    public = folder / "issuers" / "330100" / f"{signer.record.kid}.json"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert private.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    record = json.loads(public.read_text())
    assert record["kty"] == "EC"
    assert record["crv"] == "P-256"
    assert record["alg"] == "ES256"
    assert record["status"] == "active"
    assert "d" not in record
    assert record["kid"] == key_id(signer.private_key.public_key()).hex()
    assert len(record["kid"]) == 16
    assert stat.S_IMODE((folder / "root").stat().st_mode) == 0o700


def test_the_default_key_folder_is_under_the_data_dir(settings: Settings) -> None:
    assert default_keys_dir(settings) == settings.data_dir / "healthcode" / "keys"


def test_rotation_and_retirement_change_status_in_the_files(authority: Authority, now: datetime) -> None:
    store = authority.store
    old = store.signer("330100").record
    new = store.rotate("330100", now=now)
    assert store.get(old.kid).status is KeyStatus.verify_only
    assert store.signer("330100").record.kid == new.kid
    retired = store.retire(old.kid, now=now + timedelta(days=2))
    assert retired.status is KeyStatus.retired
    assert store.get(old.kid).status_changed_at == now + timedelta(days=2)
    assert [r.kid for r in store.records("330100")] == [old.kid, new.kid]


def test_a_revoked_key_signs_no_more(authority: Authority, now: datetime) -> None:
    kid = authority.store.signer("330200").record.kid
    assert authority.store.revoke(kid, now=now).status is KeyStatus.revoked
    assert authority.store.revoke(kid, now=now).status is KeyStatus.revoked  # idempotent
    with pytest.raises(NotFound, match="no active signing key for 330200"):
        authority.store.signer("330200")


def test_key_store_refuses_what_makes_no_sense(authority: Authority, tmp_path: Path) -> None:
    store = authority.store
    with pytest.raises(Conflict, match="root key already exists"):
        store.create_root()
    with pytest.raises(Conflict, match="already has an active key"):
        store.create_issuer_key("330100")
    with pytest.raises(NotFound, match="no active key to rotate"):
        store.rotate("330300")
    with pytest.raises(Conflict, match="only a rotated-out"):
        store.retire(store.signer("330100").record.kid)
    for not_a_region in ("Hangzhou", "root", "33010"):
        with pytest.raises(InvalidInput, match="six-digit region code") as caught:
            store.create_issuer_key(not_a_region)
        assert caught.value.field == "issuer"
    with pytest.raises(InvalidInput, match="choose ES256 or EdDSA"):
        store.create_issuer_key("330300", alg="RS256")
    with pytest.raises(InvalidInput, match="hex digits"):
        store.get("../../etc/passwd")
    with pytest.raises(NotFound, match="no key with id"):
        store.get("0123456789abcdef")
    with pytest.raises(NotFound, match="no root key"):
        KeyStore(tmp_path / "empty").root_record()


def test_a_tampered_key_record_is_refused(authority: Authority) -> None:
    kid = authority.store.signer("330100").record.kid
    path = authority.store.folder / "issuers" / "330100" / f"{kid}.json"
    other = json.loads(next((authority.store.folder / "issuers" / "330200").glob("*.json")).read_text())
    record = json.loads(path.read_text())
    path.write_text(json.dumps({**record, "x": other["x"], "y": other["y"]}))
    with pytest.raises(InvalidInput, match="kid does not match"):
        authority.store.get(kid)
    path.write_text(json.dumps({**record, "status": "trusted"}))
    with pytest.raises(InvalidInput, match="bad key record"):
        KeyRecord.from_json(json.loads(path.read_text()))


def test_the_trust_list_lists_every_issuer_and_key(authority: Authority, now: datetime) -> None:
    trust_list = authority.trust_list()
    assert trust_list.version == 1
    assert trust_list.issuers == NAMES
    assert {r.issuer for r in trust_list.keys.values()} == {"330100", "330200", "330000"}
    assert {r.alg for r in trust_list.keys.values()} == {"ES256", "EdDSA"}
    assert trust_list.expires_at == now - timedelta(hours=1) + timedelta(days=7)
    assert not trust_list.is_expired(now)


def test_a_trust_list_signed_by_another_root_is_refused(authority: Authority, tmp_path: Path) -> None:
    rogue = KeyStore(tmp_path / "rogue")
    rogue.create_root()
    rogue.create_issuer_key("330100")
    forged = publish_trust_list(rogue, build_trust_list(rogue, 99))
    with pytest.raises(SignedDocumentError, match="not by the pinned root"):
        read_trust_list(forged, authority.root)


def test_a_revocation_list_is_not_a_trust_list(authority: Authority) -> None:
    revocations = publish_revocations(authority.store, RevocationList())
    with pytest.raises(SignedDocumentError, match="not a fugong-trust-list"):
        read_trust_list(revocations, authority.root)
    with pytest.raises(SignedDocumentError):
        read_trust_list(b"not a COSE message", authority.root)


def test_a_gate_caches_the_trust_list_and_refuses_rollback(authority: Authority, tmp_path: Path, now: datetime) -> None:
    cache = TrustListCache(tmp_path / "gate" / "trust-list.cose", authority.root)
    with pytest.raises(NotFound, match="sync the gate first"):
        cache.load()
    first = authority.signed_trust_list
    assert cache.update(first, now=now).version == 1
    assert cache.update(first, now=now).version == 1  # the same list again is fine
    second = authority.republish(2)
    assert cache.update(second, now=now).version == 2
    assert cache.load().version == 2
    with pytest.raises(Conflict, match="older than the cached 2"):
        cache.update(first, now=now)
    other_second = authority.republish(2, now=now + timedelta(minutes=1))
    with pytest.raises(Conflict, match="differs from the cached copy"):
        cache.update(other_second, now=now)
    assert cache.load().version == 2


def test_a_gate_refuses_an_expired_or_tampered_cache(authority: Authority, tmp_path: Path, now: datetime) -> None:
    path = tmp_path / "trust-list.cose"
    cache = TrustListCache(path, authority.root)
    with pytest.raises(SignedDocumentError, match="expired"):
        cache.update(authority.signed_trust_list, now=now + timedelta(days=8))
    assert not path.exists()
    cache.update(authority.signed_trust_list, now=now)
    data = bytearray(path.read_bytes())
    data[-1] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(SignedDocumentError, match="signature invalid"):
        cache.load()


def test_a_revocation_list_round_trips_through_a_gate_cache(
    authority: Authority, tmp_path: Path, now: datetime, subject: str
) -> None:
    revocations = (
        RevocationList()
        .revoke_code(b"12345678", expires_at=int(now.timestamp()) + 3600, now=now)
        .supersede(subject, 3, now=now)
    )
    assert revocations.version == 3
    cache = RevocationListCache(tmp_path / "revocations.cose", authority.root)
    cached = cache.update(publish_revocations(authority.store, revocations))
    assert cached == revocations
    assert cache.load().is_code_revoked(b"12345678")
    assert cached.is_superseded(subject, 2)
    assert not cached.is_superseded(subject, 3)
    assert not cached.is_superseded("someone else", 0)
    assert read_revocations(publish_revocations(authority.store, revocations), authority.root) == revocations


def test_supersession_only_moves_forward(now: datetime, subject: str) -> None:
    revocations = RevocationList().supersede(subject, 5, now=now)
    assert revocations.supersede(subject, 4, now=now) is revocations
    with pytest.raises(InvalidInput, match="must not be negative"):
        revocations.supersede(subject, -1)


def test_entries_are_pruned_once_nothing_they_refuse_can_still_be_valid(now: datetime, subject: str) -> None:
    expires = int(now.timestamp()) + 24 * 3600
    revocations = RevocationList().revoke_code(b"aaaaaaaa", expires, now=now).supersede(subject, 2, now=now)
    day, skew = timedelta(hours=72), timedelta(minutes=5)
    assert revocations.pruned(now + timedelta(hours=24), day, skew) is revocations
    after_expiry = revocations.pruned(now + timedelta(hours=25), day, skew)
    assert after_expiry.revoked_codes == {}
    assert subject in after_expiry.superseded
    assert revocations.pruned(now + timedelta(hours=73), day, skew).superseded == {}
