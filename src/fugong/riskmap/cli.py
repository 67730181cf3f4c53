"""``fugong riskmap``: grade counties, list colour changes, compare with the record, draw the map, the matrix."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import typer

from fugong.cli_output import OutputFormat, parse_day, render
from fugong.errors import InvalidInput
from fugong.geo import load_boundaries, load_gazetteer
from fugong.geo.divisions import Gazetteer
from fugong.riskmap.grading import on_day
from fugong.riskmap.levels import HIGH_TO_LOW
from fugong.riskmap.matrix import place
from fugong.riskmap.published import compare, published_counts
from fugong.riskmap.resumption import CountyResumption, ResumptionConfig, county_index
from fugong.riskmap.service import Units, changes_on, county_units, grade_file, grade_rows, units_from_file
from fugong.riskmap.svg import render as render_svg
from fugong.riskmap.tables import read_county_gdp, read_industry_rates, read_sector_shares
from fugong.settings import get_settings

app = typer.Typer(
    help="Epidemic five-colour map, county resumption index, and the two side by side.", no_args_is_help=True
)

CasesOption = typer.Option(
    None, "--cases", help="Case file: cdc_cases line list or county,day,new_confirmed (CSV/Parquet)"
)
DateOption = typer.Option(..., "--date", help="Day to grade (YYYY-MM-DD)")
FormatOption = typer.Option(OutputFormat.table, "--format", help="table, csv or json")
UnitsOption = typer.Option(
    None, "--units", help="Grade these units (file with code,name; e.g. towns) instead of counties"
)
PARAMS_HELP = "Also print the parameters (case file, span, configuration) as JSON on standard error"


def _gazetteer() -> Gazetteer:
    settings = get_settings()
    return load_gazetteer(settings.province, settings.reference_date)


def _units(path: Path | None) -> Units:
    return units_from_file(path) if path else county_units(_gazetteer())


def _day(text: str) -> date:
    day = parse_day(text, "--date")
    assert day is not None  # the option is required
    return day


@app.command()
def grade(
    cases: Path | None = CasesOption,
    on: str = DateOption,
    fmt: OutputFormat = FormatOption,
    units: Path | None = UnitsOption,
    params: bool = typer.Option(False, "--params", help=PARAMS_HELP),
) -> None:
    """Grade every county on a day: code, name, level, colour, score and the indicators."""
    day = _day(on)
    grading = grade_file(cases, _units(units), day, day)
    render(grade_rows(grading, day), fmt)
    if params:
        typer.echo(json.dumps(grading.parameters(), ensure_ascii=False), err=True)


@app.command()
def changes(
    cases: Path | None = CasesOption,
    on: str = DateOption,
    fmt: OutputFormat = FormatOption,
    units: Path | None = UnitsOption,
) -> None:
    """List the counties whose colour changed from the day before, and why."""
    day = _day(on)
    chosen = _units(units)
    grading = grade_file(cases, chosen, day - timedelta(days=1), day)
    rows = [
        {
            "code": c.unit,
            "name": chosen.names[c.unit],
            "from": c.before.colour,
            "to": c.after.colour,
            "direction": c.direction,
            "why": c.reason,
        }
        for c in changes_on(grading, day)
    ]
    render(rows, fmt, ["code", "name", "from", "to", "direction", "why"])


@app.command(name="compare")
def compare_record(cases: Path | None = CasesOption, fmt: OutputFormat = FormatOption) -> None:
    """Colour counts of the grading beside the published county maps of Feb 2020, with the distance."""
    record = published_counts()
    grading = grade_file(cases, county_units(_gazetteer()), min(r.day for r in record), max(r.day for r in record))
    rows = []
    for c in compare(grading.grades, record):
        row: dict[str, object] = {"day": c.day.isoformat()}
        for level in HIGH_TO_LOW:
            published = c.published[level]
            row[level.colour] = f"{c.graded[level]} / {'–' if published is None else published}"
        row["distance"] = c.distance
        rows.append(row)
    render(rows, fmt, ["day", *[level.colour for level in HIGH_TO_LOW], "distance"])


@app.command(name="map")
def draw_map(
    on: str = DateOption,
    out: Path = typer.Option(..., "--out", help="SVG file to write"),
    cases: Path | None = CasesOption,
    language: str = typer.Option("zh", "--language", help="Legend language: zh or en"),
) -> None:
    """Write the five-colour map of the counties on a day as a static SVG with a legend."""
    if out.suffix.lower() != ".svg":
        raise InvalidInput(f"--out {out}: only .svg is written (PNG needs a rasteriser the project does not ship)")
    if not out.parent.exists():
        raise InvalidInput(f"--out {out}: the folder {out.parent} does not exist", field="--out")
    day = _day(on)
    gazetteer = _gazetteer()
    grading = grade_file(cases, county_units(gazetteer), day, day)
    levels = {g.unit: g.level for g in on_day(grading.grades, day)}
    title = f"浙江省县域疫情风险五色图 {day}" if language == "zh" else f"Zhejiang county epidemic risk map, {day}"
    note = f"{Path(grading.table.origin).name}, {grading.config.version}"
    out.write_text(
        render_svg(
            load_boundaries(gazetteer, get_settings().province), levels, title=title, language=language, note=note
        ),
        encoding="utf-8",
    )
    typer.echo(f"{len(levels)} counties drawn to {out}")


def _resumption(power: Path, stats: Path, forms: Path | None) -> list[CountyResumption]:
    gazetteer = _gazetteer()

    def resolve(text: str) -> str:
        return gazetteer.lookup(text, level="county").code

    industry = read_industry_rates(forms, resolve) if forms else []
    return county_index(
        read_sector_shares(power, resolve), read_county_gdp(stats, resolve), ResumptionConfig(), industry
    )


PowerOption = typer.Option(..., "--power", help="county,[day,]sector,resumed_share,production_share (percent)")
StatsOption = typer.Option(..., "--stats", help="county_stats feed, or county,primary,secondary,tertiary")
FormsOption = typer.Option(
    None, "--forms", help="county,[day,]rate: above-designated-size industry resumption (percent)"
)


@app.command()
def resumption(
    power: Path = PowerOption,
    stats: Path = StatsOption,
    forms: Path | None = FormsOption,
    fmt: OutputFormat = FormatOption,
) -> None:
    """County resumption index: sector shares weighted by GDP structure, and its band."""
    names = {d.code: d.name for d in _gazetteer().counties()}
    rows = [
        {
            "code": r.county,
            "name": names.get(r.county, ""),
            "day": r.day.isoformat() if r.day else "",
            "index": f"{r.index:.2f}",
            "band": r.band.key,
            "band_zh": r.band.label(),
            **{f"w_{s}": f"{w:.3f}" for s, w in r.weights.items()},
            "sectors_missing": " ".join(r.sectors_missing),
        }
        for r in _resumption(power, stats, forms)
    ]
    render(rows, fmt)


@app.command()
def matrix(
    on: str = DateOption,
    power: Path = PowerOption,
    stats: Path = StatsOption,
    cases: Path | None = CasesOption,
    forms: Path | None = FormsOption,
    fmt: OutputFormat = FormatOption,
) -> None:
    """Place every county in the risk × resumption matrix on a day, with its action."""
    day = _day(on)
    units = county_units(_gazetteer())
    grading = grade_file(cases, units, day, day)
    rows = [
        {
            "code": p.county,
            "name": units.names[p.county],
            "colour": p.level.colour,
            "band": p.band.key if p.band else "",
            "action": p.action.key if p.action else "",
            "action_zh": p.action.zh if p.action else "no resumption figure",
        }
        for p in place(on_day(grading.grades, day), _resumption(power, stats, forms))
    ]
    render(rows, fmt, ["code", "name", "colour", "band", "action", "action_zh"])
