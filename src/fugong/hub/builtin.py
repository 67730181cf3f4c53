"""The hub as a plugin of itself: its feeds, routes and dashboard panel register through the public hooks."""

from __future__ import annotations

from fastapi import APIRouter

from fugong.hub.contracts import BUILTIN_CONTRACTS
from fugong.hub.contracts.base import Contract
from fugong.hub.hookspecs import hookimpl
from fugong.hub.specs import Panel


@hookimpl
def register_feeds() -> list[Contract]:
    """The thirteen department feeds of the province."""
    return list(BUILTIN_CONTRACTS)


@hookimpl
def register_routes() -> list[APIRouter]:
    """The hub's API (catalog, upload, reads, quarantine, trace, audit) and its pages."""
    from fugong.web.routers.hub import router

    return [router]


@hookimpl
def dashboard_panels() -> list[Panel]:
    """Share of accepted rows per dataset."""
    return [
        Panel(
            id="hub-quality",
            title="各数据源合格率",
            data_url="/api/hub/quality",
            chart="bar",
            x="dataset",
            y=("accepted_share",),
            description="Share of rows read that were accepted, per dataset (all ingests).",
            app="hub",
        )
    ]
