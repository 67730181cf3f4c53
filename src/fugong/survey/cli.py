"""``fugong survey``: forms, workers, assignments, XLSX import, completeness, reminders, aggregation."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import typer

from fugong.auth.users import get_user, principal_of
from fugong.cli_output import OutputFormat, parse_day, render
from fugong.errors import InvalidInput
from fugong.settings import get_settings
from fugong.store import unit_of_work
from fugong.survey import operations as ops

app = typer.Typer(help="Grassroots digital forms: define, assign, import, track and aggregate.", no_args_is_help=True)
FormatOption = typer.Option(OutputFormat.table, "--format", help="table, csv or json")
MAX_DAYS = 366


def _now(at: str | None) -> datetime:
    if at is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        raise InvalidInput(f"--at: {at!r} is not a time like 2020-02-10T18:30+08:00", field="--at") from None
    if moment.tzinfo is None:
        raise InvalidInput("--at needs a time zone, e.g. 2020-02-10T18:30+08:00", field="--at")
    return moment.astimezone(UTC)


def _day(text: str, option: str) -> date:
    day = parse_day(text, option)
    assert day is not None
    return day


@app.command()
def forms(
    check: Path | None = typer.Option(None, "--check", help="Only check this form file (JSON) and report it"),
    load: Path | None = typer.Option(None, "--load", help="Check this form file and keep it as a new version"),
    by: str = typer.Option("cli", "--by", help="Who loads the form (recorded with it)"),
    fmt: OutputFormat = FormatOption,
) -> None:
    """List the forms in use, or check or load a form definition file."""
    if check is not None:
        render([ops.check_form_file(check)], fmt)
        return
    with unit_of_work(get_settings()) as session:
        if load is not None:
            render([ops.load_form_file(session, load, by, datetime.now(UTC))], fmt)
        else:
            render(ops.form_list(session, "zh_CN"), fmt)


@app.command()
def workers(
    username: str = typer.Argument(..., help="A user holding the role grassroots"),
    units: list[str] = typer.Argument(..., help="Township (9-digit) or village (12-digit) codes they fill forms for"),
) -> None:
    """Give a grassroots worker the townships or villages they fill forms for."""
    with unit_of_work(get_settings()) as session:
        held = ops.set_worker(session, get_settings(), username, units)
    typer.echo(f"{username} fills forms for {', '.join(held)}")


@app.command()
def assign(
    form: str = typer.Argument(..., help="Form id, e.g. village_daily"),
    unit: str = typer.Argument(..., help="Assign to every unit of the form's level under this code (e.g. a county)"),
    start: str = typer.Option(..., "--from", help="First day (YYYY-MM-DD)"),
    end: str | None = typer.Option(None, "--to", help="Last day (default: the first)"),
    fmt: OutputFormat = FormatOption,
) -> None:
    """Assign a form to the units under UNIT for every period from --from to --to."""
    first = _day(start, "--from")
    last = _day(end, "--to") if end else first
    if last < first or (last - first).days > MAX_DAYS:
        raise InvalidInput(f"--to must be on or after --from and within {MAX_DAYS} days of it", field="--to")
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    with unit_of_work(get_settings()) as session:
        render([ops.assign(session, get_settings(), form, unit, days, "cli", datetime.now(UTC))], fmt)


@app.command(name="import")
def import_(
    form: str = typer.Argument(..., help="Form id"),
    file: Path = typer.Argument(..., help="XLSX file: a header row with 单位代码, 日期 and the form's fields"),
    user: str = typer.Option(..., "--user", help="The grassroots worker (or admin) the rows are submitted as"),
    at: str | None = typer.Option(None, "--at", help="Submission time with zone (default: now)"),
    fmt: OutputFormat = FormatOption,
) -> None:
    """Submit the rows of an XLSX file; prints each row's result (exit 2 if any row failed)."""
    try:
        content = file.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read {file}: {exc.strerror}", field="file") from None
    with unit_of_work(get_settings()) as session:
        principal = principal_of(get_user(session, user), via="token")
        report = ops.import_xlsx(session, get_settings(), principal, form, content, _now(at))
    render(
        [{**r, "errors": "; ".join(r["errors"])} for r in report["rows"]],
        fmt,
        ["line", "unit", "period", "status", "errors"],
    )
    if report["error"]:
        raise typer.Exit(2)


@app.command()
def completeness(
    form: str = typer.Argument(..., help="Form id"),
    period: str = typer.Option(..., "--period", help="A day of the period (YYYY-MM-DD)"),
    unit: str = typer.Option("330000", "--unit", help="Roll up from this unit down (default: the province)"),
    at: str | None = typer.Option(None, "--at", help="As of this time with zone (default: now)"),
    fmt: OutputFormat = FormatOption,
) -> None:
    """Submitted, late, overdue, in progress and not started per unit, rolled up the hierarchy."""
    with unit_of_work(get_settings()) as session:
        rolled = ops.completeness(session, get_settings(), form, _day(period, "--period"), unit, _now(at))
    render(rolled["units"], fmt)


@app.command()
def reminders(
    counties: list[str] = typer.Argument(..., help="County codes"),
    at: str | None = typer.Option(None, "--at", help="As of this time with zone (default: now)"),
    fmt: OutputFormat = FormatOption,
) -> None:
    """Open forms due within six hours or overdue in the counties, with the workers to remind."""
    with unit_of_work(get_settings()) as session:
        rows = ops.reminders(session, get_settings(), counties, _now(at))
    render([{**r, "workers": ", ".join(r["workers"])} for r in rows], fmt)


@app.command()
def aggregate(
    forms_: list[str] = typer.Argument(None, metavar="FORM...", help="Forms (default: village_daily industry_weekly)"),
    fmt: OutputFormat = FormatOption,
) -> None:
    """Roll submissions up the hierarchy into lake datasets (survey_<form>, survey_industry_resumption)."""
    with unit_of_work(get_settings()) as session:
        names = forms_ or ["village_daily", "industry_weekly"]
        render(ops.aggregate(session, get_settings(), names, datetime.now(UTC)), fmt)


@app.command()
def corrections(
    county: str | None = typer.Option(None, "--county", help="Only this county"),
    fmt: OutputFormat = FormatOption,
) -> None:
    """Workers' corrections of the hub's pre-filled figures: data-quality signals for the stewards."""
    with unit_of_work(get_settings()) as session:
        render(ops.corrections(session, county), fmt)
