"""The electricity resumption index over HTTP: series, ranking, industries, drill-down, shortfalls, gaming flags,
the page."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from fugong.auth import Principal, require_roles
from fugong.power import service
from fugong.power.export import FORMATS, check_format, export_bytes
from fugong.power.lake import DEFAULT_BASELINE
from fugong.web.i18n import gettext
from fugong.web.templating import render

router = APIRouter(tags=["power"])
Reader = Annotated[Principal, Depends(require_roles("analyst", "county_official"))]


def _query(
    baseline: str = DEFAULT_BASELINE, threshold: str = "0.3", variant: str = "zhejiang", view: str = "accounts"
) -> service.Query:
    return service.Query(baseline, threshold, variant, view)


Query = Annotated[service.Query, Depends(_query)]


def _reply(table: service.Table, fmt: str, **extra: Any) -> Any:
    if check_format(fmt) == "json":
        return table.as_json(**extra)
    return Response(
        export_bytes(table.rows, table.parameters, fmt),
        media_type=FORMATS[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="{table.name}.{fmt}"',
            "X-Fugong-Snapshot": str(table.parameters.get("snapshot") or ""),
        },
    )


@router.get("/api/power/days")
def days(request: Request, _: Reader) -> dict[str, Any]:
    """The span of the lake's grid readings, the snapshots read, and the counties and industries present."""
    return service.days(request.app.state.settings)


@router.get("/api/power/index")
def index(
    request: Request, _: Reader, query: Query, level: str = "province", code: str | None = None, format: str = "json"
) -> Any:
    """The index per day for every group of ``level`` (or one ``code``), with the change from the day before."""
    return _reply(service.series(request.app.state.settings, level, code, query), format)


@router.get("/api/power/ranking")
def ranking(
    request: Request,
    _: Reader,
    query: Query,
    date: str | None = None,
    by: str = "index",
    level: str = "county",
    format: str = "json",
) -> Any:
    """Counties (or another level) on ``date`` ranked by the index, the resumed share or the production share."""
    day = service.parse_day(date)
    return _reply(service.ranking(request.app.state.settings, day, by, level, query), format, by=by)


@router.get("/api/power/industries")
def industries(request: Request, _: Reader, query: Query, date: str | None = None, format: str = "json") -> Any:
    """The three sectors and the industry sections on ``date``."""
    return _reply(service.breakdown(request.app.state.settings, service.parse_day(date), query), format)


@router.get("/api/power/enterprises")
def enterprises(
    request: Request,
    principal: Reader,
    query: Query,
    date: str | None = None,
    county: str | None = None,
    industry: str | None = None,
    format: str = "json",
) -> Any:
    """Per power account on ``date``: name, industry, kWh, baseline, ratio, resumed (officials: own counties)."""
    day = service.parse_day(date)
    table = service.enterprises(request.app.state.settings, principal, day, county, industry, query)
    return _reply(table, format)


@router.get("/api/power/shortfalls")
def shortfalls(
    request: Request,
    principal: Reader,
    query: Query,
    date: str | None = None,
    county: str | None = None,
    format: str = "json",
) -> Any:
    """Enterprises resumed but below 60 % of baseline for 3 days, with their suppliers' status."""
    day = service.parse_day(date)
    return _reply(service.shortfall_list(request.app.state.settings, principal, day, county, query), format)


@router.get("/api/power/gaming")
def gaming(
    request: Request,
    principal: Reader,
    query: Query,
    date: str | None = None,
    days: str | None = None,
    county: str | None = None,
    format: str = "json",
) -> Any:
    """Firms whose load looks faked (flat, or a jump to baseline) in the ``days`` days up to ``date``, with reasons."""
    day = service.parse_day(date)
    return _reply(service.gaming_list(request.app.state.settings, principal, day, days, county, query), format)


@router.get("/api/power/panel")
def panel(request: Request, _: Reader) -> list[dict[str, Any]]:
    """The province index per day, for the hub dashboard."""
    return service.province_panel(request.app.state.settings)


@router.get("/power", response_class=HTMLResponse, include_in_schema=False)
def page(request: Request, principal: Reader, county: str | None = None) -> HTMLResponse:
    """The index page: province curve, ranking, industries, drill-down, shortfalls, gaming flags (``?county=``)."""
    text_js = {
        "index": gettext("复工电力指数"),
        "resumed_share": gettext("复工率"),
        "production_share": gettext("复产率"),
        "change": gettext("较前一日"),
        "yes": gettext("是"),
        "no": gettext("否"),
        "none": gettext("无数据"),
        "flat": gettext("用电量异常平稳"),
        "jump": gettext("骤升至基准"),
        "county_missing": gettext("所选县（市、区）没有电力用户，或不在您的管辖范围内"),
    }
    counties = None if principal.is_admin or "analyst" in principal.roles else sorted(principal.counties)
    return render(
        request, "power/index.html", {"text_js": text_js, "own_counties": counties, "chosen_county": county or None}
    )
