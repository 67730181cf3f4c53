"""``fugong power``: the electricity resumption index, its year-on-year comparison, shortfalls and gaming checks."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import typer

from fugong.cli_output import parse_day
from fugong.power.definitions import Parameters, PowerInputError, Ratio, Variant, View, parse_baseline
from fugong.power.index import parse_levels, population, units
from fugong.power.output import check_output, params_path, write_output
from fugong.power.readings import write_rejects
from fugong.power.runs import (
    IndexRun,
    Inputs,
    check_baseline,
    check_days,
    open_inputs,
    present,
    run_index,
)

app = typer.Typer(
    help="Electricity resumption index (企业复工电力指数) from daily meter readings.", no_args_is_help=True
)

ReadingsOption = typer.Option(
    ..., "--readings", help="Daily readings: long (user_id, day, kwh) or wide; CSV/Parquet/XLSX"
)
LakeReadingsOption = typer.Option(
    None,
    "--readings",
    help="Daily readings: long (user_id, day, kwh) or wide; CSV/Parquet/XLSX. Without it: the hub's lake",
)
UsersOption = typer.Option(None, "--users", help="Users file: user_id → credit_code, county_code, industry, ...")
BaselineOption = typer.Option(
    "2019-12-01..2019-12-31", "--baseline", help="START..END, a quarter like 2019Q4, lunar, or lunar:START..END"
)
ThresholdOption = typer.Option("0.3", "--threshold", help="Resumed when kWh ≥ threshold × baseline (exact)")
VariantOption = typer.Option(Variant.zhejiang, "--variant", help="Production share: zhejiang (resumed users) or all")
ViewOption = typer.Option(View.accounts, "--view", help="accounts, or enterprises (accounts summed per credit code)")
FromOption = typer.Option(None, "--from", help="First day to index (default: first day of the readings)")
ToOption = typer.Option(None, "--to", help="Last day to index (default: last day of the readings)")
ByOption = typer.Option(
    "province", "--by", help="Levels: province,city,county,industry,sector,size,key or a+b combinations"
)
OutOption = typer.Option(..., "--out", help="Output file: .csv, .parquet or .xlsx (parameters beside it)")


def _parameters(
    inputs: Inputs,
    baseline: str,
    threshold: str,
    variant: Variant,
    view: View,
    first: str | None,
    last: str | None,
    by: str,
) -> Parameters:
    first_day = parse_day(first, "--from") or inputs.readings.first_day
    last_day = parse_day(last, "--to") or inputs.readings.last_day
    if first_day > last_day:
        raise PowerInputError(f"--from {first_day} is after --to {last_day}", field="--from")
    levels = parse_levels(by)
    if inputs.users is None and levels != ("province",):
        raise PowerInputError("--by other than province needs --users (who is in which county/industry)", field="--by")
    if view is View.enterprises and inputs.users is None:
        raise PowerInputError(
            "--view enterprises needs --users (which accounts belong to which enterprise)", field="--view"
        )
    return Parameters(
        parse_baseline(baseline, first_day, last_day),
        Ratio.parse(threshold, "--threshold"),
        variant,
        view,
        levels,
        first_day,
        last_day,
    )


def _echo_run(run: IndexRun, out: Path, rejects: int) -> None:
    typer.echo(f"parameters: {run.parameters.summary()}")
    for note in run.notes:
        typer.echo(f"note: {note}")
    if rejects:
        typer.echo(f"note: {rejects} rejected rows listed in {out.with_name(out.name + '.rejects.csv')}")
    province = run.figures[run.figures["level"] == "province"]
    if len(province):
        last = province.iloc[-1]
        typer.echo(
            f"{last['day']}: index {last['index']:.2f} (resumed share {last['resumed_share']:.2f}%, production share "
            f"{last['production_share']:.2f}%, {last['resumed_users']} of {last['users']} users resumed, "
            f"{last['missing_users']} without a reading)"
        )
    typer.echo(f"wrote {len(run.figures)} rows to {out}; parameters in {params_path(out)}")


def _finish(inputs: Inputs, run: IndexRun, out: Path) -> None:
    rejects = write_rejects(inputs.con, out.with_name(out.name + ".rejects.csv"))
    write_output(run.figures, out, run.parameters, {"notes": run.notes})
    _echo_run(run, out, rejects)


@app.command("index")
def index_command(
    readings: Path | None = LakeReadingsOption,
    users: Path | None = UsersOption,
    baseline: str = BaselineOption,
    threshold: str = ThresholdOption,
    variant: Variant = VariantOption,
    view: View = ViewOption,
    first: str | None = FromOption,
    last: str | None = ToOption,
    by: str = ByOption,
    out: Path = OutOption,
) -> None:
    """Compute the index per day and level: users, resumed, missing, the two shares and the index (percent)."""
    check_output(out)
    if readings is None:
        from fugong.power.lake import lake_index, parameters_from_text
        from fugong.settings import get_settings

        _no_users_without_readings(users)
        settings = get_settings()
        days = parse_day(first, "--from"), parse_day(last, "--to")
        params = parameters_from_text(settings, baseline, threshold, variant, view, *days)
        run = lake_index(settings, by, params)
        write_output(run.figures, out, run.parameters, {"notes": run.notes})
        _echo_run(run, out, 0)
        return
    inputs = open_inputs(readings, users)
    params = _parameters(inputs, baseline, threshold, variant, view, first, last, by)
    _finish(inputs, run_index(inputs, params), out)


@app.command("compare")
def compare_command(
    readings: Path = ReadingsOption,
    users: Path | None = UsersOption,
    baseline: str = BaselineOption,
    previous_baseline: str | None = typer.Option(
        None, "--previous-baseline", help="Baseline for the previous year (default: the same as --baseline)"
    ),
    threshold: str = ThresholdOption,
    variant: Variant = VariantOption,
    view: View = ViewOption,
    first: str | None = FromOption,
    last: str | None = ToOption,
    by: str = ByOption,
    out: Path = OutOption,
    chart: Path | None = typer.Option(None, "--chart", help="Also draw both years' province index as an SVG"),
) -> None:
    """Each day beside the day of the previous year as far from Chinese New Year (lunar-aligned)."""
    from fugong.power.compare import comparison_chart, lunar_comparison

    check_output(out)
    inputs = open_inputs(readings, users)
    params = _parameters(inputs, baseline, threshold, variant, view, first, last, by).with_inputs(*inputs.files)
    check_baseline(inputs.con, params.baseline, inputs.readings)
    before_window = parse_baseline(previous_baseline) if previous_baseline else None
    if before_window:
        check_baseline(inputs.con, before_window, inputs.readings)
    table, before = lunar_comparison(*inputs.tables(), params, before_window)
    if before.first_day and before.last_day:
        check_days(inputs.con, before.first_day, before.last_day, "the previous year's days", inputs.readings)
    write_output(table, out, params, {"previous_year": before.as_dict(), "notes": inputs.notes()})
    typer.echo(f"parameters: {params.summary()}")
    typer.echo(f"previous year: {before.summary()}")
    province = table[table["level"] == "province"]
    for row in province.iloc[:: max(1, len(province) // 8)].itertuples():
        typer.echo(
            f"{row.day} (day {row.days_from_new_year:+d}): index {row.index:.2f} vs {row.previous_day} "
            f"{row.previous_index:.2f} ({row.index_change:+.2f} points)"
        )
    typer.echo(f"wrote {len(table)} rows to {out}; parameters in {params_path(out)}")
    if chart is not None:
        chart.write_text(comparison_chart(table, params, before), encoding="utf-8")
        typer.echo(f"chart written to {chart}")


@app.command("shortfall")
def shortfall_command(
    readings: Path | None = LakeReadingsOption,
    users: Path | None = UsersOption,
    links: Path | None = typer.Option(None, "--links", help="Supply links: enterprise_id → supplier_id"),
    baseline: str = BaselineOption,
    threshold: str = ThresholdOption,
    below: str = typer.Option("0.6", "--below", help="Held back while kWh < below × baseline"),
    days: int = typer.Option(3, "--days", help="… on this many consecutive days"),
    as_of: str = typer.Option(..., "--as-of", help="The day the list is for (YYYY-MM-DD)"),
    view: View = typer.Option(View.enterprises, "--view", help="enterprises (default, needs --users) or accounts"),
    county: str | None = typer.Option(None, "--county", help="Only this county (lake only; GB/T 2260 code)"),
    out: Path = OutOption,
) -> None:
    """List firms resumed but below a share of baseline for consecutive days, with their suppliers' status."""
    from fugong.power.shortfall import ShortfallRules, load_links, shortfalls

    check_output(out)
    day = parse_day(as_of, "--as-of")
    assert day is not None
    rules = ShortfallRules(Ratio.parse(below, "--below"), days)
    if readings is None:
        from fugong.power.lake import lake_shortfalls, parameters_from_text
        from fugong.settings import get_settings

        _no_users_without_readings(users)
        if links is not None:
            raise PowerInputError("--links goes with --readings; the lake's supply_links are used", field="--links")
        settings = get_settings()
        found = lake_shortfalls(
            settings, day, county, parameters_from_text(settings, baseline, threshold, view=View.enterprises), rules
        )
        write_output(found.rows, out, found.parameters, {"below": rules.below.text, "days": rules.days})
        _echo_shortfalls(found.parameters, rules, len(found.rows), day, out)
        return
    if county is not None:
        raise PowerInputError("--county works on the lake (without --readings); use a users file", field="--county")
    inputs = open_inputs(readings, users)
    view = view if users is not None else View.accounts
    params = replace(
        _parameters(inputs, baseline, threshold, Variant.zhejiang, view, None, None, "province"),
        first_day=day,
        last_day=day,
    ).with_inputs(*inputs.files)
    check_baseline(inputs.con, params.baseline, inputs.readings)
    link_table = None
    if links is not None:
        load_links(inputs.con, links)
        link_table = inputs.backend.table("links")
    unit_readings, unit_users = units(*inputs.tables(), params)
    pop = population(unit_readings, unit_users, params)
    table = shortfalls(unit_readings, pop, params, day, link_table, rules)
    write_output(table, out, params, {"below": rules.below.text, "days": rules.days})
    _echo_shortfalls(params, rules, len(table), day, out)


