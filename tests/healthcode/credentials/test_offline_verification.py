"""A gate checking codes offline: genuine codes pass, and every kind of bad code is refused for its reason."""

from __future__ import annotations

import zlib
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import base45
import cbor2
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from fugong.healthcode.credentials.codec import MAX_DECOMPRESSED_BYTES, encode_text
from fugong.healthcode.credentials.cose import sign1
from fugong.healthcode.credentials.credential import issue_code
from fugong.healthcode.credentials.cwt import COLOUR, Colour, CredentialClaims, encode_claims
from fugong.healthcode.credentials.keys import KeyStore, Signer
from fugong.healthcode.credentials.reasons import Reason
from fugong.healthcode.credentials.revocations import RevocationList
from fugong.healthcode.credentials.verify import OfflineVerifier

from .conftest import Authority, Issue


def _cose_parts(text: str) -> list[Any]:
    item = cbor2.loads(zlib.decompress(base45.b45decode(text[4:])))
    assert item.tag == 18
    return list(item.value)


def _reassemble(parts: list[Any]) -> str:
    return encode_text(cbor2.dumps(cbor2.CBORTag(18, parts)))


def test_a_genuine_code_is_valid_with_its_claims(issue: Issue, verifier: OfflineVerifier, now: datetime) -> None:
    code = issue(colour="green", status_seq=4)
    decision = verifier.verify(code.text, now=now + timedelta(hours=2))
    assert decision.valid
    assert decision.reason is Reason.ok
    assert decision.colour is Colour.green
    assert decision.claims == code.claims
    assert decision.claims is not None
    assert decision.claims.issuer == "330100"
    assert decision.claims.status_seq == 4
    assert decision.as_json()["claims"]["colour"] == "green"
    assert code.text.startswith("FG1:")


def test_a_red_code_is_authentic_and_says_red(issue: Issue, verifier: OfflineVerifier, now: datetime) -> None:
    decision = verifier.verify(issue(colour="red").text, now=now)
    assert decision.valid
    assert decision.colour is Colour.red


@pytest.mark.parametrize("issuer", ["330200", "330000"])
def test_a_hangzhou_gate_accepts_codes_of_other_trusted_issuers(
    issue: Issue, verifier: OfflineVerifier, now: datetime, issuer: str
) -> None:
    decision = verifier.verify(issue(issuer=issuer).text, now=now)
    assert decision.valid
    assert decision.claims is not None
    assert decision.claims.issuer == issuer


def test_a_forged_signature_is_refused(authority: Authority, verifier: OfflineVerifier, now: datetime) -> None:
    # The forger copies Hangzhou's key id but signs with a key of their own.
    genuine = authority.store.signer("330100")
    forger = Signer(genuine.record, ec.generate_private_key(ec.SECP256R1()))
    text = _reassemble(_cose_parts(_forged_text(forger, now)))
    decision = verifier.verify(text, now=now)
    assert not decision.valid
    assert decision.reason is Reason.bad_signature
    assert decision.reason.zh == "签名无效，可能是伪造或篡改的码"


def _forged_text(forger: Signer, now: datetime) -> str:
    return issue_code(forger, "someone", "green", 1, now=now).text


def test_an_altered_payload_is_refused(issue: Issue, verifier: OfflineVerifier, now: datetime) -> None:
    protected, unprotected, payload, signature = _cose_parts(issue(colour="red").text)
    claims = cbor2.loads(payload)
    claims[COLOUR] = "green"
    decision = verifier.verify(_reassemble([protected, unprotected, cbor2.dumps(claims), signature]), now=now)
    assert decision.reason is Reason.bad_signature
    assert decision.claims is None


def test_a_signature_of_the_wrong_length_is_refused(issue: Issue, verifier: OfflineVerifier, now: datetime) -> None:
    protected, unprotected, payload, signature = _cose_parts(issue().text)
    decision = verifier.verify(_reassemble([protected, unprotected, payload, signature + b"\x00" * 8]), now=now)
    assert decision.reason is Reason.bad_signature


def test_an_expired_code_is_refused(issue: Issue, verifier: OfflineVerifier, now: datetime) -> None:
    code = issue(at=now - timedelta(hours=25))
    decision = verifier.verify(code.text, now=now)
    assert decision.reason is Reason.expired
    assert decision.reason.zh == "码已过期，请刷新"
    assert decision.claims == code.claims


