"""``fugong geo``: divisions, look-ups, industries and boundaries from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from fugong.cli_output import OutputFormat, parse_day, render
from fugong.geo.boundaries import load_boundaries
from fugong.geo.divisions import Division, Gazetteer, load_gazetteer
from fugong.geo.industries import sections
from fugong.settings import get_settings

app = typer.Typer(help="Geography: GB/T 2260 divisions, boundaries, GB/T 4754 industries.", no_args_is_help=True)

FormatOption = typer.Option(OutputFormat.table, "--format", help="table, csv or json")
OnOption = typer.Option(None, "--on", help="Date (YYYY-MM-DD) the divisions are valid on; default: reference date")


def _gazetteer() -> Gazetteer:
    settings = get_settings()
    return load_gazetteer(settings.province, settings.reference_date)


def _row(g: Gazetteer, d: Division) -> dict[str, str]:
    city = g.parent(d)
    return {"code": d.code, "name": d.name, "city_code": city.code, "city_name": city.name, "type": d.type}


@app.command()
def counties(
    city: str | None = typer.Option(None, help="Only this city's counties (code or name)"),
    on: str | None = OnOption,
    fmt: OutputFormat = FormatOption,
) -> None:
    """List the county-level divisions: code, name, city_code, city_name, type."""
    g = _gazetteer()
    day = parse_day(on, "--on")
    render([_row(g, d) for d in g.counties(on=day, city=city)], fmt, ["code", "name", "city_code", "city_name", "type"])


@app.command()
def cities(on: str | None = OnOption, fmt: OutputFormat = FormatOption) -> None:
    """List the prefecture-level cities."""
    g = _gazetteer()
    day = parse_day(on, "--on")
    render([{"code": d.code, "name": d.name} for d in g.cities(on=day)], fmt, ["code", "name"])


@app.command()
def lookup(value: str, on: str | None = OnOption) -> None:
    """Resolve a code, name, short name, old name or old code: prints 'code name'."""
    d = _gazetteer().lookup(value, on=parse_day(on, "--on"))
    typer.echo(f"{d.code} {d.name}")


@app.command()
def industries(fmt: OutputFormat = FormatOption) -> None:
    """List the GB/T 4754-2017 sections with their divisions and sector."""
    rows = [
        {
            "section": s.code,
            "name_zh": s.name_zh,
            "name_en": s.name_en,
            "divisions": f"{s.divisions[0]}-{s.divisions[-1]}",
            "sector": s.sector,
        }
        for s in sections()
    ]
    render(rows, fmt)


@app.command()
def boundaries(out: Path = typer.Option(..., help="GeoJSON file to write")) -> None:
    """Write the county boundaries as a GeoJSON FeatureCollection."""
    collection = load_boundaries(_gazetteer(), get_settings().province)
    out.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
    typer.echo(f"{len(collection['features'])} counties written to {out}")
