"""What the cockpit's APIs return: the resumption side of a day, the matrix, a county's page, the static maps.

Each function reads the lake through ``plugin.lake_grading`` (CDC cases) and ``sources.lake_resumption`` (power
figures, GDP, forms) and returns plain JSON-ready values that name their parameters and snapshots; a county's
declarations come from the enterprise platform's own store (``county_declarations``), when that app is installed.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from fugong.auth import Principal, Role
from fugong.errors import Forbidden, FugongError, NotFound
from fugong.geo import load_boundaries, load_gazetteer
from fugong.riskmap.figures import UNKNOWN, PowerRow, ResumptionFigures, power_rows
from fugong.riskmap.grading import on_day
from fugong.riskmap.layers import MapLayer, check_kind, resumption_layer, risk_layer
from fugong.riskmap.levels import HIGH_TO_LOW
from fugong.riskmap.matrix import DEFAULT_MATRIX, place
from fugong.riskmap.plugin import lake_grading
from fugong.riskmap.png import render_png
from fugong.riskmap.resumption import Band, CountyResumption
from fugong.riskmap.service import Grading, grade_rows
from fugong.riskmap.sources import lake_resumption, power_run
from fugong.riskmap.svg import check_language, render_layer
from fugong.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

ENTERPRISE_APP = "fugong.enterprise.plugin"


class UnknownCounty(NotFound):
    """A county code that is not one of the province's counties."""

    code = "unknown_county"


def _points(value: Decimal | None) -> float | None:
    return None if value is None else round(float(value), 2)


def _figure(r: CountyResumption) -> dict[str, Any]:
    return {
        "index": _points(r.index),
        "band": r.band.key,
        "band_zh": r.band.label("zh"),
        "sector_index": {s: _points(v) for s, v in r.sector_index.items()},
        "weights": {s: round(float(w), 4) for s, w in r.weights.items()},
        "industry_rate": _points(r.industry_rate),
        "sectors_missing": list(r.sectors_missing),
    }


def _change(now: Decimal, before: CountyResumption | None) -> float | None:
    return None if before is None else _points(now - before.index)


def _by_code(rows: list[PowerRow]) -> dict[str, PowerRow]:
    return {r.code: r for r in rows}


def resumption_on(figures: ResumptionFigures, names: dict[str, str], day: date) -> dict[str, Any]:
    """Headline, county ranking, counts per band, sectors and industries of one day."""
    figures.check_day(day)
    yesterday = day - timedelta(days=1)
    counties = figures.counties[day]
    before = figures.counties.get(yesterday, {})
    power = _by_code(figures.rows(day, "county"))
    ranking = []
    for code, r in sorted(counties.items(), key=lambda kv: (-kv[1].index, kv[0])):
        row = power.get(code)
        ranking.append(
            {
                "code": code,
                "name": names.get(code, ""),
                **_figure(r),
                "change": _change(r.index, before.get(code)),
                "resumed_share": round(row.resumed_share, 2) if row else None,
                "production_share": round(row.production_share, 2) if row else None,
                "users": row.users if row else None,
            }
        )
    for n, item in enumerate(ranking, start=1):
        item["rank"] = n
    province = figures.province.get(day)
    headline = None
    if province is not None:
        headline = {
            **_figure(province),
            "change": _change(province.index, figures.province.get(yesterday)),
            "previous_day": yesterday.isoformat() if yesterday in figures.province else None,
        }
    counts = Counter(r.band for r in counties.values())
    return {
        "date": day.isoformat(),
        "parameters": dict(figures.parameters),
        "headline": headline,
        "power_index": [r.as_dict() for r in figures.rows(day, "province")],
        "counts": {band.key: counts.get(band, 0) for band in sorted(Band, reverse=True)},
        "counties": ranking,
        "no_figure": sorted(set(names) - set(counties)),
        "sectors": [r.as_dict() for r in figures.rows(day, "sector") if r.code != UNKNOWN],
        "industries": [r.as_dict() for r in sorted(figures.rows(day, "industry"), key=lambda r: -r.index)],
    }


def _figures(settings: Settings, grading: Grading) -> ResumptionFigures:
    """The resumption figures over the days of the case data (the cockpit's slider), from the lake."""
    return lake_resumption(settings, grading.table.first_day, grading.table.last_day)


