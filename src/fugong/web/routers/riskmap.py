"""The risk map over HTTP: county grades for a day, the days available, counts per level, the cockpit page."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from fugong.auth import Principal, require_roles
from fugong.auth.deps import now
from fugong.errors import InvalidInput
from fugong.riskmap.cockpit import (
    county_declarations,
    county_page,
    county_title,
    declaration_labels,
    lake_matrix_on,
    lake_resumption_on,
    map_image,
)
from fugong.riskmap.levels import HIGH_TO_LOW
from fugong.riskmap.matrix import ACTIONS
from fugong.riskmap.plugin import days_available, grades_on, lake_grading, level_counts
from fugong.riskmap.resumption import Band
from fugong.store import DbSession
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


def _required(text: str | None) -> date:
    day = _day(text, required=True)
    assert day is not None  # required above
    return day


@router.get("/api/riskmap/resumption")
def resumption(request: Request, _: Reader, date: str | None = None) -> dict[str, Any]:
    """The county resumption index on ``date``: headline with day-on-day change, ranking, bands, industries."""
    return lake_resumption_on(request.app.state.settings, _required(date))


@router.get("/api/riskmap/matrix")
def matrix(request: Request, _: Reader, date: str | None = None) -> dict[str, Any]:
    """The risk × resumption matrix on ``date``: each cell's action and the counties in it."""
    return lake_matrix_on(request.app.state.settings, _required(date))


@router.get("/api/riskmap/county/{code}")
def county(
    request: Request, code: str, principal: Reader, session: DbSession, date: str | None = None
) -> dict[str, Any]:
    """One county: risk over time, resumption index and bands, industries, links, the enterprise declarations."""
    page = county_page(request.app.state.settings, code, _day(date, required=False))
    return {**page, **county_declarations(session, principal, code, now(request))}


_MEDIA = {"svg": "image/svg+xml", "png": "image/png"}


def _map(request: Request, image: str, date: str | None, kind: str, lang: str) -> Response:
    day = _required(date)
    body = map_image(request.app.state.settings, day, kind, lang, image)
    filename = f"riskmap-{kind}-{day.isoformat()}.{image}"
    return Response(body, media_type=_MEDIA[image], headers={"Content-Disposition": f'inline; filename="{filename}"'})


@router.get("/api/riskmap/map.svg", response_class=Response)
def map_svg(request: Request, _: Reader, date: str | None = None, kind: str = "risk", lang: str = "zh") -> Response:
    """The risk or resumption map on ``date`` as a static SVG with its legend (kind=risk|resumption, lang=zh|en)."""
    return _map(request, "svg", date, kind, lang)


@router.get("/api/riskmap/map.png", response_class=Response)
def map_png(request: Request, _: Reader, date: str | None = None, kind: str = "risk", lang: str = "zh") -> Response:
    """The risk or resumption map on ``date`` as a PNG with its legend (kind=risk|resumption, lang=zh|en)."""
    return _map(request, "png", date, kind, lang)


@router.get("/riskmap/county/{code}", response_class=HTMLResponse, include_in_schema=False)
def county_view(request: Request, code: str, _: Reader) -> HTMLResponse:
    """A county's page: its risk indicators over time, its resumption index, industries and enterprises."""
    county = county_title(request.app.state.settings, code)
    states = {state: gettext(label) for state, label in declaration_labels().items()}
    return render(request, "riskmap/county.html", {"county": county, "states_js": states, **_page_text()})


@router.get("/riskmap", response_class=HTMLResponse, include_in_schema=False)
def cockpit(request: Request, _: Reader) -> HTMLResponse:
    """The province cockpit: the two maps under one date slider, headline, matrix, ranking, industries, changes."""
    legend = [{"colour": level.colour, "hex": level.hex, "name_zh": level.name_zh} for level in HIGH_TO_LOW]
    bands = [{"band": b.key, "hex": b.hex, "name_zh": b.label()} for b in sorted(Band, reverse=True)]
    return render(request, "riskmap/cockpit.html", {"legend": legend, "bands": bands, **_page_text()})


def _page_text() -> dict[str, Any]:
    """Legends, band and action names in the request's language, for the pages' scripts."""
    return {
        "legend_js": [{"colour": lv.colour, "hex": lv.hex, "label": gettext(lv.name_zh)} for lv in HIGH_TO_LOW],
        "bands_js": [{"band": b.key, "hex": b.hex, "label": gettext(b.label())} for b in sorted(Band, reverse=True)],
        "actions_js": {key: gettext(a.zh) for key, a in ACTIONS.items()},
        "text_js": {
            key: gettext(zh)
            for key, zh in {
                "none": "无",
                "score": "评分",
                "index": "复工指数",
                "no_figure": "无复工数据",
                "points": "点",
                "resumed": "复工率",
                "production": "复产率",
                "declarations_total": "申报总数",
                "no_declarations": "企业复工平台未安装：没有复工申报数据。",
            }.items()
        },
    }