def _no_users_without_readings(users: Path | None) -> None:
    if users is not None:
        raise PowerInputError(
            "--users goes with --readings; without --readings the lake's grid_accounts and market_registry are used",
            field="--users",
        )


def _echo_shortfalls(params: Parameters, rules: Any, rows: int, day: date, out: Path) -> None:
    typer.echo(f"parameters: {params.summary()}; below {rules.below.text} for {rules.days} days")
    typer.echo(f"{rows} firms resumed but below {rules.below.text} of baseline for {rules.days} days up to {day}")
    typer.echo(f"wrote {rows} rows to {out}; parameters in {params_path(out)}")


@app.command("gaming")
def gaming_command(
    readings: Path | None = LakeReadingsOption,
    users: Path | None = UsersOption,
    workforce: Path | None = typer.Option(None, "--workforce", help="enterprise_id, day, on_site, headcount"),
    baseline: str = BaselineOption,
    threshold: str = ThresholdOption,
    view: View = ViewOption,
    first: str | None = FromOption,
    last: str | None = ToOption,
    county: str | None = typer.Option(None, "--county", help="Only this county (lake only; GB/T 2260 code)"),
    out: Path = OutOption,
) -> None:
    """Flag signs of faked resumption (flat load, jump to baseline, kWh beyond the staff on site), with reasons."""
    from fugong.power.gaming import gaming_flags, load_workforce

    check_output(out)
    if readings is None:
        _lake_gaming(users, workforce, baseline, threshold, view, first, last, county, out)
        return
    if county is not None:
        raise PowerInputError("--county works on the lake (without --readings); use a users file", field="--county")
    inputs = open_inputs(readings, users)
    params = _parameters(inputs, baseline, threshold, Variant.zhejiang, view, first, last, "province")
    params = params.with_inputs(*inputs.files)
    check_baseline(inputs.con, params.baseline, inputs.readings)
    work = None
    if workforce is not None:
        load_workforce(inputs.con, workforce)
        work = inputs.backend.table("workforce")
    unit_readings, unit_users = units(*inputs.tables(), params)
    pop = population(unit_readings, unit_users, params)
    flags = gaming_flags(unit_readings, pop, params, work)
    write_output(flags, out, params)
    _echo_flags(flags, "user_id", params, out)