def warm(settings: Settings) -> dict[str, Any]:
    """Compute and keep on disk what the cockpit's first render reads; returns what was kept, naming its snapshots.

    That is the grading of the lake's cases, the resumption figures over the case data's days and the county pages'
    industry figures. Without power figures or GDP, the risk side is kept and ``resumption_error`` says why.
    """
    grading = lake_grading(settings)
    result: dict[str, Any] = {"cases": grading.table.origin, "grades": len(grading.grades)}
    try:
        figures = _figures(settings, grading)
        days = figures.days
        if days:
            power_run(settings, "county+industry", days[0], days[-1])
    except FugongError as exc:
        result["resumption_error"] = exc.detail
        return result
    result["resumption_days"] = len(days)
    result["power"] = figures.parameters.get("power", {}).get("snapshot")
    return result


def lake_resumption_on(settings: Settings, day: date) -> dict[str, Any]:
    """The resumption side of the cockpit on ``day``, from the lake."""
    grading = lake_grading(settings)
    return resumption_on(_figures(settings, grading), grading.units.names, day)


def matrix_on(grading: Grading, figures: ResumptionFigures, day: date) -> dict[str, Any]:
    """The 5 × 5 matrix on ``day``: every cell's action and the counties in it."""
    grading.table.check_day(day)
    figures.check_day(day)
    names = grading.units.names
    placements = place(on_day(grading.grades, day), figures.counties[day].values())
    cells = []
    for level in HIGH_TO_LOW:
        for band in sorted(Band):
            action = DEFAULT_MATRIX.action(level, band)
            cells.append(
                {
                    "colour": level.colour,
                    "band": band.key,
                    "action": action.key,
                    "action_zh": action.zh,
                    "action_en": action.en,
                    "counties": [
                        {"code": p.county, "name": names[p.county]}
                        for p in placements
                        if p.level is level and p.band is band
                    ],
                }
            )
    return {
        "date": day.isoformat(),
        "parameters": {"cases": grading.parameters(), "resumption": dict(figures.parameters)},
        "cells": cells,
        "no_figure": [{"code": p.county, "name": names[p.county]} for p in placements if p.band is None],
    }


def lake_matrix_on(settings: Settings, day: date) -> dict[str, Any]:
    """The matrix on ``day`` from the lake's cases and power figures."""
    grading = lake_grading(settings)
    return matrix_on(grading, _figures(settings, grading), day)


def check_county(grading: Grading, code: str) -> str:
    """A code of one of the graded counties, or a 404 naming it."""
    if code not in grading.units.names:
        raise UnknownCounty(
            f"{code!r} is not a county of the province (a six-digit GB/T 2260 county code, e.g. 330382 乐清市)",
            field="code",
        )
    return code


def county_title(settings: Settings, code: str) -> dict[str, str]:
    """A county's code, name and city for its page's heading (a 404 naming a code that is not a county)."""
    check_county(lake_grading(settings), code)
    gazetteer = load_gazetteer(settings.province, settings.reference_date)
    county = gazetteer.get(code)
    return {"code": code, "name": county.name, "city": gazetteer.parent(county).name}


def county_page(settings: Settings, code: str, day: date | None = None) -> dict[str, Any]:
    """One county: its risk grades and indicators over time, its index and bands, its industries, links."""
    grading = lake_grading(settings)
    title = county_title(settings, code)
    single = _single(grading, code)
    risk = [
        {"date": g.day.isoformat(), **{k: v for k, v in row.items() if k not in ("code", "name")}}
        for g in single.grades
        for row in grade_rows(single, g.day)
    ]
    result: dict[str, Any] = {
        **title,
        "risk": risk,
        "links": {"enterprises": f"/power?county={code}", "cockpit": "/riskmap"},
        "declarations": None,  # filled by county_declarations (the enterprise platform's store, not the lake)
        "parameters": {"cases": grading.parameters()},
    }
    try:
        figures = _figures(settings, grading)
    except FugongError as exc:
        result.update(resumption=[], industries=[], sectors=[], resumption_error=exc.as_json())
        return result
    shown = day or (figures.days[-1] if figures.days else None)
    if shown is not None:
        figures.check_day(shown)
    result["parameters"]["resumption"] = dict(figures.parameters)
    result["resumption"] = [
        {
            "date": d.isoformat(),
            **_figure(r),
            **_shares(_by_code(figures.rows(d, "county")).get(code)),
        }
        for d in figures.days
        if (r := figures.counties[d].get(code)) is not None
    ]
    result["industries_date"] = shown.isoformat() if shown else None
    result["industries"] = []
    if shown is not None:
        run = power_run(settings, "county+industry", figures.days[0], figures.days[-1])
        result["industries"] = [r.as_dict() for r in power_rows(run.figures).get((shown, f"industry:{code}"), [])]
    result["sectors"] = (
        [r.as_dict() for r in figures.rows(shown, f"sector:{code}") if r.code != UNKNOWN] if shown else []
    )
    return result


