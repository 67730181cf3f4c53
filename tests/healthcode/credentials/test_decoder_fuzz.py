"""The decoder fuzzed with hypothesis: whatever a scanner delivers, only named refusals come out, never a crash."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import cbor2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fugong.healthcode.credentials.codec import DCC_PREFIX, decode_text, encode_text
from fugong.healthcode.credentials.cose import decode_sign1
from fugong.healthcode.credentials.credential import IssuedCode, issue_code
from fugong.healthcode.credentials.cwt import decode_claims
from fugong.healthcode.credentials.dcc import read_hc1
from fugong.healthcode.credentials.keys import KeyStore
from fugong.healthcode.credentials.reasons import CredentialError, Reason
from fugong.healthcode.credentials.trustlist import build_trust_list
from fugong.healthcode.credentials.verify import OfflineVerifier

NOW = datetime(2020, 2, 20, 8, 0, tzinfo=UTC)
FUZZ = settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
BASE45_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"

cbor_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**64), 2**64)
    | st.floats()
    | st.text(max_size=20)
    | st.binary(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.integers(-300, 300) | st.text(max_size=5), inner, max_size=5)
    ),
    max_leaves=20,
)


@pytest.fixture(scope="module")
def gate(tmp_path_factory: pytest.TempPathFactory) -> tuple[OfflineVerifier, IssuedCode]:
    """A verifier and one genuine code, made once for the module (hypothesis runs many examples per test)."""
    store = KeyStore(Path(tmp_path_factory.mktemp("fuzz-keys")))
    store.create_root(now=NOW)
    store.create_issuer_key("330100", now=NOW)
    code = issue_code(store.signer("330100"), "subject", "green", 1, now=NOW)
    return OfflineVerifier(build_trust_list(store, 1, now=NOW)), code


def _decode(text: str) -> None:
    decode_claims(decode_sign1(decode_text(text)).payload)


@FUZZ
@given(st.text(max_size=400))
def test_any_text_is_refused_by_name(text: str) -> None:
    with pytest.raises(CredentialError) as caught:
        _decode(text)
    assert isinstance(caught.value.reason, Reason)


@FUZZ
@given(st.text(alphabet=BASE45_ALPHABET, max_size=400))
def test_any_base45_text_behind_the_prefix_is_refused_by_name(body: str) -> None:
    with pytest.raises(CredentialError):
        _decode("FG1:" + body)


@FUZZ
@given(st.binary(max_size=600))
def test_any_bytes_behind_zlib_and_base45_are_refused_by_name(data: bytes) -> None:
    with pytest.raises(CredentialError) as caught:
        _decode(encode_text(data))
    assert caught.value.reason in {Reason.bad_structure, Reason.bad_claims}


@FUZZ
@given(cbor_values, cbor_values, cbor_values)
def test_any_cbor_in_a_cose_tag_is_refused_by_name(protected: object, unprotected: object, payload: object) -> None:
    headers = cbor2.dumps(protected) if not isinstance(protected, bytes) else protected
    message = cbor2.dumps(cbor2.CBORTag(18, [headers, unprotected, cbor2.dumps(payload), b"\x00" * 64]))
    with pytest.raises(CredentialError):
        _decode(encode_text(message))


@FUZZ
@given(data=st.data())
def test_a_mutated_code_never_passes_with_other_claims(
    gate: tuple[OfflineVerifier, IssuedCode], data: st.DataObject
) -> None:
    verifier, code = gate
    body = list(code.text[4:])
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(body) - 1))
        action = data.draw(st.sampled_from(["replace", "delete", "insert"]))
        if action == "delete":
            del body[at]
        else:
            char = data.draw(st.sampled_from(BASE45_ALPHABET))
            body[at : at + (action == "replace")] = [char]
    decision = verifier.verify("FG1:" + "".join(body), now=NOW)
    # An unsigned part (the unprotected header) may change harmlessly; the signed claims never can.
    assert not decision.valid or decision.claims == code.claims


@FUZZ
@given(st.text(max_size=300) | st.binary(max_size=300).map(lambda b: encode_text(b, DCC_PREFIX)))
def test_the_eu_certificate_reader_refuses_by_name(text: str) -> None:
    with pytest.raises(CredentialError):
        read_hc1(text)


@FUZZ
@given(st.text(max_size=300))
def test_verify_never_raises(gate: tuple[OfflineVerifier, IssuedCode], text: str) -> None:
    decision = gate[0].verify(text, now=NOW)
    assert not decision.valid
    assert decision.reason.zh
    assert decision.reason.en
