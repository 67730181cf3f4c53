"""EU Digital COVID Certificates: reading HC1 codes, and the whole dgc-testdata suite through ``dcc-suite``."""

from __future__ import annotations

import base64
import json
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from fugong.errors import NotFound
from fugong.healthcode.credentials.cli import app
from fugong.healthcode.credentials.dcc import is_valid_at, key_usage_matches, read_hc1, verify_dcc
from fugong.healthcode.credentials.dcc_suite import run_case, run_suite
from fugong.healthcode.credentials.reasons import CredentialError, Reason
from fugong.healthcode.credentials.verify import OfflineVerifier

from .conftest import Issue

SUITE = Path(__file__).resolve().parents[4] / "shared" / "data" / "healthcode" / "dgc-testdata"
COMMON = SUITE / "common" / "2DCode" / "raw"
# Cases whose only flags need what the project does not have (named, not skipped in silence).
UNCHECKABLE = {
    **{f"common/2DCode/raw/DGC{n}.json": "EXPECTEDSCHEMAVALIDATION" for n in range(1, 7)},
    "common/2DCode/raw/Q1.json": "EXPECTEDPICTUREDECODE",
}


def _case(name: str) -> dict[str, Any]:
    return dict(json.loads((COMMON / name).read_text(encoding="utf-8")))


def _certificate(case: dict[str, Any]) -> bytes:
    return base64.b64decode(case["TESTCTX"]["CERTIFICATE"])


def test_the_whole_dgc_testdata_suite_passes() -> None:
    assert SUITE.is_dir(), f"the shared EU DCC test vectors are missing at {SUITE}"
    report = run_suite(SUITE)
    failures = [(c.path, k.flag, k.detail) for c in report.cases for k in c.checks if not k.ok]
    assert failures == []
    assert len(report.cases) == 581
    assert report.passed == 574
    assert report.failed == 0
    assert report.not_cases == [("6.json", "no EXPECTEDRESULTS: not a test case")]
    unchecked = {c.path: c.unchecked for c in report.cases if not c.checks}
    assert unchecked == {path: [flag] for path, flag in UNCHECKABLE.items()}
    assert sum(len(c.checks) for c in report.cases) == 3568


