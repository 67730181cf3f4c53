"""The index from the hub's lake: grid readings, power accounts and the market register, joined on pseudonymous keys.

The lake holds ``grid_readings(account_id, day, kwh)``, ``grid_accounts(account_id, enterprise_key, county_code,
industry_division, ...)`` and ``market_registry(enterprise_key, name, county_code, industry_section, size_class,
key-enterprise flags)``. ``enterprise_key`` is the hub's keyed hash of the credit code, so accounts are joined to
their enterprise without ever seeing the plain code. An account's county, industry, size class and key group are
its enterprise's (from the register) when the register knows it, else the account's own; ``sector`` (三次产业)
follows from the industry section. The same Ibis expressions as on files compute the figures.

Every result names the snapshot ids it read (``Parameters.snapshot``) and is kept per snapshot ids and
parameters, so web requests read the lake once per ingest, not once per request.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache
from pathlib import Path
from threading import RLock

import ibis
import pandas as pd

from fugong.errors import InvalidInput, NotFound
from fugong.geo.industries import sections
from fugong.hub import lake
from fugong.power.definitions import Parameters, PowerInputError, Ratio, Variant, View, parse_baseline
from fugong.power.engines import duckdb_backend, frame_of
from fugong.power.gaming import FLAG_COLUMNS, GamingRules, gaming_flags
from fugong.power.index import exact_at_least, parse_levels, population, units
from fugong.power.persisted import FigureStore
from fugong.power.readings import ReadingsReport, sql
from fugong.power.runs import (
    OUTPUT_COLUMNS,
    IndexRun,
    check_baseline,
    check_days,
    compute,
    default_namer,
    present,
    unjudged_users,
)
from fugong.power.shortfall import ShortfallRules, shortfalls
from fugong.power.users import UNKNOWN
from fugong.settings import Settings

READINGS, ACCOUNTS, REGISTRY, LINKS = "grid_readings", "grid_accounts", "market_registry", "supply_links"
DEFAULT_BASELINE = "2019-12-01..2019-12-31"
_KEY = re.compile(r"\b[0-9a-f]{32}\b")  # an enterprise_key (the hub's HMAC of a credit code) in text
# One computation at a time: requests arriving together for the same figures wait for the first, then share it.
_COMPUTING = RLock()
KEY_FLAGS = ("epidemic_supplies", "daily_necessities", "utilities", "exporter", "key_project")
ENTERPRISE_COLUMNS = (
    "day",
    "account_id",
    "enterprise_key",
    "name",
    "county_code",
    "industry",
    "industry_division",
    "sector",
    "size_class",
    "kwh",
    "baseline_kwh",
    "ratio_pct",
    "resumed",
    "missing",
    "in_population",
)


class NoGridReadings(NotFound):
    """The lake holds no grid readings to index."""

    code = "no_grid_readings"


class UnknownGroup(InvalidInput):
    """A county or industry the lake's power users do not have."""

    code = "unknown_group"


@dataclass(frozen=True)
class Snapshot:
    """The versions of the lake datasets one computation reads (readings always; the rest if ingested)."""

    root: str
    readings: str
    accounts: str | None
    registry: str | None
    links: str | None
    store: FigureStore | None = None  # where figures of these snapshots persist (None: in memory only)

    @property
    def reference(self) -> str:
        """The snapshot ids as figures name them: ``grid_readings@v2-…; grid_accounts@v1-…; …``."""
        pairs = ((READINGS, self.readings), (ACCOUNTS, self.accounts), (REGISTRY, self.registry))
        return "; ".join(f"{name}@{sid}" for name, sid in pairs if sid)


@dataclass(frozen=True)
class Coverage:
    """What the lake's readings cover, and the counties and industries of its power users."""

    first_day: date
    last_day: date
    readings: int
    accounts: int
    counties: tuple[str, ...]
    industries: tuple[str, ...]