def _lake_gaming(
    users: Path | None,
    workforce: Path | None,
    baseline: str,
    threshold: str,
    view: View,
    first: str | None,
    last: str | None,
    county: str | None,
    out: Path,
) -> None:
    """``fugong power gaming`` without ``--readings``: the flat and jump checks on the lake's readings."""
    from fugong.power.lake import lake_gaming, parameters_from_text
    from fugong.settings import get_settings

    _no_users_without_readings(users)
    if workforce is not None:
        raise PowerInputError(
            "--workforce goes with --readings: the lake has no table of staff on site", field="--workforce"
        )
    settings = get_settings()
    params = parameters_from_text(
        settings, baseline, threshold, view=view, first_day=parse_day(first, "--from"), last_day=parse_day(last, "--to")
    )
    found = lake_gaming(settings, params.first_day, params.last_day, county, params)
    write_output(found.rows, out, found.parameters)
    _echo_flags(found.rows, "account_id", found.parameters, out)


def _echo_flags(flags: pd.DataFrame, unit: str, params: Parameters, out: Path) -> None:
    typer.echo(f"parameters: {params.summary()}")
    counts: dict[str, Any] = flags.groupby("check")[unit].nunique().to_dict() if len(flags) else {}
    typer.echo(
        f"{flags[unit].nunique() if len(flags) else 0} users flagged ("
        + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))
        + "); flagged users stay in the index"
    )
    typer.echo(f"wrote {len(flags)} rows to {out}; parameters in {params_path(out)}")


