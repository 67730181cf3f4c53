"""Counties of the synthetic province: population, GDP by sector, and their townships and villages.

Real: the 90 county-level units and their cities (fugong.geo). Synthetic: every number here. City totals are steered
towards the rough size of each city in 2019 (resident population, 10,000 persons; GDP, 100 million yuan) so that
the province looks like Zhejiang; they are a guide for plausibility, not official statistics.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fugong.geo import Division, load_gazetteer
from fugong.sim.randomness import stream

# Approximate 2019 magnitudes per city (population 万人, GDP 亿元), used only to make the synthetic counties plausible.
CITY_GUIDE: dict[str, tuple[float, float]] = {
    "330100": (1036, 15373),
    "330200": (854, 11985),
    "330300": (930, 6606),
    "330400": (481, 5370),
    "330500": (303, 3122),
    "330600": (505, 5781),
    "330700": (562, 4560),
    "330800": (221, 1573),
    "330900": (118, 1372),
    "331000": (615, 5134),
    "331100": (221, 1477),
}
_TYPE_WEIGHT = {"district": 1.3, "county-level city": 1.2, "county": 0.7}
_CENTRAL = {"330102", "330103", "330104", "330105", "330106", "330108", "330203", "330302"}
_PLACE_CHARS = "东南西北新古长安平和兴隆丰泰永宁福清溪山湖塘桥港浦湾岭坑岙金石白云龙凤前后高沙田林桑梅竹"
SYNTHETIC_NOTE = "合成数据，非官方统计"


@dataclass(frozen=True)
class CountyProfile:
    """One county's synthetic statistics."""

    code: str
    name: str
    city_code: str
    population: float  # 万人
    gdp: float  # 亿元
    primary: float
    secondary: float
    tertiary: float


@dataclass(frozen=True)
class OrgUnit:
    """A township (乡镇街道) or village (村社区) of the grassroots hierarchy."""

    code: str
    name: str
    level: str
    type: str
    parent_code: str
    county_code: str
    households: int
    residents: int


def all_counties() -> list[Division]:
    """The 90 county-level units valid in early 2020."""
    return load_gazetteer("zhejiang").counties()


def county_profiles(seed: int) -> dict[str, CountyProfile]:
    """Population and GDP by sector for all 90 counties; city sums follow :data:`CITY_GUIDE`."""
    gazetteer = load_gazetteer("zhejiang")
    rng = stream(seed, "county-profiles")
    profiles: dict[str, CountyProfile] = {}
    for city in gazetteer.cities():
        counties = gazetteer.counties(city=city.code)
        pop_total, gdp_total = CITY_GUIDE[city.code]
        pop_w = np.array([_TYPE_WEIGHT.get(c.type, 1.0) for c in counties]) * rng.lognormal(0, 0.3, len(counties))
        gdp_w = pop_w * rng.lognormal(0, 0.25, len(counties))
        pops = pop_total * pop_w / pop_w.sum()
        gdps = gdp_total * gdp_w / gdp_w.sum()
        for county, pop, gdp in zip(counties, pops, gdps, strict=True):
            if county.code in _CENTRAL:
                shares = np.array([0.002, 0.18, 0.818])
            elif county.type == "county":
                shares = np.array([0.09, 0.45, 0.46])
            elif county.type == "county-level city":
                shares = np.array([0.05, 0.50, 0.45])
            else:
                shares = np.array([0.03, 0.45, 0.52])
            shares = shares * rng.lognormal(0, 0.12, 3)
            shares = shares / shares.sum()
            gdp2 = round(float(gdp), 2)
            primary, secondary = round(gdp2 * shares[0], 2), round(gdp2 * shares[1], 2)
            tertiary = round(gdp2 - primary - secondary, 2)
            profiles[county.code] = CountyProfile(
                county.code, county.name, city.code, round(float(pop), 2), gdp2, primary, secondary, tertiary
            )
    return profiles


def place_name(rng: np.random.Generator, used: set[str], suffix: str) -> str:
    """A new two-character place name with its suffix, distinct from those already used in the same parent."""
    while True:
        a, b = rng.integers(0, len(_PLACE_CHARS), 2)
        name = f"{_PLACE_CHARS[a]}{_PLACE_CHARS[b]}{suffix}"
        if a != b and name not in used:
            used.add(name)
            return name


def org_units(seed: int, county: Division, population: float) -> list[OrgUnit]:
    """Townships and villages of one county, with codes in the style of the statistical division codes.

    Streets (街道) are numbered 001–099, towns (镇) 100–199, townships (乡) 200–399; communities (社区) 001–199 and
    villages (村) 200–399 inside them.
    """
    rng = stream(seed, "org-units", county.code)
    n_township = int(rng.integers(8, 19))
    residents_total = population * 10_000
    street_share = 0.8 if county.type == "district" else 0.25
    units: list[OrgUnit] = []
    used: set[str] = set()
    weights = rng.lognormal(0, 0.5, n_township)
    weights = weights / weights.sum()
    counters = {"街道": 1, "镇": 100, "乡": 200}
    for t in range(n_township):
        kind = "街道" if rng.random() < street_share else ("镇" if rng.random() < 0.8 else "乡")
        code = f"{county.code}{counters[kind]:03d}"
        counters[kind] += 1
        residents = int(residents_total * weights[t])
        n_village = int(rng.integers(6, 21))
        village_w = rng.lognormal(0, 0.4, n_village)
        village_w = village_w / village_w.sum()
        village_used: set[str] = set()
        village_counters = {"社区": 1, "村": 200}
        villages: list[OrgUnit] = []
        for v in range(n_village):
            vkind = "社区" if kind == "街道" or rng.random() < 0.2 else "村"
            vcode = f"{code}{village_counters[vkind]:03d}"
            village_counters[vkind] += 1
            vres = max(int(residents * village_w[v]), 50)
            suffix = "社区" if vkind == "社区" else "村"
            villages.append(
                OrgUnit(
                    vcode,
                    place_name(rng, village_used, suffix),
                    "village",
                    vkind,
                    code,
                    county.code,
                    max(vres * 10 // 27, 20),
                    vres,
                )
            )
        tres = sum(v.residents for v in villages)
        units.append(
            OrgUnit(
                code,
                place_name(rng, used, kind),
                "township",
                kind,
                county.code,
                county.code,
                sum(v.households for v in villages),
                tres,
            )
        )
        units.extend(villages)
    return units
