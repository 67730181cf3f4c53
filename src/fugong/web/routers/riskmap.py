"""The risk map over HTTP: county grades for a day, the days available, counts per level, the cockpit page."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from fugong.auth import Principal, require_roles
from fugong.errors import InvalidInput
from fugong.riskmap.levels import HIGH_TO_LOW
from fugong.riskmap.plugin import days_available, grades_on, lake_grading, level_counts
from fugong.web.i18n import gettext
from fugong.web.templating import render

router = APIRouter(tags=["riskmap"])
Reader = Annotated[Principal, Depends(require_roles("analyst", "county_official"))]
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _day(text: str | None, required: bool) -> date | None:
    # Parsed by hand: pydantic would take "0" or a timestamp as a date (PITFALLS.md).
    if text is None or text == "":
        if required:
            raise InvalidInput("date is required, as YYYY-MM-DD (e.g. 2020-02-12)", field="date")
        return None
    try:
        if not _ISO_DAY.match(text):
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"date {text!r} is not a day written YYYY-MM-DD (e.g. 2020-02-12)", field="date") from None


@router.get("/api/riskmap/days")
def days(request: Request, _: Reader) -> dict[str, Any]:
    """The first and last day of the lake's CDC case data (and the snapshot read)."""
    return days_available(lake_grading(request.app.state.settings))


@router.get("/api/riskmap/grades")
def grades(request: Request, _: Reader, date: str | None = None) -> dict[str, Any]:
    """Every county's level, colour, score and indicators on ``date``, with the counties that changed colour."""
    day = _day(date, required=True)
    assert day is not None  # required above
    return grades_on(lake_grading(request.app.state.settings), day)


@router.get("/api/riskmap/levels")
def levels(request: Request, _: Reader, date: str | None = None) -> list[dict[str, Any]]:
    """Counties per risk level on ``date`` (default: the last day of the data), for the dashboard."""
    return level_counts(lake_grading(request.app.state.settings), _day(date, required=False))


@router.get("/riskmap", response_class=HTMLResponse, include_in_schema=False)
def cockpit(request: Request, _: Reader) -> HTMLResponse:
    """The province cockpit: the five-colour county map with a date slider, its legend and the day's changes."""
    legend = [{"colour": level.colour, "hex": level.hex, "name_zh": level.name_zh} for level in HIGH_TO_LOW]
    legend_js = [{"colour": level.colour, "hex": level.hex, "label": gettext(level.name_zh)} for level in HIGH_TO_LOW]
    text_js = {"none": gettext("无"), "score": gettext("评分")}
    return render(request, "riskmap/cockpit.html", {"legend": legend, "legend_js": legend_js, "text_js": text_js})