@dataclass
class LakeTable:
    """Rows computed from the lake (drill-down, shortfalls) with the parameters and snapshots that produced them."""

    rows: pd.DataFrame
    parameters: Parameters
    notes: list[str]


def current_snapshot(settings: Settings) -> Snapshot:
    """The current versions of the power datasets; a clear 404 when there are no grid readings yet."""
    found = lake.get_lake(settings)
    readings = found.current(READINGS)
    if readings is None or not readings.rows:
        raise NoGridReadings(
            f"the lake has no {READINGS} yet: ingest the grid's daily readings first "
            f"(fugong hub ingest {READINGS} FILE, or fugong demo)",
            field="readings",
        )

    def sid(name: str) -> str | None:
        version = found.current(name)
        return version.snapshot_id if version is not None else None

    return Snapshot(
        str(settings.lake_path),
        readings.snapshot_id,
        sid(ACCOUNTS),
        sid(REGISTRY),
        sid(LINKS),
        FigureStore.of(settings, "power"),
    )


def _disk_key(snap: Snapshot, *parts: object) -> str | None:
    """The persisted figures' key: the snapshot ids read and the parameters (None when nothing persists)."""
    if snap.store is None:
        return None
    ids = [snap.root, snap.readings, snap.accounts, snap.registry, snap.links]
    return snap.store.key(ids, *parts)


def _scan(snap: Snapshot, dataset: str, snapshot_id: str, columns: list[str] | None = None) -> str:
    return lake.scan_sql(lake.Lake(Path(snap.root)).require(dataset, snapshot_id), columns)


def _users_sql(snap: Snapshot) -> str:
    """One row per power account: its enterprise and the attributes the levels group by."""
    assert snap.accounts is not None
    mapping = ", ".join(f"'{d}': '{s.code}'" for s in sections() for d in s.divisions)
    if snap.registry is not None:
        registry = f"({_scan(snap, REGISTRY, snap.registry)})"
        key = " OR ".join(f"coalesce(m.{flag}, false)" for flag in KEY_FLAGS)
        registry_columns = f"""m.enterprise_key AS registered, m.name AS registered_name, m.county_code AS m_county,
            m.industry_section AS m_section, m.industry_division AS m_division,
            CASE m.size_class WHEN '规上' THEN 'above' WHEN '规下' THEN 'below' END AS m_size,
            CASE WHEN m.enterprise_key IS NULL THEN NULL WHEN {key} THEN 'key' ELSE 'other' END AS m_key"""
        join = f"LEFT JOIN {registry} m ON m.enterprise_key = a.enterprise_key"
    else:
        registry_columns = """NULL AS registered, NULL AS registered_name, NULL AS m_county, NULL AS m_section,
            NULL AS m_division, NULL AS m_size, NULL AS m_key"""
        join = ""
    return f"""
        WITH joined AS (
            SELECT CAST(a.account_id AS VARCHAR) AS user_id, a.enterprise_key, a.account_name, a.county_code,
                a.industry_division, {registry_columns}
            FROM ({_scan(snap, ACCOUNTS, snap.accounts)}) a {join}
        ), attributed AS (
            SELECT *, coalesce(m_county, county_code) AS county,
                coalesce(m_division, industry_division) AS division,
                coalesce(m_section, map_extract_value(MAP {{{mapping}}}, coalesce(m_division, industry_division)))
                    AS section
            FROM joined
        )
        SELECT user_id, coalesce(enterprise_key, 'account:' || user_id) AS enterprise_id,
            coalesce(registered_name, account_name, '') AS name,
            coalesce(county, '{UNKNOWN}') AS county_code,
            coalesce(substr(county, 1, 4) || '00', '{UNKNOWN}') AS city_code,
            coalesce(section, '{UNKNOWN}') AS industry, coalesce(division, '') AS industry_division,
            coalesce(m_size, '{UNKNOWN}') AS size_class, coalesce(m_key, 'other') AS key_group,
            enterprise_key, registered IS NOT NULL AS registered
        FROM attributed ORDER BY user_id"""


