"""Geography for people and programs: counties, look-up, boundaries, a map page."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from fugong.auth import public
from fugong.geo import Gazetteer, load_boundaries, load_gazetteer
from fugong.web.templating import render

# Divisions and boundaries are public facts: open to everyone.
router = APIRouter(tags=["geography"], dependencies=[Depends(public)])


class CountyOut(BaseModel):
    """A county-level division with its city."""

    code: str
    name: str
    short_name: str
    type: str
    city_code: str
    city_name: str


def _gazetteer(request: Request) -> Gazetteer:
    settings = request.app.state.settings
    return load_gazetteer(settings.province, settings.reference_date)


@router.get("/api/geo/counties")
def counties(request: Request, city: str | None = None) -> list[CountyOut]:
    """The county-level divisions valid on the reference date, optionally of one city."""
    g = _gazetteer(request)
    return [
        CountyOut(
            code=d.code,
            name=d.name,
            short_name=d.short_name,
            type=d.type,
            city_code=g.parent(d).code,
            city_name=g.parent(d).name,
        )
        for d in g.counties(city=city)
    ]


@router.get("/api/geo/lookup")
def lookup(request: Request, q: str) -> CountyOut:
    """Resolve a code, name, short name, old name or old code of a county."""
    g = _gazetteer(request)
    d = g.lookup(q, level="county")
    return CountyOut(
        code=d.code,
        name=d.name,
        short_name=d.short_name,
        type=d.type,
        city_code=g.parent(d).code,
        city_name=g.parent(d).name,
    )


@router.get("/api/geo/boundaries")
def boundaries(request: Request) -> dict[str, Any]:
    """County boundaries as a GeoJSON FeatureCollection (GCJ-02 coordinates)."""
    return load_boundaries(_gazetteer(request), request.app.state.settings.province)


@router.get("/geo", response_class=HTMLResponse, include_in_schema=False)
def map_page(request: Request) -> HTMLResponse:
    """A map of the province's counties."""
    g = _gazetteer(request)
    return render(request, "geo/map.html", {"province": g.province, "county_count": len(g.counties())})
