"""The mask-stocks app's hook implementations: a feed, a derived dataset, a route, a command and a panel."""

from __future__ import annotations

from typing import Any

import duckdb
import typer
from fastapi import APIRouter, Depends, Request

from fugong.auth.deps import require_roles
from fugong.geo import load_gazetteer
from fugong.hub.contracts.base import Column, Contract, Kind
from fugong.hub.hookspecs import hookimpl
from fugong.hub.lake import relation
from fugong.hub.specs import DatasetSpec, Panel
from fugong.settings import Settings, get_settings

FEED = Contract(
    name="mask_stocks",
    version="1.0",
    title="口罩库存",
    owner="省经信厅（应急物资保障组）",
    update_frequency="daily",
    mode="append",
    keys=("depot_id", "day"),
    partition_by="day",
    formats=("csv", "xlsx"),
    description="One row per depot per day: stock of medical and N95 masks at the end of the day.",
    columns=(
        Column("depot_id", Kind.text, "储备点编号", required=True),
        Column("county_code", Kind.region, "县区", required=True),
        Column("day", Kind.date, "日期", required=True),
        Column("medical_masks", Kind.integer, "医用口罩", required=True, unit="只", minimum=0),
        Column("n95_masks", Kind.integer, "N95口罩", unit="只", minimum=0),
    ),
)

BY_COUNTY = DatasetSpec(
    name="mask_stocks_by_county",
    title="各县口罩库存",
    owner="省经信厅（应急物资保障组）",
    inputs=("mask_stocks",),
    sql=(
        "SELECT county_code, day, sum(medical_masks) AS medical_masks, sum(coalesce(n95_masks, 0)) AS n95_masks "
        "FROM mask_stocks GROUP BY county_code, day"
    ),
    description="Each county's mask stock on each day (sum over its depots).",
)


def latest_by_county(settings: Settings) -> dict[str, Any]:
    """Each county's stock on the latest day it reported, and the snapshot that figure read."""
    found = relation(BY_COUNTY.name, settings)
    query = f"SELECT * FROM ({found.sql}) QUALIFY day = max(day) OVER (PARTITION BY county_code) ORDER BY county_code"
    with duckdb.connect() as con:
        cursor = con.execute(query)
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]
    gazetteer = load_gazetteer(settings.province, settings.reference_date)
    for row in rows:
        row["county_name"] = gazetteer.get(row["county_code"]).name
        row["day"] = row["day"].isoformat()
    return {"snapshot_id": found.snapshot_id, "rows": rows}


router = APIRouter(tags=["mask stocks"])


@router.get("/api/apps/mask-stocks/latest")
def latest(request: Request, _: Any = Depends(require_roles("analyst", "county_official"))) -> list[dict[str, Any]]:
    """Each county's latest mask stock."""
    rows: list[dict[str, Any]] = latest_by_county(request.app.state.settings)["rows"]
    return rows


commands = typer.Typer(help="Mask stocks by county (口罩库存).", no_args_is_help=True)


@commands.command("latest")
def latest_command() -> None:
    """Print each county's latest mask stock."""
    result = latest_by_county(get_settings())
    for row in result["rows"]:
        typer.echo(
            f"{row['county_code']} {row['county_name']} {row['day']}: {row['medical_masks']} / {row['n95_masks']}"
        )
    typer.echo(f"(mask_stocks_by_county@{result['snapshot_id']})")


@hookimpl
def register_feeds() -> list[Contract]:
    """The mask_stocks feed."""
    return [FEED]


@hookimpl
def register_datasets() -> list[DatasetSpec]:
    """Stock per county per day."""
    return [BY_COUNTY]


@hookimpl
def register_routes() -> list[APIRouter]:
    """The latest-stock endpoint."""
    return [router]


@hookimpl
def register_cli(cli: typer.Typer) -> None:
    """``fugong mask-stocks``."""
    cli.add_typer(commands, name="mask-stocks")


@hookimpl
def dashboard_panels() -> list[Panel]:
    """Latest stock per county, as bars."""
    return [
        Panel(
            id="mask-stocks",
            title="各县口罩库存",
            data_url="/api/apps/mask-stocks/latest",
            chart="bar",
            x="county_name",
            y=("medical_masks", "n95_masks"),
            description="Latest reported stock of medical and N95 masks per county.",
            app="mask_stocks",
        )
    ]