@contextmanager
def _opened(snap: Snapshot) -> Iterator[ibis.BaseBackend]:
    """A fresh DuckDB backend with ``readings(user_id, day, wh)`` over the lake and ``users`` (when known)."""
    backend = duckdb_backend()
    con = backend.con
    try:
        scan = _scan(snap, READINGS, snap.readings, ["account_id", "day", "kwh"])
        sql(
            con,
            f"""CREATE VIEW readings AS SELECT CAST(account_id AS VARCHAR) AS user_id, day,
                CAST(kwh * 1000 AS BIGINT) AS wh FROM ({scan})""",
        )
        if snap.accounts is not None:
            sql(con, f"CREATE TABLE users AS {_users_sql(snap)}")
        yield backend
    finally:
        backend.disconnect()


def coverage(snap: Snapshot) -> Coverage:
    """The days, readings and accounts of one snapshot, and the counties and industries its users belong to."""
    with _COMPUTING:
        return _coverage(snap)


@lru_cache(maxsize=8)
def _coverage(snap: Snapshot) -> Coverage:
    key = _disk_key(snap, "coverage")
    if key is not None and snap.store is not None:
        kept = snap.store.read_json(key)
        try:
            if kept is not None:
                return Coverage(
                    date.fromisoformat(kept["first_day"]),
                    date.fromisoformat(kept["last_day"]),
                    int(kept["readings"]),
                    int(kept["accounts"]),
                    tuple(kept["counties"]),
                    tuple(kept["industries"]),
                )
        except (KeyError, TypeError, ValueError):
            pass  # not what we wrote: computed again below and written over
    cover = _count(snap)
    if key is not None and snap.store is not None:
        snap.store.write_json(
            key,
            {
                "first_day": cover.first_day.isoformat(),
                "last_day": cover.last_day.isoformat(),
                "readings": cover.readings,
                "accounts": cover.accounts,
                "counties": list(cover.counties),
                "industries": list(cover.industries),
            },
        )
    return cover


def _count(snap: Snapshot) -> Coverage:
    with _opened(snap) as backend:
        first, last, rows, accounts = sql(
            backend.con, "SELECT min(day), max(day), count(wh), count(DISTINCT user_id) FROM readings"
        )[0]
        counties: tuple[str, ...] = ()
        industries: tuple[str, ...] = ()
        if snap.accounts is not None:
            counties = tuple(str(r[0]) for r in sql(backend.con, "SELECT DISTINCT county_code FROM users ORDER BY 1"))
            industries = tuple(str(r[0]) for r in sql(backend.con, "SELECT DISTINCT industry FROM users ORDER BY 1"))
    if first is None:
        raise NoGridReadings(f"{READINGS}@{snap.readings} holds no readings", field="readings")
    return Coverage(first, last, int(rows), int(accounts), counties, industries)


def _report(snap: Snapshot, cover: Coverage) -> ReadingsReport:
    """The lake's readings described as a checked readings file (the hub has quarantined bad rows already)."""
    return ReadingsReport(
        path=f"{READINGS}@{snap.readings}",
        layout="lake",
        rows=cover.readings,
        readings=cover.readings,
        users=cover.accounts,
        first_day=cover.first_day,
        last_day=cover.last_day,
        missing=0,
        rejected_rows=0,
        rejected_kwh=0,
        duplicates_collapsed=0,
        conflicting_rows=0,
    )


