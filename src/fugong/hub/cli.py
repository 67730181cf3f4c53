"""``fugong hub``: ingest feeds, read the catalog and quarantine, trace rows, manage grants, query the audit log."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer

from fugong.cli_output import OutputFormat, render
from fugong.settings import get_settings

app = typer.Typer(help="Data hub (数据中台): feeds, lake, catalog, lineage, access and audit.", no_args_is_help=True)

FormatOption = typer.Option(OutputFormat.table, "--format", help="table, csv or json")


def _json(value: Any) -> None:
    json.dump(value, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


@app.command()
def feeds(fmt: OutputFormat = FormatOption) -> None:
    """List the feed contracts: name, version, title, owner, cadence, mode, keys."""
    from fugong.hub.plugins import contracts

    rows = [
        {
            "feed": c.name,
            "version": c.version,
            "title": c.title,
            "owner": c.owner,
            "update_frequency": c.update_frequency,
            "mode": c.mode,
            "keys": ",".join(c.keys),
        }
        for c in contracts().values()
    ]
    render(rows, fmt, ["feed", "version", "title", "owner", "update_frequency", "mode", "keys"])


@app.command()
def contract(feed: str, fmt: OutputFormat = FormatOption) -> None:
    """Show one feed's contract: its columns with header, kind, unit, required and personal flags."""
    from fugong.hub.plugins import get_contract

    c = get_contract(feed)
    rows = [
        {
            "column": col.name,
            "header": col.title,
            "kind": str(col.kind),
            "type": col.sql_type,
            "unit": col.unit or "",
            "required": "yes" if col.required else "",
            "key": "yes" if col.name in c.keys else "",
            "personal": "yes" if col.is_personal else "",
            "kept": "yes" if col.keep else "dropped",
        }
        for col in c.columns
    ]
    render(rows, fmt, ["column", "header", "kind", "type", "unit", "required", "key", "personal", "kept"])


@app.command()
def ingest(
    feed: str,
    paths: list[Path] = typer.Argument(..., help="Files of the feed (CSV, XLSX, JSON lines, Parquet)"),
    max_bytes: int | None = typer.Option(None, "--max-bytes", help="Refuse files larger than this (bytes)"),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON"),
) -> None:
    """Ingest files of FEED into a new version of its dataset; print what was accepted and quarantined."""
    from fugong.hub.ingest import ingest as run

    report = run(feed, paths, settings=get_settings(), max_bytes=max_bytes)
    if as_json:
        _json(report.as_dict())
    else:
        typer.echo(report.summary())


@app.command("ingest-dir")
def ingest_dir(
    folder: Path = typer.Argument(..., help="A folder with a manifest.json (as `fugong sim generate` writes)"),
    as_json: bool = typer.Option(False, "--json", help="Print the reports as JSON"),
) -> None:
    """Ingest every feed a manifest lists (late files last, as they arrived); exit 2 if any feed failed."""
    from fugong.hub.folders import ingest_folder

    result = ingest_folder(folder, settings=get_settings())
    if as_json:
        _json({"reports": [r.as_dict() for r in result.reports], "failures": result.failures})
    else:
        for report in result.reports:
            typer.echo(report.summary())
        for feed, message in result.failures.items():
            typer.echo(f"{feed}: FAILED: {message}", err=True)
    if result.failures:
        raise typer.Exit(2)


@app.command()
def catalog(fmt: OutputFormat = FormatOption) -> None:
    """The catalog: every dataset with owner, rows, snapshot, freshness and quality."""
    from fugong.hub.catalog import catalog as entries

    found = entries(get_settings())
    if fmt is OutputFormat.json:
        _json(found)
        return
    rows = [
        {
            "dataset": e["name"],
            "title": e["title"],
            "owner": e["owner"],
            "rows": e.get("rows", ""),
            "snapshot": e["snapshot_id"] or "",
            "updated": e.get("updated_at") or "",
            "freshness": e["freshness"],
            "accepted": "" if not e.get("quality") else e["quality"]["accepted_share"],
            "quarantined": "" if not e.get("quality") else e["quality"]["quarantined"],
        }
        for e in found
    ]
    columns = ["dataset", "title", "owner", "rows", "snapshot", "updated", "freshness", "accepted", "quarantined"]
    render(rows, fmt, columns)


