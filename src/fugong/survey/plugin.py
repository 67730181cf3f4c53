"""The grassroots forms as a hub app: their routes, their commands and a dashboard panel."""

from __future__ import annotations

import typer
from fastapi import APIRouter

from fugong.hub.hookspecs import hookimpl
from fugong.hub.specs import Panel


@hookimpl
def register_routes() -> list[APIRouter]:
    """The forms API and the mobile form pages."""
    from fugong.web.routers.survey import router

    return [router]


@hookimpl
def register_cli(cli: typer.Typer) -> None:
    """``fugong survey``."""
    from fugong.survey.cli import app

    cli.add_typer(app, name="survey")


@hookimpl
def dashboard_panels() -> list[Panel]:
    """Reports per county for the latest day of the village daily report."""
    return [
        Panel(
            id="survey-village-daily",
            title="村（社区）日报填报进度",
            data_url="/api/survey/panel?form=village_daily",
            chart="bar",
            x="county",
            y=("submitted", "late", "overdue", "in_progress", "not_started"),
            description="Village daily reports per county for the latest assigned day: on time, late, overdue, open.",
            app="survey",
        )
    ]