def lake_parameters(
    settings: Settings, levels: str = "province", params: Parameters | None = None, day: date | None = None
) -> tuple[Snapshot, Parameters]:
    """The current snapshot and the parameters of a lake run: ``levels`` and the snapshot ids filled in.

    Without ``params``: the default baseline (December 2019), threshold 0.3, the Zhejiang variant, accounts.
    Days not given are the whole span of the readings (or just ``day``).
    """
    snap = current_snapshot(settings)
    cover = coverage(snap)
    parsed = parse_levels(levels)
    if snap.accounts is None and parsed != ("province",):
        raise NoGridReadings(
            f"levels {levels!r} need the power users' counties and industries: ingest {ACCOUNTS} first",
            field="levels",
        )
    if params is None:
        params = Parameters(parse_baseline(DEFAULT_BASELINE))
    first = day or params.first_day or cover.first_day
    last = day or params.last_day or cover.last_day
    if params.view is View.enterprises and snap.accounts is None:
        raise NoGridReadings(f"the enterprise view needs {ACCOUNTS} in the lake", field="view")
    return snap, replace(params, levels=parsed, first_day=first, last_day=last, snapshot=snap.reference)


def parameters_from_text(
    settings: Settings,
    baseline: str = DEFAULT_BASELINE,
    threshold: str = "0.3",
    variant: Variant = Variant.zhejiang,
    view: View = View.accounts,
    first_day: date | None = None,
    last_day: date | None = None,
) -> Parameters:
    """Parameters from the CLI's or the API's text; days not given are the span of the lake's readings."""
    cover = coverage(current_snapshot(settings))
    first = first_day or cover.first_day
    last = last_day or cover.last_day
    check_day(cover, first, "from")
    check_day(cover, last, "to")
    if first > last:
        raise PowerInputError(f"from {first} is after to {last}", field="from")
    window = parse_baseline(baseline, first, last)
    return Parameters(window, Ratio.parse(threshold, "threshold"), variant, view, first_day=first, last_day=last)


def check_day(cover: Coverage, day: date, field: str = "day") -> None:
    """A day the readings do not cover is refused with the span they do cover."""
    if not cover.first_day <= day <= cover.last_day:
        raise PowerInputError(
            f"{day.isoformat()} is outside the grid readings, which cover "
            f"{cover.first_day.isoformat()}..{cover.last_day.isoformat()}",
            field=field,
        )


def check_group(cover: Coverage, county: str | None, industry: str | None) -> None:
    """A county or industry section none of the lake's power users belongs to is refused, naming those known."""
    if county is not None and county not in cover.counties:
        raise UnknownGroup(
            f"no power users in county {county!r}; counties in the lake: {', '.join(cover.counties) or 'none'}",
            field="county",
        )
    if industry is not None and industry not in cover.industries:
        raise UnknownGroup(
            f"no power users in industry {industry!r}; sections in the lake: {', '.join(cover.industries) or 'none'}",
            field="industry",
        )


def _checks(backend: ibis.BaseBackend, snap: Snapshot, params: Parameters) -> None:
    cover = coverage(snap)
    report = _report(snap, cover)
    check_baseline(backend.con, params.baseline, report)
    assert params.first_day is not None
    assert params.last_day is not None
    check_day(cover, params.first_day, "from")
    check_day(cover, params.last_day, "to")
    if params.first_day > params.last_day:
        raise PowerInputError(f"from {params.first_day} is after to {params.last_day}", field="from")
    check_days(backend.con, params.first_day, params.last_day, "the days", report)


def lake_index(
    settings: Settings, levels: str = "province,county,industry", params: Parameters | None = None
) -> IndexRun:
    """The index per day and level from the lake's current snapshots (kept per snapshot ids and parameters).

    ``levels`` decides the levels (``province,county,industry,sector,...``; ``+`` combines), whatever
    ``params.levels`` says. The result names the snapshot ids in ``parameters.snapshot``.
    """
    snap, parameters = lake_parameters(settings, levels, params)
    with _COMPUTING:
        run = _index(snap, parameters)
    return IndexRun(run.figures.copy(), run.parameters, list(run.notes))