def _enterprise_installed() -> bool:
    from fugong.hub.plugins import get_plugin_manager

    return bool(get_plugin_manager().has_plugin(ENTERPRISE_APP))


def declaration_labels() -> dict[str, str]:
    """The enterprise platform's declaration states with their Chinese names ({} when the app is not installed)."""
    if not _enterprise_installed():
        return {}
    from fugong.enterprise.service import STATE_LABELS

    return dict(STATE_LABELS)


def county_declarations(session: Session, principal: Principal, code: str, now: datetime) -> dict[str, Any]:
    """The enterprise platform's figures of one county: declarations per state, overdue, white list, open tasks.

    Read through the platform's own functions (``fugong.enterprise.service``, ``whitelist``, ``tasks``). Returns
    ``{"declarations": None}`` when the enterprise app is not installed, and ``declarations_error`` (403) for a
    county official of another county: those figures name firms' progress, which is for the county's officials.
    """
    if not _enterprise_installed():
        return {"declarations": None}
    if not (principal.is_admin or Role.analyst in principal.roles or principal.may_act_in(code)):
        refused = Forbidden(
            f"the declarations of county {code} are for its county officials; {principal.username!r} acts in "
            f"{', '.join(sorted(principal.counties)) or 'no county'}",
            field="code",
        )
        return {"declarations": None, "declarations_error": refused.as_json()}
    from fugong.enterprise import service, tasks, whitelist

    overview = service.overview(session, principal, now)
    row: dict[str, Any] = next((r for r in overview["counties"] if r["county_code"] == code), {})
    states = [
        {"state": state, "label": service.STATE_LABELS.get(state, state), "count": int(row.get(state, 0))}
        for state in overview["states"]
    ]
    open_tasks = [t for t in tasks.listing(session, principal) if t["county_code"] == code and t["state"] != "done"]
    return {
        "declarations": {
            "as_of": now.isoformat(timespec="seconds"),
            "total": sum(s["count"] for s in states),
            "states": states,
            "overdue": int(row.get("overdue", 0)),
            "whitelisted": len(whitelist.listed(session, [code])),
            "open_tasks": len(open_tasks),
            "link": "/enterprise/county",
        }
    }


def _shares(row: PowerRow | None) -> dict[str, Any]:
    if row is None:
        return {"resumed_share": None, "production_share": None, "users": None}
    return {
        "resumed_share": round(row.resumed_share, 2),
        "production_share": round(row.production_share, 2),
        "users": row.users,
    }


def _single(grading: Grading, code: str) -> Grading:
    grades = [g for g in grading.grades if g.unit == code]
    return Grading(grades, grading.table, grading.units, grading.config)


def map_layer(settings: Settings, day: date, kind: str, language: str) -> MapLayer:
    """The fills, legend, title and note of the risk or the resumption map on ``day``."""
    check_kind(kind)
    check_language(language)
    grading = lake_grading(settings)
    if kind == "risk":
        grading.table.check_day(day)
        levels = {g.unit: g.level for g in on_day(grading.grades, day)}
        title = f"浙江省县域疫情风险五色图 {day}" if language == "zh" else f"Zhejiang county epidemic risk map, {day}"
        return risk_layer(
            levels, title=title, language=language, note=f"{grading.table.origin} · {grading.config.version}"
        )
    figures = _figures(settings, grading)
    figures.check_day(day)
    bands = {code: r.band for code, r in figures.counties[day].items()}
    title = f"浙江省县域复工指数 {day}" if language == "zh" else f"Zhejiang county resumption index, {day}"
    params = figures.parameters
    power = params.get("power", {}).get("snapshot") or ""
    note = f"{power}; {params.get('county_stats', '')}" + (f"; {params['forms']}" if params.get("forms") else "")
    return resumption_layer(bands, title=title, language=language, note=note)


def map_image(settings: Settings, day: date, kind: str, language: str, image: str) -> bytes:
    """The static map as SVG (UTF-8) or PNG bytes."""
    layer = map_layer(settings, day, kind, language)
    boundaries = load_boundaries(load_gazetteer(settings.province, settings.reference_date), settings.province)
    if image == "png":
        return render_png(boundaries, layer, language=language)
    return render_layer(boundaries, layer, language=language).encode("utf-8")