def test_expiry_allows_five_minutes_of_clock_skew(issue: Issue, verifier: OfflineVerifier, now: datetime) -> None:
    code = issue(at=now - timedelta(hours=24))
    assert verifier.verify(code.text, now=now + timedelta(minutes=4, seconds=59)).valid
    assert verifier.verify(code.text, now=now + timedelta(minutes=5, seconds=1)).reason is Reason.expired


def test_a_code_from_the_future_is_not_yet_valid(issue: Issue, verifier: OfflineVerifier, now: datetime) -> None:
    code = issue(at=now + timedelta(minutes=6))
    assert verifier.verify(code.text, now=now).reason is Reason.not_yet_valid
    assert verifier.verify(code.text, now=now + timedelta(minutes=2)).valid


def test_an_unknown_key_id_is_refused(tmp_path: Path, verifier: OfflineVerifier, now: datetime) -> None:
    stranger = KeyStore(tmp_path / "elsewhere")
    stranger.create_issuer_key("330100")
    decision = verifier.verify(issue_code(stranger.signer("330100"), "x", "green", 1, now=now).text, now=now)
    assert decision.reason is Reason.unknown_key
    assert decision.reason.en == "signing key is not in the trust list"


def test_a_revoked_key_is_refused_once_the_gate_syncs(
    authority: Authority, issue: Issue, verifier: OfflineVerifier, now: datetime
) -> None:
    code = issue()
    authority.store.revoke(code.kid, now=now)
    synced = OfflineVerifier(_resynced(authority))
    assert verifier.verify(code.text, now=now).valid  # the stale gate has not heard yet
    decision = synced.verify(code.text, now=now)
    assert decision.reason is Reason.key_revoked
    assert decision.kid == code.kid


def _resynced(authority: Authority) -> Any:
    authority.republish(2)
    return authority.trust_list()


def test_rotation_keeps_old_codes_valid_until_the_key_is_retired(
    authority: Authority, issue: Issue, now: datetime
) -> None:
    old_code = issue()
    authority.store.rotate("330100", now=now)
    new_code = issue()
    assert new_code.kid != old_code.kid
    gate = OfflineVerifier(_resynced(authority))
    assert gate.verify(old_code.text, now=now).valid
    assert gate.verify(new_code.text, now=now).valid
    authority.store.retire(old_code.kid, now=now)
    authority.republish(3)
    gate = OfflineVerifier(authority.trust_list())
    assert gate.verify(old_code.text, now=now).reason is Reason.key_retired
    assert gate.verify(new_code.text, now=now).valid


def test_a_revoked_code_is_refused(issue: Issue, authority: Authority, now: datetime) -> None:
    code, other = issue(), issue()
    revocations = RevocationList().revoke_code(code.claims.code_id, code.claims.expires_at, now=now)
    gate = OfflineVerifier(authority.trust_list(), revocations)
    assert gate.verify(code.text, now=now).reason is Reason.code_revoked
    assert gate.verify(other.text, now=now).valid


def test_a_code_replayed_after_the_colour_changed_is_superseded(
    issue: Issue, authority: Authority, now: datetime, subject: str
) -> None:
    green = issue(colour="green", status_seq=1)
    red = issue(colour="red", status_seq=2, at=now + timedelta(hours=1))
    revocations = RevocationList().supersede(subject, 2, now=now + timedelta(hours=1))
    gate = OfflineVerifier(authority.trust_list(), revocations)
    later = now + timedelta(hours=2)
    replay = gate.verify(green.text, now=later)
    assert replay.reason is Reason.superseded
    assert replay.reason.zh == "健康码颜色已变化，此码已失效，请刷新"
    current = gate.verify(red.text, now=later)
    assert current.valid
    assert current.colour is Colour.red


def test_a_gate_that_has_not_synced_cannot_know_of_a_newer_colour(
    issue: Issue, verifier: OfflineVerifier, now: datetime
) -> None:
    # The documented limit of offline checking: the 24 h expiry bounds how long a replay can work.
    assert verifier.verify(issue(status_seq=1).text, now=now).valid


def test_a_code_claiming_another_issuer_than_its_key_is_refused(
    authority: Authority, verifier: OfflineVerifier, now: datetime
) -> None:
    ningbo = authority.store.signer("330200")
    claims = CredentialClaims(
        "330100", "x", Colour.green, 1, int(now.timestamp()), int(now.timestamp()) + 3600, b"8bytes!!"
    )
    decision = verifier.verify(encode_text(ningbo.sign(encode_claims(claims))), now=now)
    assert decision.reason is Reason.issuer_mismatch