@app.command("build-state")
def build_state_command(
    readings: Path = ReadingsOption,
    users: Path | None = UsersOption,
    baseline: str = BaselineOption,
    threshold: str = ThresholdOption,
    variant: Variant = VariantOption,
    view: View = ViewOption,
    first: str | None = FromOption,
    last: str | None = ToOption,
    by: str = ByOption,
    state: Path = typer.Option(..., "--state", help="Folder for the stored baselines and figures"),
) -> None:
    """Store per-user baselines and the figures so far, for one-day incremental updates (add-day)."""
    from fugong.power.incremental import build_state

    inputs = open_inputs(readings, users)
    params = _parameters(inputs, baseline, threshold, variant, view, first, last, by)
    run = build_state(inputs, params, state)
    typer.echo(f"parameters: {run.parameters.summary()}")
    typer.echo(f"stored baselines and {len(run.figures)} rows of figures in {state}")


@app.command("add-day")
def add_day_command(
    state: Path = typer.Option(..., "--state", help="Folder made by build-state"),
    readings: Path = ReadingsOption,
    out: Path | None = typer.Option(None, "--out", help="Also write the new days' figures here"),
) -> None:
    """Compute only the new day(s) in --readings against the stored baselines, and append them."""
    from fugong.power.incremental import add_days
    from fugong.power.runs import default_namer

    if out is not None:
        check_output(out)
    run = add_days(state, readings)
    frame: pd.DataFrame = present(run.figures, default_namer())
    run = IndexRun(frame, run.parameters, run.notes)
    days: list[date] = sorted(set(frame["day"]))
    typer.echo(f"added {days[0]}..{days[-1]} ({len(frame)} rows) to {state}")
    if out is not None:
        write_output(frame, out, run.parameters, {"notes": run.notes})
        _echo_run(run, out, 0)
