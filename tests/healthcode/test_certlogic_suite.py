"""The official CertLogic suites, one test per assertion: the evaluator and validator pass all of them."""

from __future__ import annotations

from pathlib import Path

import pytest

from fugong.healthcode.certlogic.suite import SuiteAssertion, load_suite, run_assertion

CASES = Path(__file__).parent / "cases"
EVALUATION = sorted((CASES / "certlogic-testSuite").glob("*.json"))
VALIDATION = sorted((CASES / "certlogic-validation-testSuite").glob("*.json"))


def _assertions(files: list[Path]) -> list[SuiteAssertion]:
    return [a for path in files for a in load_suite(path)]


EVALUATION_ASSERTIONS = _assertions(EVALUATION)
VALIDATION_ASSERTIONS = _assertions(VALIDATION)


def test_the_suites_are_complete() -> None:
    assert len(EVALUATION) == 14
    assert len({(a.file, a.case_number) for a in EVALUATION_ASSERTIONS}) == 60
    assert len(EVALUATION_ASSERTIONS) == 232
    assert len(VALIDATION_ASSERTIONS) == 23
    assert len({a.id for a in EVALUATION_ASSERTIONS + VALIDATION_ASSERTIONS}) == 255


@pytest.mark.parametrize("assertion", EVALUATION_ASSERTIONS, ids=[a.id for a in EVALUATION_ASSERTIONS])
def test_evaluation_suite(assertion: SuiteAssertion) -> None:
    outcome = run_assertion(assertion)
    assert outcome.passed, outcome.detail


@pytest.mark.parametrize("assertion", VALIDATION_ASSERTIONS, ids=[a.id for a in VALIDATION_ASSERTIONS])
def test_validation_suite(assertion: SuiteAssertion) -> None:
    outcome = run_assertion(assertion)
    assert outcome.passed, outcome.detail


def test_a_wrong_expectation_is_reported_as_a_failure() -> None:
    wrong = SuiteAssertion("x.json", "case", 1, 1, "evaluate", {"===": [1, 1]}, {}, False)
    outcome = run_assertion(wrong)
    assert not outcome.passed
    assert outcome.detail == "expected false, got true"


def test_an_evaluation_error_is_a_failure_with_the_reason() -> None:
    failing = SuiteAssertion("x.json", "case", 1, 1, "evaluate", {"<": [{"var": "x"}, 1]}, {"x": "a"}, True)
    outcome = run_assertion(failing)
    assert not outcome.passed
    assert "got an error" in outcome.detail
    assert "operand 1 must be an integer" in outcome.detail


def test_a_wrong_validation_expectation_is_reported() -> None:
    wrong = SuiteAssertion("x.json", "case", 1, 1, "validate", {"var": 1}, expected=[])
    outcome = run_assertion(wrong)
    assert not outcome.passed
    assert 'not of the form { \\"var\\": \\"<path>\\" }' in outcome.detail
