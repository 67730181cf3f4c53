"""Run CertLogic conformance suites: evaluation cases (``assertions``) and validation cases (``issues``).

A suite file holds ``{"name", "cases": [...]}``, a list of cases, or one case object. An evaluation case is
``{"name", "certLogicExpression", "assertions": [{"data", "expected", "message"?}]}`` (an assertion may carry its
own expression); a validation case is ``{"certLogicExpression", "issues": [{"expr", "message"}]}``. Every
assertion runs, also those a file marks ``"directive": "skip"``: this evaluator implements what they describe.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fugong.errors import InvalidInput
from fugong.healthcode.certlogic.evaluator import CertLogicError, compile_expression
from fugong.healthcode.certlogic.validator import validate
from fugong.healthcode.certlogic.values import DateTime, strictly_equal


class SuiteFileError(InvalidInput):
    """A suite file that cannot be read, is not JSON, or does not have the suite layout."""

    code = "unreadable_suite"


@dataclass(frozen=True)
class SuiteAssertion:
    """One check of a suite: an expected value (``kind="evaluate"``) or expected issues (``kind="validate"``)."""

    file: str
    case: str
    case_number: int
    index: int
    kind: str
    expression: Any
    data: Any = None
    expected: Any = None
    message: str = ""

    @property
    def id(self) -> str:
        """A stable, readable identifier: ``and.json › 1 should work as binary operator › 2``."""
        return f"{self.file} › {self.case_number} {self.case} › {self.index}"


@dataclass(frozen=True)
class Outcome:
    """The result of one assertion: passed or not, and what was seen instead."""

    assertion: SuiteAssertion
    passed: bool
    detail: str = ""


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def load_suite(path: Path) -> list[SuiteAssertion]:
    """All assertions of one suite file, in file order; a bad file raises :class:`SuiteFileError`."""
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SuiteFileError(f"{path}: cannot read the file ({exc.strerror or exc})", field=str(path)) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SuiteFileError(f"{path}: not a JSON file ({exc})", field=str(path)) from None
    if isinstance(content, dict) and "cases" in content:
        cases = content["cases"]
    elif isinstance(content, list):
        cases = content
    else:
        cases = [content]
    if not isinstance(cases, list) or not all(isinstance(c, dict) for c in cases):
        raise SuiteFileError(f"{path}: 'cases' must be a list of case objects", field=f"{path.name}: cases")
    found: list[SuiteAssertion] = []
    for n, case in enumerate(cases):
        found += _assertions(path.name, n, case)
    return found


def _assertions(file: str, n: int, case: dict[str, Any]) -> list[SuiteAssertion]:
    name = str(case.get("name", f"case {n + 1}"))
    if "issues" in case:
        if "certLogicExpression" not in case or not isinstance(case["issues"], list):
            raise SuiteFileError(f"{file}: validation case {n + 1} needs certLogicExpression and a list of issues")
        return [SuiteAssertion(file, name, n + 1, 1, "validate", case["certLogicExpression"], expected=case["issues"])]
    checks = case.get("assertions")
    if not isinstance(checks, list) or not all(isinstance(a, dict) for a in checks):
        raise SuiteFileError(f"{file}: case {name!r} needs a list of assertions (or of issues)", field=f"cases[{n}]")
    found = []
    for i, check in enumerate(checks, start=1):
        if "certLogicExpression" not in check and "certLogicExpression" not in case:
            raise SuiteFileError(f"{file}: case {name!r}, assertion {i} has no certLogicExpression")
        if "expected" not in check:
            raise SuiteFileError(f"{file}: case {name!r}, assertion {i} has no expected value")
        expression = check.get("certLogicExpression", case.get("certLogicExpression"))
        found.append(
            SuiteAssertion(
                file,
                name,
                n + 1,
                i,
                "evaluate",
                expression,
                check.get("data"),
                check["expected"],
                str(check.get("message", "")),
            )
        )
    return found


def run_assertion(assertion: SuiteAssertion) -> Outcome:
    """Evaluate or validate one assertion and compare with what the suite expects."""
    if assertion.kind == "validate":
        seen = [{"expr": i.expr, "message": i.message} for i in validate(assertion.expression)]
        passed = strictly_equal(seen, assertion.expected)
        detail = "" if passed else f"expected issues {_json(assertion.expected)}, got {_json(seen)}"
        return Outcome(assertion, passed, detail)
    try:
        value = compile_expression(assertion.expression)(assertion.data)
    except CertLogicError as exc:
        return Outcome(assertion, False, f"expected {_json(assertion.expected)}, got an error: {exc.detail}")
    if isinstance(value, DateTime):
        value = value.isoformat()
    passed = strictly_equal(value, assertion.expected)
    return Outcome(assertion, passed, "" if passed else f"expected {_json(assertion.expected)}, got {_json(value)}")


def run_suites(paths: list[Path]) -> list[Outcome]:
    """Run every assertion of every file (all files are read before any assertion runs)."""
    assertions = [a for path in paths for a in load_suite(path)]
    return [run_assertion(a) for a in assertions]