def test_a_code_that_lives_too_long_is_refused(authority: Authority, verifier: OfflineVerifier, now: datetime) -> None:
    start = int(now.timestamp())
    claims = CredentialClaims("330100", "x", Colour.green, 1, start, start + 30 * 86400, b"8bytes!!")
    text = encode_text(authority.store.signer("330100").sign(encode_claims(claims)))
    assert verifier.verify(text, now=now).reason is Reason.lifetime_too_long


def test_an_expired_trust_list_refuses_everything(issue: Issue, verifier: OfflineVerifier, now: datetime) -> None:
    decision = verifier.verify(issue(at=now + timedelta(days=8)).text, now=now + timedelta(days=8))
    assert decision.reason is Reason.trust_list_expired


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("HC1:NCFOXN%TS3DH", Reason.wrong_prefix),
        ("fg1:NCFOXN%TS3DH", Reason.wrong_prefix),
        ("", Reason.wrong_prefix),
        ("https://example.org/code?id=1", Reason.wrong_prefix),
        ("FG1:", Reason.bad_compression),
        ("FG1:abc", Reason.bad_base45),
        ("FG1:A", Reason.bad_base45),
        ("FG1:GGW", Reason.bad_base45),
        ("FG1:" + "0" * 5000, Reason.input_too_large),
        ("FG1:" + base45.b45encode(b"not a zlib stream").decode(), Reason.bad_compression),
    ],
)
def test_garbage_is_refused_with_a_named_reason(
    verifier: OfflineVerifier, now: datetime, text: str, reason: Reason
) -> None:
    decision = verifier.verify(text, now=now)
    assert not decision.valid
    assert decision.reason is reason


def test_a_truncated_code_is_refused(issue: Issue, verifier: OfflineVerifier, now: datetime) -> None:
    text = issue().text
    reasons = {verifier.verify(text[:cut], now=now).reason for cut in range(4, len(text), 7)}
    assert Reason.ok not in reasons
    assert reasons <= {Reason.bad_base45, Reason.bad_compression, Reason.bad_structure}


def test_a_zip_bomb_is_refused_before_it_is_inflated(verifier: OfflineVerifier, now: datetime) -> None:
    # 2 MB of zeros deflate to ~2 KB: a complete stream that fits a QR code but would inflate 1,000-fold.
    bomb = zlib.compress(b"\x00" * (2 * 1024 * 1024), 9)
    assert len(bomb) < 2500
    decision = verifier.verify("FG1:" + base45.b45encode(bomb).decode(), now=now)
    assert decision.reason is Reason.too_large_decompressed
    small_but_too_big = encode_text(b"\x00" * (MAX_DECOMPRESSED_BYTES + 1))
    assert verifier.verify(small_but_too_big, now=now).reason is Reason.too_large_decompressed


def test_an_untagged_or_wrong_shaped_message_is_not_a_credential(
    issue: Issue, verifier: OfflineVerifier, now: datetime
) -> None:
    parts = _cose_parts(issue().text)
    for item in (parts, cbor2.CBORTag(98, parts), parts[:3], {"a": 1}, 42):
        decision = verifier.verify(encode_text(cbor2.dumps(item)), now=now)
        assert decision.reason is Reason.bad_structure


def test_a_message_without_a_key_id_is_refused(verifier: OfflineVerifier, now: datetime) -> None:
    protected = cbor2.dumps({1: -7})
    text = encode_text(cbor2.dumps(cbor2.CBORTag(18, [protected, {}, b"\xa0", b"\x00" * 64])))
    decision = verifier.verify(text, now=now)
    assert decision.reason is Reason.bad_structure
    assert decision.detail == "no key id in the protected header"


def test_an_unsupported_algorithm_is_refused(authority: Authority, verifier: OfflineVerifier, now: datetime) -> None:
    kid = bytes.fromhex(authority.store.signer("330100").record.kid)
    protected = cbor2.dumps({1: 5, 4: kid})  # HMAC 256/256: a shared secret, never accepted at a gate
    text = encode_text(cbor2.dumps(cbor2.CBORTag(18, [protected, {}, b"\xa0", b"\x00" * 32])))
    assert verifier.verify(text, now=now).reason is Reason.unsupported_algorithm


def test_claims_that_are_not_ours_are_refused(authority: Authority, verifier: OfflineVerifier, now: datetime) -> None:
    signer = authority.store.signer("330100")
    text = encode_text(sign1(cbor2.dumps({1: "330100", 2: "x"}), signer.private_key, bytes.fromhex(signer.record.kid)))
    decision = verifier.verify(text, now=now)
    assert decision.reason is Reason.bad_claims