@lru_cache(maxsize=32)
def _index(snap: Snapshot, params: Parameters) -> IndexRun:
    """The figures of ``params``: read from the persisted copy when there is a sound one, else computed and kept."""
    key = _disk_key(snap, "index", params.as_dict())
    if key is None or snap.store is None:
        return _compute_index(snap, params)
    kept = snap.store.read_frame(key)
    if kept is not None:
        frame, meta = kept
        if meta.get("parameters") == params.as_dict() and list(frame.columns) == list(OUTPUT_COLUMNS):
            return IndexRun(frame, params, [str(n) for n in meta.get("notes", [])])
    run = _compute_index(snap, params)
    snap.store.write_frame(key, run.figures, {"parameters": params.as_dict(), "notes": run.notes})
    return run


def _compute_index(snap: Snapshot, params: Parameters) -> IndexRun:
    with _opened(snap) as backend:
        _checks(backend, snap, params)
        notes: list[str] = []
        users = backend.table("users") if snap.accounts is not None else None
        frame = compute(backend.table("readings"), users, params)
        outside = _outside(frame, params.levels[0])
        if outside:
            notes.append(
                f"{outside} users outside the population (no reading, or a zero total, in the baseline window)"
            )
        unknown = unjudged_users(backend.con, params, with_users=users is not None)
        if unknown:
            notes.append(
                f"{unknown} accounts have readings in the indexed days but neither a baseline nor a line in "
                f"{ACCOUNTS}: they cannot be judged and are outside the population"
            )
        if snap.accounts is not None:
            unmatched = sql(backend.con, "SELECT count(*) FILTER (WHERE NOT registered) FROM users")[0][0]
            if unmatched:
                notes.append(
                    f"{unmatched} accounts have no enterprise in {REGISTRY}: their own county and industry are used"
                )
    return IndexRun(present(frame, default_namer()), params, notes)


def _outside(frame: pd.DataFrame, level: str) -> int:
    """Users outside the population: summed over the groups of one level (they part the users), on any day."""
    rows = frame[frame["level"] == level]
    if rows.empty:
        return 0
    return int(rows.groupby("day")["outside_users"].sum().max())


def lake_enterprises(
    settings: Settings,
    day: date,
    county: str | None = None,
    industry: str | None = None,
    params: Parameters | None = None,
) -> LakeTable:
    """Every power user (account, or enterprise in the enterprise view) on ``day``: kWh, baseline, ratio, resumed.

    Columns: day, account_id (the enterprise's accounts joined by ", " in the enterprise view), enterprise_key,
    name, county_code, industry (section), industry_division, sector, size_class, kwh, baseline_kwh, ratio_pct,
    resumed, missing (no reading that day), in_population (has a baseline). Sorted by county, industry, ratio.
    """
    snap, parameters = lake_parameters(settings, "province", params, day)
    if snap.accounts is None:
        raise NoGridReadings(f"the drill-down needs the power users: ingest {ACCOUNTS} first", field="readings")
    cover = coverage(snap)
    check_day(cover, day)
    check_group(cover, county, industry)
    with _COMPUTING:
        table = _enterprises(snap, parameters, day)
    rows = table.rows
    if county is not None:
        rows = rows[rows["county_code"] == county]
    if industry is not None:
        rows = rows[rows["industry"] == industry]
    return LakeTable(rows.reset_index(drop=True), table.parameters, list(table.notes))


