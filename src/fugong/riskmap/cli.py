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
from fugong.riskmap.layers import check_kind, resumption_layer, risk_layer
from fugong.riskmap.levels import HIGH_TO_LOW
from fugong.riskmap.matrix import place
from fugong.riskmap.plugin import NoCaseData, lake_grading
from fugong.riskmap.png import render_png
from fugong.riskmap.published import compare, published_counts
from fugong.riskmap.resumption import CountyResumption, ResumptionConfig, county_index
from fugong.riskmap.service import Grading, Units, changes_on, county_units, grade_file, grade_rows, units_from_file
from fugong.riskmap.svg import check_language, render_layer
from fugong.riskmap.tables import read_county_gdp, read_industry_rates, read_sector_shares
from fugong.settings import get_settings

app = typer.Typer(
    help="Epidemic five-colour map, county resumption index, and the two side by side.", no_args_is_help=True
)

CasesOption = typer.Option(
    None,
    "--cases",
    help="Case file: cdc_cases line list or county,day,new_confirmed (CSV/Parquet). Without it: the hub's lake",
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


def _grading(cases: Path | None, units: Path | None, start: date, end: date) -> Grading:
    """Grade a case file, or without one the lake's current ``cdc_cases`` (named on standard error)."""
    if cases is not None:
        return grade_file(cases, _units(units), start, end)
    if units is not None:
        raise InvalidInput("--units goes with --cases: the lake's case list is graded by county", field="--units")
    try:
        grading = lake_grading(get_settings())
    except NoCaseData as exc:
        raise NoCaseData(f"no --cases given and {exc.detail}", field="--cases") from None
    for day in sorted({start, end}):
        grading.table.check_day(day, "--date")
    typer.echo(f"cases: {grading.table.origin} (the lake's current case list)", err=True)
    return grading


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
    grading = _grading(cases, units, day, day)
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
    grading = _grading(cases, units, day - timedelta(days=1), day)
    rows = [
        {
            "code": c.unit,
            "name": grading.units.names[c.unit],
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
    grading = _grading(cases, None, min(r.day for r in record), max(r.day for r in record))
    rows = []
    for c in compare(grading.grades, record):
        row: dict[str, object] = {"day": c.day.isoformat()}
        for level in HIGH_TO_LOW:
            published = c.published[level]
            row[level.colour] = f"{c.graded[level]} / {'–' if published is None else published}"
        row["distance"] = c.distance
        rows.append(row)
    render(rows, fmt, ["day", *[level.colour for level in HIGH_TO_LOW], "distance"])


PowerOption = typer.Option(..., "--power", help="county,[day,]sector,resumed_share,production_share (percent)")
StatsOption = typer.Option(..., "--stats", help="county_stats feed, or county,primary,secondary,tertiary")
FormsOption = typer.Option(
    None, "--forms", help="county,[day,]rate: above-designated-size industry resumption (percent)"
)


MAP_FORMATS = {".svg": "svg", ".png": "png"}


def _map_format(out: Path, fmt: str | None) -> str:
    image = MAP_FORMATS.get(out.suffix.lower())
    if image is None:
        raise InvalidInput(f"--out {out}: only .svg and .png maps are written", field="--out")
    if fmt is not None and fmt != image:
        raise InvalidInput(f"--format {fmt} but --out {out} ends in .{image}", field="--format")
    if not out.parent.exists():
        raise InvalidInput(f"--out {out}: the folder {out.parent} does not exist", field="--out")
    return image


@app.command(name="map")
def draw_map(
    on: str = DateOption,
    out: Path = typer.Option(..., "--out", help="Map file to write: FILE.svg or FILE.png"),
    cases: Path | None = CasesOption,
    language: str = typer.Option("zh", "--language", help="Legend language: zh or en"),
    fmt: str | None = typer.Option(None, "--format", help="svg or png (default: from the --out suffix)"),
    kind: str = typer.Option(
        "risk", "--kind", help="risk (--cases, or the lake's cases) or resumption (needs --power, --stats)"
    ),
    power: Path | None = typer.Option(None, "--power", help="For --kind resumption: the power figures file"),
    stats: Path | None = typer.Option(None, "--stats", help="For --kind resumption: county_stats"),
    forms: Path | None = FormsOption,
) -> None:
    """Write the risk (five-colour) or resumption map of the counties on a day as SVG or PNG, with a legend."""
    image = _map_format(out, fmt)
    check_kind(kind)
    check_language(language)
    day = _day(on)
    gazetteer = _gazetteer()
    if kind == "risk":
        grading = _grading(cases, None, day, day)
        levels = {g.unit: g.level for g in on_day(grading.grades, day)}
        title = f"浙江省县域疫情风险五色图 {day}" if language == "zh" else f"Zhejiang county epidemic risk map, {day}"
        origin = grading.table.origin if cases is None else Path(grading.table.origin).name
        note = f"{origin}, {grading.config.version}"
        layer = risk_layer(levels, title=title, language=language, note=note)
    else:
        if power is None or stats is None:
            raise InvalidInput("--kind resumption needs --power and --stats", field="--power")
        figures = [r for r in _resumption(power, stats, forms) if r.day in (day, None)]
        title = f"浙江省县域复工指数 {day}" if language == "zh" else f"Zhejiang county resumption index, {day}"
        note = ", ".join(p.name for p in (power, stats, forms) if p is not None)
        layer = resumption_layer({r.county: r.band for r in figures}, title=title, language=language, note=note)
    boundaries = load_boundaries(gazetteer, get_settings().province)
    if image == "png":
        out.write_bytes(render_png(boundaries, layer, language=language))
    else:
        out.write_text(render_layer(boundaries, layer, language=language), encoding="utf-8")
    typer.echo(f"{len(layer.fills)} counties drawn to {out}")


def _resumption(power: Path, stats: Path, forms: Path | None) -> list[CountyResumption]:
    gazetteer = _gazetteer()

    def resolve(text: str) -> str:
        return gazetteer.lookup(text, level="county").code

    industry = read_industry_rates(forms, resolve) if forms else []
    return county_index(
        read_sector_shares(power, resolve), read_county_gdp(stats, resolve), ResumptionConfig(), industry
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
    grading = _grading(cases, None, day, day)
    rows = [
        {
            "code": p.county,
            "name": grading.units.names[p.county],
            "colour": p.level.colour,
            "band": p.band.key if p.band else "",
            "action": p.action.key if p.action else "",
            "action_zh": p.action.zh if p.action else "no resumption figure",
        }
        for p in place(on_day(grading.grades, day), _resumption(power, stats, forms))
    ]
    render(rows, fmt, ["code", "name", "colour", "band", "action", "action_zh"])
