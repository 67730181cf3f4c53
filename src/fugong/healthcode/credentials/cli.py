"""``dcc-suite``: run the EU DCC test vectors against the credential layer (mounted as ``fugong healthcode``)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import typer

from fugong.errors import NotFound
from fugong.healthcode.credentials.dcc_suite import UNCHECKED_FLAGS, SuiteReport, run_suite

app = typer.Typer(help="Health code credentials: conformance with the EU DCC test vectors.", no_args_is_help=True)


def _flag(value: bool) -> str:
    return "true" if value else "false"


def report_lines(report: SuiteReport) -> list[str]:
    """What the command prints: failures, what was not checked and why, tolerances, then the totals."""
    lines = [
        f"FAIL {case.path} {check.flag}: expected {_flag(check.expected)}, got {_flag(check.actual)} ({check.detail})"
        for case in report.cases
        for check in case.checks
        if not check.ok
    ]
    lines += [f"not a test case: {path} ({why})" for path, why in report.not_cases]
    for case in report.cases:
        if not case.checks:
            why = "; ".join(f"{flag}: {UNCHECKED_FLAGS.get(flag, 'unknown flag')}" for flag in case.unchecked)
            lines.append(f"not checked: {case.path} has no flag this suite runs ({why})")
    tolerances = Counter(note for case in report.cases for note in case.notes)
    if tolerances:
        lines.append("tolerated: " + "; ".join(f"{note} ({n} cases)" for note, n in sorted(tolerances.items())))
    checks = sum(len(case.checks) for case in report.cases)
    lines.append(
        f"{report.folder}: {len(report.cases) + len(report.not_cases)} files, {len(report.cases)} cases, "
        f"{len(report.checked)} with flags checked ({checks} flag checks), "
        f"{len(report.cases) - len(report.checked)} with none"
    )
    lines.append(f"{report.passed} passed, {report.failed} failed")
    return lines


@app.command("dcc-suite")
def dcc_suite(
    folder: Path = typer.Argument(
        ...,
        exists=True,
        file_okay=False,
        dir_okay=True,
        help="Folder of dgc-testdata case files (searched recursively)",
    ),
) -> None:
    """Run every EU DCC test case against its EXPECTEDRESULTS flags; end with 'N passed, M failed'."""
    report = run_suite(folder)
    if not report.cases:
        raise NotFound(f"no EU DCC test cases (JSON files with EXPECTEDRESULTS) under {folder}")
    for line in report_lines(report):
        typer.echo(line)
    if report.failed:
        raise typer.Exit(1)