@lru_cache(maxsize=4)  # one row per account: a few per snapshot are enough (the days people look at)
def _enterprises(snap: Snapshot, params: Parameters, day: date) -> LakeTable:
    with _opened(snap) as backend:
        check_baseline(backend.con, params.baseline, _report(snap, coverage(snap)))
        readings, users = units(backend.table("readings"), backend.table("users"), params)
        assert users is not None
        pop = population(readings, users, params)
        today = readings.filter(readings.day == day).select("user_id", "wh")
        joined = pop.left_join(today, "user_id")
        baseline = ibis.ifelse(joined.in_population, joined.s.cast("float64") / joined.n.cast("float64"), None)
        status = frame_of(
            joined.select(
                user_id=joined.user_id,
                kwh=joined.wh.cast("float64") / 1000.0,
                baseline_kwh=baseline / 1000.0,
                ratio_pct=joined.wh.cast("float64") * 100.0 / baseline,
                resumed=joined.in_population
                & joined.wh.notnull()
                & exact_at_least(params.threshold, joined.wh, joined.n, joined.s),
                missing=joined.wh.isnull(),
                in_population=joined.in_population,
                county_code=joined.county_code,
                industry=joined.industry,
                sector=joined.sector,
                size_class=joined.size_class,
            )
        )
        who = backend.con.execute(_who_sql(params.view)).df()
    rows = status.merge(who, on="user_id", how="left")
    rows["account_id"] = rows["account_id"].fillna(rows["user_id"])
    for column in ("enterprise_key", "name", "industry_division"):
        rows[column] = rows[column].fillna("")
    rows["day"] = day
    rows["resumed"] = rows["resumed"].fillna(False).astype(bool)
    rows = rows.sort_values(["county_code", "industry", "ratio_pct", "account_id"], na_position="last")
    notes = [f"{int((~rows['in_population']).sum())} users have no baseline and are outside the population"]
    return LakeTable(rows[list(ENTERPRISE_COLUMNS)].reset_index(drop=True), params, notes)


def _who_sql(view: View) -> str:
    if view is View.accounts:
        return """SELECT user_id, user_id AS account_id, coalesce(enterprise_key, '') AS enterprise_key, name,
            industry_division FROM users"""
    return """SELECT enterprise_id AS user_id, string_agg(user_id, ', ' ORDER BY user_id) AS account_id,
        coalesce(max(enterprise_key), '') AS enterprise_key, max(name) AS name,
        max(industry_division) AS industry_division FROM users GROUP BY enterprise_id"""


def lake_shortfalls(
    settings: Settings,
    day: date,
    county: str | None = None,
    params: Parameters | None = None,
    rules: ShortfallRules | None = None,
) -> LakeTable:
    """Enterprises resumed but below ``rules.below`` × baseline for ``rules.days`` days up to ``day``.

    Enterprises are judged with their accounts summed; each row names the enterprise (key and name) and its
    suppliers' resumption status on ``day`` from the lake's ``supply_links`` (keys, never plain codes).
    """
    base = params or Parameters(parse_baseline(DEFAULT_BASELINE))
    snap, parameters = lake_parameters(settings, "province", replace(base, view=View.enterprises), day)
    if snap.accounts is None:
        raise NoGridReadings(f"the shortfall list needs the power users: ingest {ACCOUNTS} first", field="readings")
    cover = coverage(snap)
    check_day(cover, day)
    check_group(cover, county, None)
    with _COMPUTING:
        table = _shortfalls(snap, parameters, day, rules or ShortfallRules())
    rows = table.rows
    if county is not None:
        rows = rows[rows["county_code"] == county]
    return LakeTable(rows.reset_index(drop=True), table.parameters, list(table.notes))


