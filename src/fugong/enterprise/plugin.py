"""The enterprise platform as a hub app: its routes and its command group."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fugong.hub.hookspecs import hookimpl

if TYPE_CHECKING:
    import typer
    from fastapi import APIRouter


@hookimpl
def register_routes() -> list[APIRouter]:
    """The enterprise API and pages."""
    from fugong.web.routers.enterprise import router

    return [router]


@hookimpl
def register_cli(cli: typer.Typer) -> None:
    """``fugong enterprise``."""
    from fugong.enterprise.cli import app

    cli.add_typer(app, name="enterprise")