@app.command()
def versions(dataset: str, fmt: OutputFormat = FormatOption) -> None:
    """Every committed version of DATASET: snapshot id, time, rows, and what its ingest read."""
    from fugong.hub.catalog import entry

    found = entry(dataset, get_settings()).get("versions", [])
    rows = [{**v, "files": ", ".join(v["files"])} for v in found]
    render(rows, fmt, ["snapshot_id", "created_at", "rows", "read", "accepted", "quarantined", "files"])


@app.command()
def vacuum(
    datasets: list[str] | None = typer.Argument(None, help="Datasets to clean up (default: every dataset)"),
    keep: int = typer.Option(2, "--keep", help="Keep the newest N versions (at least 1: the current one)"),
    older_than: float | None = typer.Option(None, "--older-than", help="Remove only versions older than DAYS"),
    as_json: bool = typer.Option(False, "--json", help="Print the reports as JSON"),
) -> None:
    """Delete old dataset versions (default: keep the current and the previous one); print what was removed."""
    from fugong.hub.vacuum import vacuum as run

    reports = run(datasets, keep=keep, older_than_days=older_than, settings=get_settings())
    if as_json:
        _json([r.as_dict() for r in reports])
        return
    if not reports:
        typer.echo("nothing to remove: the lake has no datasets")
    for report in reports:
        typer.echo(report.summary())
    if any(r.removed for r in reports):
        typer.echo("Figures that name a removed snapshot can no longer be reproduced from the lake.")


@app.command()
def quarantine(
    dataset: str,
    reason: str | None = typer.Option(None, help="Only this reason (e.g. bad_check_character)"),
    file: str | None = typer.Option(None, help="Only rows of this file"),
    limit: int = typer.Option(50, help="At most this many records"),
    fmt: OutputFormat = FormatOption,
) -> None:
    """Quarantined rows of DATASET: file, line, column, raw value (masked if personal), reason."""
    from fugong.hub.lake import get_lake
    from fugong.hub.quarantine import read_records

    version = get_lake(get_settings()).require(dataset)
    rows = read_records(version, reason=reason, file=file, limit=limit)
    render(rows, fmt, ["file", "line", "column", "value", "reason", "detail"])


@app.command()
def trace(
    dataset: str,
    key: list[str] = typer.Argument(..., help="The row's key values, in the contract's key order"),
    as_json: bool = typer.Option(False, "--json", help="Print the trace as JSON"),
) -> None:
    """Trace a row of DATASET by its key to the file and line it came from."""
    from fugong.hub.lineage import trace as run

    found = run(dataset, key, get_settings())
    if as_json:
        _json(found)
        return
    key_text = ", ".join(f"{k}={v}" for k, v in found["key"].items())
    typer.echo(f"{dataset}@{found['snapshot_id']} {key_text}: {len(found['rows'])} row(s)")
    for row in found["rows"]:
        typer.echo(
            f"  {row['file']} line {row['line']} (sha256 {str(row['sha256'])[:12]}…, {row['format']}"
            f"{', ' + row['encoding'] if row['encoding'] else ''}), ingested in {row['ingested_in']} "
            f"at {row['ingested_at']}"
        )
        for fix in row["fixes"]:
            typer.echo(f"    standardised {fix['column']}: {fix['raw']!r} → {fix['standard']!r} ({fix['fix']})")
    for dup in found["duplicates"]:
        typer.echo(f"  duplicate quarantined: {dup['file']} line {dup['line']} ({dup['detail']})")


