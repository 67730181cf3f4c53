"""The electricity resumption index as a hub app: its routes (API and page) and its dashboard panel."""

from __future__ import annotations

from fastapi import APIRouter

from fugong.hub.hookspecs import hookimpl
from fugong.hub.specs import Panel


@hookimpl
def register_routes() -> list[APIRouter]:
    """The power API (/api/power/…) and the index page (/power)."""
    from fugong.web.routers.power import router

    return [router]


@hookimpl
def dashboard_panels() -> list[Panel]:
    """The province index per day, from the lake's grid readings."""
    return [
        Panel(
            id="power-index",
            title="企业复工电力指数",
            data_url="/api/power/panel",
            chart="line",
            x="day",
            y=("index", "resumed_share", "production_share"),
            description="Electricity resumption index of the province per day (percent), from the grid readings.",
            app="power",
        )
    ]