@lru_cache(maxsize=8)
def _shortfalls(snap: Snapshot, params: Parameters, day: date, rules: ShortfallRules) -> LakeTable:
    notes = []
    with _opened(snap) as backend:
        check_baseline(backend.con, params.baseline, _report(snap, coverage(snap)))
        links = None
        if snap.links is not None:
            sql(
                backend.con,
                f"""CREATE TABLE links AS SELECT DISTINCT buyer_key AS enterprise_id, supplier_key AS supplier_id
                    FROM ({_scan(snap, LINKS, snap.links)}) WHERE buyer_key IS NOT NULL AND supplier_key IS NOT NULL""",
            )
            links = backend.table("links")
        else:
            notes.append(f"the lake has no {LINKS}: suppliers are not shown")
        readings, users = units(backend.table("readings"), backend.table("users"), params)
        pop = population(readings, users, params)
        listed = shortfalls(readings, pop, params, day, links, rules)
        names = backend.con.execute("SELECT enterprise_id, max(name) AS name FROM users GROUP BY 1").df()
    listed = listed.merge(names, on="enterprise_id", how="left")
    listed["name"] = listed["name"].fillna("")
    # suppliers by name for people (the key stays beside it, the pseudonym the lake knows them by)
    known = dict(zip(names["enterprise_id"], names["name"], strict=True))
    listed["supplier_status"] = [
        _KEY.sub(lambda m: f"{known[m[0]]} ({m[0][:8]})" if known.get(m[0]) else m[0], status)
        for status in listed["supplier_status"]
    ]
    columns = ["enterprise_id", "name", *[c for c in listed.columns if c not in ("enterprise_id", "name")]]
    snapshot = params.snapshot + (f"; {LINKS}@{snap.links}" if snap.links else "") if params.snapshot else None
    return LakeTable(listed[columns], replace(params, snapshot=snapshot), notes)


GAMING_COLUMNS = ("account_id", "enterprise_key", "name", "county_code", "industry", *FLAG_COLUMNS[1:])


def lake_gaming(
    settings: Settings,
    first_day: date | None = None,
    last_day: date | None = None,
    county: str | None = None,
    params: Parameters | None = None,
    rules: GamingRules | None = None,
) -> LakeTable:
    """The gaming checks (``flat``, ``jump``) on the lake's readings from ``first_day`` to ``last_day``.

    One row per power user (account, or enterprise in the enterprise view) and check, with its name, county,
    industry, first and last day flagged and the reason. Flagged users stay in the index. The lake has no table of
    staff on site, so the ``workforce`` check runs on files only (``fugong power gaming --workforce``).
    """
    base = params or Parameters(parse_baseline(DEFAULT_BASELINE))
    base = replace(base, first_day=first_day or base.first_day, last_day=last_day or base.last_day)
    snap, parameters = lake_parameters(settings, "province", base)
    if snap.accounts is None:
        raise NoGridReadings(f"the gaming checks need the power users: ingest {ACCOUNTS} first", field="readings")
    check_group(coverage(snap), county, None)
    with _COMPUTING:
        table = _gaming(snap, parameters, rules or GamingRules())
    rows = table.rows
    if county is not None:
        rows = rows[rows["county_code"] == county]
    return LakeTable(rows.reset_index(drop=True), table.parameters, list(table.notes))


@lru_cache(maxsize=8)
def _gaming(snap: Snapshot, params: Parameters, rules: GamingRules) -> LakeTable:
    with _opened(snap) as backend:
        _checks(backend, snap, params)
        readings, users = units(backend.table("readings"), backend.table("users"), params)
        flags = gaming_flags(readings, population(readings, users, params), params, None, rules)
        who = backend.con.execute(_who_sql(params.view)).df()
        where = backend.con.execute(
            "SELECT enterprise_id AS user_id, max(county_code) AS county_code, max(industry) AS industry FROM users "
            "GROUP BY 1"
            if params.view is View.enterprises
            else "SELECT user_id, county_code, industry FROM users"
        ).df()
    rows = flags.merge(who, on="user_id", how="left").merge(where, on="user_id", how="left")
    rows["account_id"] = rows["account_id"].fillna(rows["user_id"])
    for column, missing in (("enterprise_key", ""), ("name", ""), ("county_code", UNKNOWN), ("industry", UNKNOWN)):
        rows[column] = rows[column].fillna(missing)
    flagged = rows["user_id"].nunique()
    notes = [f"{flagged} power users flagged; flagged users stay in the index (a flag asks the county to look)"]
    return LakeTable(rows[list(GAMING_COLUMNS)].reset_index(drop=True), params, notes)
