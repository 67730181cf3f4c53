"""``fugong enterprise``: the register from the lake, suspensions synced with the county colours, tasks, template."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from fugong.enterprise import employees, registry, service, tasks
from fugong.settings import get_settings
from fugong.store import Store, unit_of_work, utcnow

app = typer.Typer(help="Enterprise resumption platform: register, suspensions, service tasks.", no_args_is_help=True)


def _store() -> Store:
    return Store.from_settings(get_settings())


@app.command("sync-registry")
def sync_registry() -> None:
    """Copy the lake's market_registry into the store (run after each ingest of the register)."""
    with unit_of_work(get_settings()) as session:
        report = registry.sync_from_lake(session, get_settings())
    typer.echo(json.dumps(report.as_json(), ensure_ascii=False))


@app.command()
def suspend() -> None:
    """Sync with the lake's current risk grading: suspend in red counties, resume where no longer red."""
    with unit_of_work(get_settings()) as session:
        outcome = service.sync_colours(session, get_settings(), None, utcnow())
    typer.echo(json.dumps(outcome, ensure_ascii=False))


@app.command("supplier-tasks")
def supplier_tasks() -> None:
    """Open a service task for each registered supplier a declaring firm needs that has not resumed."""
    with unit_of_work(get_settings()) as session:
        made = tasks.supplier_tasks(session, "system", utcnow())
        typer.echo(json.dumps({"opened": [t.title for t in made]}, ensure_ascii=False))


@app.command("shortfall-tasks")
def shortfall_tasks() -> None:
    """Open a service task for each registered firm on the power shortfall list (last day of the readings)."""
    from fugong.enterprise.signals import lake_shortfalls

    settings = get_settings()
    rows, source = lake_shortfalls(settings)
    with unit_of_work(get_settings()) as session:
        made = tasks.shortfall_tasks(session, rows, source, "system", utcnow())
        typer.echo(json.dumps({"source": source, "opened": [t.title for t in made]}, ensure_ascii=False))


@app.command()
def template(out: Path = typer.Argument(..., help="Where to write the XLSX template")) -> None:
    """Write the employee-list template (XLSX, Chinese headers)."""
    out.write_bytes(employees.template())
    typer.echo(str(out))
