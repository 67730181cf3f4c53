"""``fugong healthcode``: run CertLogic suites, check colour rule sets, and explain a person's colour."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from fugong.cli_output import OutputFormat, parse_day, render
from fugong.geo import load_gazetteer
from fugong.healthcode import registry
from fugong.healthcode.certlogic.suite import run_suites
from fugong.healthcode.credentials.cli import dcc_suite
from fugong.healthcode.facts import InvalidFact, facts_from_json
from fugong.healthcode.rules import Rule, RuleBook, load_rulebook
from fugong.healthcode.status import evaluate
from fugong.settings import get_settings

if TYPE_CHECKING:
    from fugong.healthcode.bulk.apply import Applied

app = typer.Typer(help="Health code (健康码): CertLogic, colour rule sets, status, credentials.", no_args_is_help=True)
app.command("dcc-suite")(dcc_suite)

FolderOption = typer.Option(None, "--rules", help="Folder of rule set files (default: the shipped ones)")
FormatOption = typer.Option(OutputFormat.table, "--format", help="table, csv or json")


def _rulebook(folder: Path | None) -> RuleBook:
    settings = get_settings()
    return load_rulebook(folder, load_gazetteer(settings.province, settings.reference_date))


@app.command("certlogic-test")
def certlogic_test(files: list[Path] = typer.Argument(..., help="Suite files (evaluation or validation)")) -> None:
    """Run CertLogic suite files: print each failure, then 'N passed, M failed' (exit 1 if any failed)."""
    outcomes = run_suites(files)
    failed = [o for o in outcomes if not o.passed]
    for outcome in failed:
        note = f" ({outcome.assertion.message})" if outcome.assertion.message else ""
        typer.echo(f"FAIL {outcome.assertion.id}{note}: {outcome.detail}")
    typer.echo(f"{len(outcomes) - len(failed)} passed, {len(failed)} failed")
    if failed:
        raise typer.Exit(1)


@app.command("rulesets")
def rulesets(folder: Path | None = FolderOption, fmt: OutputFormat = FormatOption) -> None:
    """Check every rule set file and list them: id, region, version, validity, number of rules."""
    book = _rulebook(folder)
    rows = [
        {
            "id": rs.id,
            "region": rs.region,
            "region_name": book.gazetteer.get(rs.region).name,
            "version": rs.version,
            "valid_from": rs.valid_from.isoformat(),
            "valid_to": rs.valid_to.isoformat() if rs.valid_to else "",
            "rules": len(rs.rules),
        }
        for rs in book
    ]
    render(rows, fmt, ["id", "region", "region_name", "version", "valid_from", "valid_to", "rules"])


def _green_after(rule: Rule) -> str:
    policy = rule.green_after
    lapse = ", or on its until date" if rule.until else ""
    if policy is None:
        return "when it no longer holds" + lapse
    isolation = f" + {policy.isolation_days} days isolation" if policy.isolation_days else ""
    return f"{policy.checkins} check-ins in a row{isolation}{lapse}"


@app.command("ruleset")
def ruleset(
    region: str = typer.Argument(..., help="County or city: code or name"),
    on: str | None = typer.Option(None, "--on", help="Day (YYYY-MM-DD); default: today"),
    folder: Path | None = FolderOption,
    fmt: OutputFormat = FormatOption,
) -> None:
    """Show the rule set in force for a region on a day (county beats city beats province) and its rules."""
    day = parse_day(on, "--on") or date.today()
    rs = _rulebook(folder).for_region(region, day)
    typer.echo(f"{rs.id} v{rs.version} ({rs.region}, from {rs.valid_from}): {rs.description_zh}")
    rows = [
        {
            "rule": r.id,
            "colour": r.colour,
            "green_after": _green_after(r),
            "reason": r.reason_zh,
        }
        for r in rs.rules
    ]
    render(rows, fmt, ["rule", "colour", "green_after", "reason"])


@app.command("status")
def status(
    facts_file: Path = typer.Argument(..., help="JSON file: a list of facts, or {'facts': [...]}"),
    region: str = typer.Option(..., "--region", help="The person's county or city: code or name"),
    on: str | None = typer.Option(None, "--on", help="Day (YYYY-MM-DD); default: today"),
    lang: str = typer.Option("zh", "--lang", help="zh or en"),
    as_json: bool = typer.Option(False, "--json", help="Print the full status as JSON"),
    folder: Path | None = FolderOption,
) -> None:
    """Evaluate a person's facts and explain the colour, its reason and the day it turns green."""
    day = parse_day(on, "--on") or date.today()
    if lang not in ("zh", "en"):
        raise InvalidFact(f"--lang: {lang!r} is not zh or en", field="--lang")
    try:
        content = json.loads(facts_file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InvalidFact(f"{facts_file}: cannot read the file ({exc.strerror or exc})", field="facts") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidFact(f"{facts_file}: not a JSON file ({exc})", field="facts") from None
    items = content.get("facts") if isinstance(content, dict) else content
    facts = facts_from_json(items)
    result = evaluate(facts, _rulebook(folder).for_region(region, day), day)
    if as_json:
        typer.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    else:
        typer.echo(result.explain(lang))


@app.command("reevaluate")
def reevaluate(
    ruleset_id: str | None = typer.Option(None, "--ruleset", help="Rule set id (default: the province's in force)"),
    on: str | None = typer.Option(None, "--on", help="Day (YYYY-MM-DD); default: today"),
    engine: str = typer.Option("duckdb", "--engine", help="duckdb or spark"),
    output: Path | None = typer.Option(None, "--output", help="Parquet file to write (default under data_dir)"),
    use_store: bool = typer.Option(True, "--store/--no-store", help="Add the facts of the operational store"),
    folder: Path | None = FolderOption,
    as_json: bool = typer.Option(False, "--json", help="Print the run's summary as JSON"),
    apply: bool = typer.Option(
        False, "--apply", help="Store each registered person's colour (with its record), by their county's rule set"
    ),
) -> None:
    """Re-evaluate everyone's colour from the lake (and the store's facts) in bulk; write one Parquet file.

    With --apply, registered persons are evaluated with their county's rule set and each changed colour is stored.
    """
    from fugong.healthcode.bulk.run import facts_from_store
    from fugong.healthcode.bulk.run import reevaluate as run_bulk

    settings = get_settings()
    day = parse_day(on, "--on") or date.today()
    book = _rulebook(folder)
    if apply:
        from fugong.healthcode.bulk.apply import apply_settings

        _check_apply_options(ruleset_id, output, use_store)
        _print_applied(apply_settings(settings, book, day, engine=engine), day, as_json)
        return
    chosen = book.by_id(ruleset_id, day) if ruleset_id else book.for_region(book.gazetteer.province.code, day)
    facts = facts_from_store(settings) if use_store else None
    run = run_bulk(settings, chosen, day, engine=engine, facts=facts, output=output)
    if as_json:
        typer.echo(json.dumps(run.summary(), ensure_ascii=False, indent=2))
        return
    counts = ", ".join(f"{colour} {n}" for colour, n in run.counts.items())
    typer.echo(f"{run.ruleset_id}@{run.ruleset_version} on {day} ({engine}): {run.persons} persons: {counts}")
    typer.echo(f"persons without any fact: {run.nobody}")
    typer.echo("inputs: " + ", ".join(run.inputs.values()))
    typer.echo(f"written: {run.output} ({run.seconds} s)")


def _check_apply_options(ruleset_id: str | None, output: Path | None, use_store: bool) -> None:
    from fugong.healthcode.bulk.apply import InvalidApply

    for value, option in ((ruleset_id, "--ruleset"), (output, "--output")):
        if value is not None:
            raise InvalidApply(
                f"{option} cannot be used with --apply: each person is evaluated with the rule set "
                "of their county, one file per rule set",
                field=option,
            )
    if not use_store:
        raise InvalidApply(
            "--no-store cannot be used with --apply: stored colours rest on the store's facts too", field="--no-store"
        )


def _print_applied(done: Applied, day: date, as_json: bool) -> None:
    engine = done.engine
    if as_json:
        typer.echo(json.dumps(done.summary(), ensure_ascii=False, indent=2))
        return
    typer.echo(f"on {day} ({engine}): {done.registered} registered persons, {len(done.groups)} rule sets")
    for g in done.groups:
        written = f"written: {g.output}" if g.output else "nobody has a fact"
        typer.echo(
            f"{g.ruleset}: {g.persons} persons in {len(g.counties)} counties, {g.with_facts} with facts; {written}"
        )
    moves = ", ".join(f"{old}→{new} {n}" for (old, new), n in sorted(done.changed.items()))
    typer.echo(f"changed colour: {done.colour_changes}" + (f" ({moves})" if moves else ""))
    typer.echo(
        f"dates only: {done.dates_only}; officials' colours kept: {done.manual_kept}; "
        f"persons of the lake not registered: {done.unregistered} (counted, not registered) ({done.seconds} s)"
    )
    if done.disagreements:
        typer.echo(
            f"bulk and per-person evaluation differ for {done.disagreements} persons: the per-person colour was stored"
        )


@app.command("new-case")
def new_case(
    person: str = typer.Argument(..., help="The person's number in the registry, or their resident ID number"),
    on: str | None = typer.Option(None, "--on", help="Day of the confirmation (YYYY-MM-DD); default: today"),
    today: str | None = typer.Option(None, "--today", help="Day of the re-evaluation; default: the --on day"),
    by: str = typer.Option("cdc", "--by", help="Who records it (written to the audit log for a look-up by ID number)"),
    folder: Path | None = FolderOption,
) -> None:
    """Record a confirmed case (from the CDC) and re-evaluate them, their close contacts and who shared their hour."""
    from fugong.healthcode.findings import Finding, apply_finding, person_of
    from fugong.hub.lake import get_lake
    from fugong.hub.pseudonyms import pseudonymiser
    from fugong.store import unit_of_work

    settings = get_settings()
    confirmed = parse_day(on, "--on") or date.today()
    day = parse_day(today, "--today") or confirmed
    book = _rulebook(folder)
    with unit_of_work(settings) as session:
        found = person_of(session, pseudonymiser(settings), person, by)
        done = apply_finding(session, get_lake(settings), book, found.id, Finding("confirmed", confirmed), day, "cdc")
    case = done["case"]
    typer.echo(f"person {found.id} confirmed on {confirmed}: {done['status']['colour']} on {day}")
    typer.echo(
        f"close contacts registered: {len(case['contacts'])}, same place and hour: {len(case['co_located'])}, "
        f"not registered: {case['unregistered']}"
    )
    moves = ", ".join(f"{c['person']} {c['from'] or 'none'}→{c['to']}" for c in case["changed"])
    typer.echo(f"changed colour: {len(case['changed'])}" + (f" ({moves})" if moves else ""))
    typer.echo("inputs: " + ", ".join(case["inputs"].values()))


@app.command("register-bulk")
def register_bulk(
    file: Path = typer.Argument(..., help="CSV (UTF-8) with 姓名,身份证号,现住址,手机号 (the hub's persons feed)"),
    by: str = typer.Option("hub", "--by", help="Who registers them (recorded with each person)"),
) -> None:
    """Register many persons from a CSV file, all or nothing; an error names its row."""
    from fugong.healthcode.roster import read_roster
    from fugong.hub.pseudonyms import pseudonymiser
    from fugong.store import unit_of_work

    settings = get_settings()
    roster = read_roster(file)
    with unit_of_work(settings) as session:
        count = registry.register_bulk(session, pseudonymiser(settings), roster, by)
    typer.echo(f"{count} persons registered from {file.name} by {by}")


@app.command("purge")
def purge(
    days: int = typer.Option(28, "--days", help="Retention period in days (facts older than this go)"),
    today: str | None = typer.Option(None, "--today", help="Day the period counts back from (YYYY-MM-DD)"),
) -> None:
    """Apply the retention period: delete old facts and decided appeals' evidence files, and log the purge."""
    from fugong.healthcode.evidence import EvidenceBox
    from fugong.healthcode.retention import purge as run_purge
    from fugong.store import unit_of_work

    settings = get_settings()
    day = parse_day(today, "--today") or date.today()
    with unit_of_work(settings) as session:
        done = run_purge(session, day, days, evidence=EvidenceBox.from_settings(settings))
        typer.echo(
            f"facts before {done.cutoff} removed: {done.removed} (kept for open appeals {done.kept_for_appeals},"
            f" for confirmed cases {done.kept_for_cases}); evidence files removed: {done.evidence_removed}"
        )
