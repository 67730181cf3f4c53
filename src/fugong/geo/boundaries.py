"""County boundaries as GeoJSON, for the web maps and static exports."""

from __future__ import annotations

import json
from typing import Any

from fugong.errors import InvalidInput
from fugong.geo.divisions import Gazetteer, province_folder


def load_boundaries(gazetteer: Gazetteer, province: str = "zhejiang") -> dict[str, Any]:
    """A FeatureCollection with one feature per county valid on the reference date.

    Each feature's properties are ``code``, ``name``, ``city_code`` and ``city_name`` (strings), whatever the
    source file called them; a county without a boundary, or a boundary of no county, is an error.
    """
    with (province_folder(province) / "boundaries.geojson").open(encoding="utf-8") as handle:
        source = json.load(handle)
    counties = {d.code: d for d in gazetteer.counties()}
    features = []
    for feature in source["features"]:
        props = feature["properties"]
        code = str(props.get("code") or props.get("adcode"))
        county = counties.pop(code, None)
        if county is None:
            raise InvalidInput(f"boundary for {code} names no county valid on {gazetteer.reference_date}")
        city = gazetteer.parent(county)
        features.append(
            {
                "type": "Feature",
                "properties": {"code": code, "name": county.name, "city_code": city.code, "city_name": city.name},
                "geometry": feature["geometry"],
            }
        )
    if counties:
        missing = ", ".join(f"{d.code} {d.name}" for d in counties.values())
        raise InvalidInput(f"no boundary for: {missing}")
    return {"type": "FeatureCollection", "features": sorted(features, key=lambda f: f["properties"]["code"])}
