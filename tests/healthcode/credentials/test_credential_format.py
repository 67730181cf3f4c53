"""The token format: claims, COSE_Sign1 headers, zlib + base45 + ``FG1:``, and what issuing refuses."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from datetime import datetime, timedelta

import base45
import cbor2
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat
from pycose.algorithms import Es256
from pycose.headers import KID, Algorithm
from pycose.keys.cosekey import CoseKey
from pycose.keys.ec2 import EC2Key
from pycose.messages.sign1message import Sign1Message

from fugong.errors import InvalidInput
from fugong.healthcode.credentials.codec import (
    DCC_PREFIX,
    FUGONG_PREFIX,
    decode_base45,
    decode_text,
    decompress,
    encode_text,
    strip_prefix,
)
from fugong.healthcode.credentials.cose import EDDSA, ES256, PrivateKey, decode_sign1, sign1, verify_signature
from fugong.healthcode.credentials.credential import issue_code
from fugong.healthcode.credentials.cwt import (
    COLOUR,
    CTI,
    EXP,
    IAT,
    ISS,
    STATUS_SEQ,
    SUB,
    Colour,
    CredentialClaims,
    decode_claims,
    encode_claims,
)
from fugong.healthcode.credentials.reasons import CredentialError, Reason
from fugong.healthcode.credentials.verify import OfflineVerifier

from .conftest import Authority, Issue


def test_a_code_is_prefix_base45_zlib_cose_cwt(issue: Issue, now: datetime, subject: str) -> None:
    code = issue(colour="yellow", status_seq=7)
    assert code.text.startswith("FG1:")
    cose = zlib.decompress(base45.b45decode(code.text[4:]))
    message = cbor2.loads(cose)
    assert message.tag == 18
    protected, unprotected, payload, signature = message.value
    headers = cbor2.loads(protected)
    assert headers == {1: -7, 4: bytes.fromhex(code.kid)}
    assert unprotected == {}
    assert len(signature) == 64
    claims = cbor2.loads(payload)
    start = int(now.timestamp())
    assert claims[ISS] == "330100"
    assert claims[SUB] == subject
    assert claims[IAT] == start
    assert claims[EXP] == start + 24 * 3600
    assert claims[COLOUR] == "yellow"
    assert claims[STATUS_SEQ] == 7
    assert len(claims[CTI]) == 8
    # Small enough for a QR code that scans from a phone screen.
    assert len(code.text) < 300


def test_every_code_gets_its_own_id(issue: Issue) -> None:
    assert len({issue().claims.code_id for _ in range(20)}) == 20


def test_the_province_key_signs_with_eddsa(issue: Issue) -> None:
    message = decode_sign1(decode_text(issue(issuer="330000").text))
    assert message.alg == EDDSA
    assert len(message.signature) == 64


def test_claims_round_trip() -> None:
    claims = CredentialClaims("330100", "abc", Colour.red, 3, 1582185600, 1582272000, b"12345678")
    assert decode_claims(encode_claims(claims)) == claims
    assert claims.as_json()["issued_at"] == "2020-02-20T08:00:00+00:00"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({ISS: "Hangzhou"}, "issuer"),
        ({ISS: 330100}, "issuer"),
        ({ISS: "030100"}, "issuer"),
        ({SUB: ""}, "subject"),
        ({SUB: "x" * 129}, "subject"),
        ({COLOUR: "purple"}, "colour"),
        ({COLOUR: ["green"]}, "colour"),
        ({STATUS_SEQ: -1}, "status_seq"),
        ({STATUS_SEQ: True}, "status_seq"),
        ({IAT: 1.5}, "issued_at"),
        ({EXP: "tomorrow"}, "expires_at"),
        ({CTI: b"short"}, "code_id"),
    ],
)
def test_malformed_claims_name_the_claim(change: dict[int, object], field: str) -> None:
    good = cbor2.loads(encode_claims(CredentialClaims("330100", "a", Colour.green, 1, 10, 20, b"12345678")))
    with pytest.raises(CredentialError) as caught:
        decode_claims(cbor2.dumps({**good, **change}))
    assert caught.value.reason is Reason.bad_claims
    assert caught.value.field == field


@pytest.mark.parametrize("payload", [b"", b"\xff", cbor2.dumps([1, 2]), cbor2.dumps("text")])
def test_claims_that_are_not_a_map_are_refused(payload: bytes) -> None:
    with pytest.raises(CredentialError) as caught:
        decode_claims(payload)
    assert caught.value.reason is Reason.bad_claims


def test_codec_round_trip_and_prefixes() -> None:
    text = encode_text(b"\x01\x02payload", DCC_PREFIX)
    assert text.startswith("HC1:")
    assert decode_text(text, DCC_PREFIX) == b"\x01\x02payload"
    with pytest.raises(CredentialError) as caught:
        decode_text(text, FUGONG_PREFIX)
    assert caught.value.reason is Reason.wrong_prefix


def test_codec_refuses_a_stream_with_trailing_bytes_or_cut_short() -> None:
    stream = zlib.compress(b"credential" * 10)
    with pytest.raises(CredentialError, match="follow the end"):
        decompress(stream + b"extra")
    with pytest.raises(CredentialError, match="truncated") as caught:
        decompress(stream[:-6])
    assert caught.value.reason is Reason.bad_compression


def test_codec_refuses_non_text_and_over_long_text() -> None:
    with pytest.raises(CredentialError) as caught:
        strip_prefix(b"FG1:ABC")  # type: ignore[arg-type]
    assert caught.value.reason is Reason.wrong_prefix
    with pytest.raises(CredentialError) as caught:
        decode_base45("0" * 4297)
    assert caught.value.reason is Reason.input_too_large


def _p256() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@pytest.mark.parametrize("make", [_p256, ed25519.Ed25519PrivateKey.generate])
def test_sign1_verifies_with_the_matching_public_key_only(make: Callable[[], PrivateKey]) -> None:
    key, stranger = make(), make()
    message = decode_sign1(sign1(b"payload", key, b"kid-0001"))
    assert message.kid == b"kid-0001"
    assert message.alg in {ES256, EDDSA}
    verify_signature(message, key.public_key())
    with pytest.raises(CredentialError) as caught:
        verify_signature(message, stranger.public_key())
    assert caught.value.reason is Reason.bad_signature


def test_an_ecdsa_header_with_an_eddsa_key_is_refused() -> None:
    message = decode_sign1(sign1(b"payload", ec.generate_private_key(ec.SECP256R1()), b"kid"))
    with pytest.raises(CredentialError) as caught:
        verify_signature(message, ed25519.Ed25519PrivateKey.generate().public_key())
    assert caught.value.reason is Reason.unsupported_algorithm


def test_a_p384_key_cannot_sign_our_codes() -> None:
    with pytest.raises(CredentialError) as caught:
        sign1(b"payload", ec.generate_private_key(ec.SECP384R1()), b"kid")
    assert caught.value.reason is Reason.unsupported_algorithm


def test_decode_sign1_accepts_other_tags_only_when_asked() -> None:
    tagged = sign1(b"payload", ec.generate_private_key(ec.SECP256R1()), b"kid")
    parts = cbor2.loads(tagged).value
    untagged = cbor2.dumps(parts)
    double = cbor2.dumps(cbor2.CBORTag(61, cbor2.CBORTag(18, parts)))
    for data in (untagged, double):
        with pytest.raises(CredentialError) as caught:
            decode_sign1(data)
        assert caught.value.reason is Reason.bad_structure
    assert decode_sign1(untagged, require_tag=False).tags == ()
    assert decode_sign1(double, allow_cwt_tag=True).tags == (61, 18)


@pytest.mark.parametrize(
    "headers",
    [{4: "text kid"}, {1: "ES256x"}, {1: [1, 2]}],
)
def test_bad_protected_headers_are_bad_structure(headers: dict[int, object]) -> None:
    data = cbor2.dumps(cbor2.CBORTag(18, [cbor2.dumps(headers), {}, b"", b""]))
    with pytest.raises(CredentialError) as caught:
        decode_sign1(data)
    assert caught.value.reason is Reason.bad_structure


def test_issuing_refuses_bad_requests(authority: Authority, now: datetime) -> None:
    signer = authority.store.signer("330100")
    cases: list[tuple[dict[str, object], str]] = [
        ({"subject": ""}, "subject"),
        ({"colour": "blue"}, "colour"),
        ({"status_seq": -1}, "status_seq"),
        ({"lifetime": timedelta(days=4)}, "lifetime"),
        ({"lifetime": timedelta(0)}, "lifetime"),
    ]
    for change, field in cases:
        arguments: dict[str, object] = {"subject": "p", "colour": "green", "status_seq": 1, **change}
        with pytest.raises(InvalidInput) as caught:
            issue_code(signer, now=now, **arguments)  # type: ignore[arg-type]
        assert caught.value.field == field
    with pytest.raises(InvalidInput, match="root key signs trust lists"):
        issue_code(authority.store.signer("root"), "p", "green", 1, now=now)


def _pem(key: PrivateKey, private: bool) -> str:
    if private:
        return key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode()
    return key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()


@pytest.mark.parametrize("issuer", ["330100", "330000"])
def test_pycose_reads_and_verifies_what_we_sign(authority: Authority, issuer: str) -> None:
    signer = authority.store.signer(issuer)
    message = Sign1Message.decode(signer.sign(b"claims"))
    assert message.payload == b"claims"
    assert message.phdr[KID] == bytes.fromhex(signer.record.kid)
    message.key = CoseKey.from_pem_public_key(_pem(signer.private_key, private=False))
    assert message.verify_signature()


def test_a_code_signed_by_pycose_passes_our_gate(
    authority: Authority, verifier: OfflineVerifier, now: datetime, subject: str
) -> None:
    signer = authority.store.signer("330100")
    start = int(now.timestamp())
    claims = CredentialClaims("330100", subject, Colour.green, 2, start, start + 3600, b"pycose!!")
    key = CoseKey.from_pem_private_key(_pem(signer.private_key, private=True))
    assert isinstance(key, EC2Key)
    message = Sign1Message(
        phdr={Algorithm: Es256, KID: bytes.fromhex(signer.record.kid)}, payload=encode_claims(claims), key=key
    )
    decision = verifier.verify(encode_text(message.encode()), now=now)
    assert decision.valid
    assert decision.claims == claims