@app.command()
def apps(fmt: OutputFormat = FormatOption) -> None:
    """Plugins (apps) loaded, with the feeds, datasets and panels each adds; and any that failed to load."""
    from fugong.hub.plugins import failed_plugins, get_plugin_manager

    manager = get_plugin_manager()
    rows: list[dict[str, Any]] = []
    for name, plugin in manager.list_name_plugin():
        hooks = [h.name for h in manager.get_hookcallers(plugin) or []]
        rows.append({"app": name, "hooks": ", ".join(sorted(hooks)), "status": "loaded"})
    rows += [{"app": name, "hooks": "", "status": f"failed: {why}"} for name, why in failed_plugins.items()]
    render(rows, fmt, ["app", "hooks", "status"])


def _store() -> Any:
    from fugong.store import Store, migrate

    settings = get_settings()
    migrate.ensure_current(settings.store_url)  # a new store is created; an old one is a clear error
    return Store.from_settings(settings)


@app.command()
def grant(
    grantee: str = typer.Argument(..., help="A role (analyst, county_official …) or, with --app, an app name"),
    dataset: str = typer.Argument(...),
    purpose: str = typer.Option(..., help="What the data is read for (recorded with every read)"),
    columns: str | None = typer.Option(None, help="Comma-separated columns (default: all)"),
    is_app: bool = typer.Option(False, "--app", help="GRANTEE is an app, not a role"),
    by: str = typer.Option("cli", help="Who grants (recorded)"),
) -> None:
    """Grant a role or an app read access to DATASET (some or all columns) for a purpose."""
    from fugong.hub.access import grant as make

    store = _store()
    try:
        with store.session() as session:
            entry = make(
                session,
                grantee_kind="app" if is_app else "role",
                grantee=grantee,
                dataset=dataset,
                columns=[c.strip() for c in columns.split(",") if c.strip()] if columns else None,
                purpose=purpose,
                granted_by=by,
                settings=get_settings(),
            )
            typer.echo(f"grant {entry.id}: {entry.grantee_kind} {entry.grantee} may read {dataset} ({entry.columns})")
    finally:
        store.dispose()


@app.command()
def revoke(grant_id: int) -> None:
    """Revoke a grant by its id."""
    from fugong.hub.access import revoke as end

    store = _store()
    try:
        with store.session() as session:
            entry = end(session, grant_id)
            typer.echo(f"grant {entry.id} revoked")
    finally:
        store.dispose()


@app.command()
def grants(
    dataset: str | None = typer.Option(None, help="Only grants on this dataset"), fmt: OutputFormat = FormatOption
) -> None:
    """Active grants: who may read which columns of which dataset, for what purpose."""
    from fugong.hub.access import grant_dict
    from fugong.hub.access import grants as active

    store = _store()
    try:
        with store.session() as session:
            rows = [grant_dict(g) for g in active(session, dataset)]
    finally:
        store.dispose()
    render(rows, fmt, ["id", "grantee_kind", "grantee", "dataset", "columns", "purpose", "granted_by", "granted_at"])


@app.command("audit")
def audit_log(
    dataset: str | None = typer.Option(None, help="Only reads of this dataset"),
    actor: str | None = typer.Option(None, help="Only reads by this user or app"),
    outcome: str | None = typer.Option(None, help="granted or denied"),
    limit: int = typer.Option(50, help="At most this many records"),
    fmt: OutputFormat = FormatOption,
) -> None:
    """The audit log of reads of personal data and refused reads, newest first (append-only)."""
    from fugong.hub.audit import query

    store = _store()
    try:
        with store.session() as session:
            rows = query(session, dataset=dataset, actor=actor, outcome=outcome, limit=limit)
    finally:
        store.dispose()
    columns = ["id", "at", "actor", "roles", "via", "dataset", "snapshot_id", "columns", "purpose", "outcome", "rows"]
    render(rows, fmt, columns)