def test_dcc_suite_command_prints_the_totals_last() -> None:
    result = CliRunner().invoke(app, [str(SUITE)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[-1] == "574 passed, 0 failed"
    assert lines[-2] == f"{SUITE}: 582 files, 581 cases, 574 with flags checked (3568 flag checks), 7 with none"
    assert "not a test case: 6.json (no EXPECTEDRESULTS: not a test case)" in lines
    assert any(line.startswith("not checked: common/2DCode/raw/Q1.json") for line in lines)
    assert any("EXPTECTEDEXPIRED read as EXPECTEDEXPIRATIONCHECK (7 cases)" in line for line in lines)
    assert not any(line.startswith("FAIL") for line in lines)


def test_dcc_suite_names_the_case_and_flag_that_fail(tmp_path: Path) -> None:
    case = _case("CO5.json")  # a broken signature, expected to fail verification
    case["EXPECTEDRESULTS"]["EXPECTEDVERIFY"] = True
    (tmp_path / "XX").mkdir()
    (tmp_path / "XX" / "broken.json").write_text(json.dumps(case), encoding="utf-8")
    shutil.copy(COMMON / "CO3.json", tmp_path / "XX" / "good.json")
    result = CliRunner().invoke(app, [str(tmp_path)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].startswith("FAIL XX/broken.json EXPECTEDVERIFY: expected true, got false (bad_signature")
    assert lines[-1] == "1 passed, 1 failed"


def test_dcc_suite_tolerates_byte_order_marks(tmp_path: Path) -> None:
    case = _case("CO3.json")
    case["PREFIX"] = "\ufeff" + case["PREFIX"]
    (tmp_path / "bom.json").write_bytes(b"\xef\xbb\xbf" + json.dumps(case).encode())
    report = run_suite(tmp_path)
    assert [c.passed for c in report.cases] == [True]


def test_dcc_suite_refuses_a_folder_without_cases(tmp_path: Path) -> None:
    (tmp_path / "notes.json").write_text('{"hello": 1}', encoding="utf-8")
    (tmp_path / "broken.json").write_text("{not json", encoding="utf-8")
    result = CliRunner().invoke(app, [str(tmp_path)])
    assert isinstance(result.exception, NotFound)
    assert "no EU DCC test cases" in str(result.exception)
    assert run_suite(tmp_path).not_cases[0][0] == "broken.json"


def test_dcc_suite_refuses_a_missing_folder(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, [str(tmp_path / "absent")], env={"COLUMNS": "400"})
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_an_eu_certificate_is_read_and_verified_with_its_signer() -> None:
    case = _case("CO3.json")
    dcc = read_hc1(case["PREFIX"])
    assert dcc.kinds == {"v"}
    assert dcc.dgc["nam"]["fnt"]
    verify_dcc(dcc.message, _certificate(case))
    assert is_valid_at(dcc, datetime.fromisoformat(case["TESTCTX"]["VALIDATIONCLOCK"].replace("Z", "+00:00")))
    assert key_usage_matches(dcc, _certificate(case))


def test_an_eu_certificate_with_another_signer_or_a_broken_signature_is_refused() -> None:
    genuine = read_hc1(_case("CO3.json")["PREFIX"])
    with pytest.raises(CredentialError) as caught:
        verify_dcc(genuine.message, _certificate(_case("CO1.json")))
    assert caught.value.reason is Reason.unknown_key
    broken = _case("CO5.json")
    with pytest.raises(CredentialError) as caught:
        verify_dcc(read_hc1(broken["PREFIX"]).message, _certificate(broken))
    assert caught.value.reason is Reason.bad_signature


def test_a_signer_limited_to_tests_may_not_sign_a_vaccination() -> None:
    case = _case("CO6.json")
    dcc = read_hc1(case["PREFIX"])
    assert dcc.kinds == {"v"}
    assert not key_usage_matches(dcc, _certificate(case))


def test_prefixes_keep_the_two_kinds_of_code_apart(issue: Issue, verifier: OfflineVerifier, now: datetime) -> None:
    with pytest.raises(CredentialError) as caught:
        read_hc1(issue().text)
    assert caught.value.reason is Reason.wrong_prefix
    assert verifier.verify(_case("CO3.json")["PREFIX"], now=now).reason is Reason.wrong_prefix


@pytest.mark.parametrize(
    ("field", "value", "flag"),
    [
        ("PREFIX", "HC1:NCFOXN", "EXPECTEDUNPREFIX"),
        ("COMPRESSED", "78daabcd", "EXPECTEDB45DECODE"),
        ("COSE", "d2840000", "EXPECTEDCOMPRESSION"),
        ("CBOR", "a1617801", "EXPECTEDDECODE"),
    ],
)
def test_each_layer_check_notices_a_layer_that_does_not_match(field: str, value: str, flag: str) -> None:
    case = _case("CO3.json")
    assert run_case(case, "CO3.json").passed
    case[field] = value
    result = run_case(case, "CO3.json")
    mismatched = [check.flag for check in result.checks if not check.ok]
    assert flag in mismatched
    assert not result.passed


def test_the_validation_clock_decides_the_expiration_check() -> None:
    case = _case("CO28.json")
    assert run_case(case, "CO28.json").passed
    case["TESTCTX"]["VALIDATIONCLOCK"] = "2031-01-01T00:00:00Z"
    check = next(c for c in run_case(case, "CO28.json").checks if c.flag == "EXPECTEDEXPIRATIONCHECK")
    assert (check.expected, check.actual) == (True, False)
    assert check.detail.startswith("clock outside iat")
