"""The app contract (应用接口): every hook an app implements to plug into Fugong.

Built-in apps and outside packages alike implement these with ``@hookimpl`` and are found through the
``fugong`` entry-point group (or registered on the plugin manager directly). Each hook returns a list; the
hub merges the lists of every app.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    import typer
    from fastapi import APIRouter

    from fugong.hub.contracts.base import Contract
    from fugong.hub.specs import DatasetSpec, Panel

PROJECT = "fugong"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def register_feeds() -> list[Contract]:  # type: ignore[empty-body]
    """Feed contracts this app adds: files departments send that the hub ingests into the lake."""


@hookspec
def register_datasets() -> list[DatasetSpec]:  # type: ignore[empty-body]
    """Datasets this app derives from lake datasets by SQL, listed in the catalog and guarded by grants."""


@hookspec
def register_routes() -> list[APIRouter]:  # type: ignore[empty-body]
    """FastAPI routers (API endpoints and pages) this app adds to the web app."""


@hookspec
def register_cli(cli: typer.Typer) -> None:
    """Add this app's commands or command groups to the ``fugong`` command line."""


@hookspec
def dashboard_panels() -> list[Panel]:  # type: ignore[empty-body]
    """Panels this app adds to the dashboard (a chart of JSON rows from one of its routes)."""
