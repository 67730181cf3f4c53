"""Trips around the 2020 Spring Festival and the telecom stays they leave: Wuhan, Hubei, other provinces, returns.

Each person makes at most one trip out of Zhejiang: migrant households go home before the festival and come back
(or not) after it; some local households visit other provinces; a few people visit Wuhan in early January; imported
cases were where their source says shortly before they fell ill.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from fugong.sim.cases import Case
from fugong.sim.persons import People
from fugong.sim.randomness import stream

WUHAN, HUBEI = "420100", "420000"
WUHAN_LOCKDOWN = date(2020, 1, 23)
# Where local households spend the festival outside Zhejiang (province codes), with weights.
VISITED: tuple[tuple[str, float], ...] = (
    ("310000", 30),
    ("320000", 20),
    ("440000", 10),
    ("340000", 10),
    ("360000", 8),
    ("110000", 5),
    ("420000", 5),
    ("430000", 5),
    ("510000", 4),
    ("350000", 3),
)
NOT_BACK = np.datetime64("NaT")


@dataclass
class Trips:
    """One optional trip per person: region, first day away, first day back (NaT: not back)."""

    region: np.ndarray  # "" for no trip
    leave: np.ndarray  # datetime64[D]
    back: np.ndarray  # datetime64[D], NaT when not back

    def away_on(self, person: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Whether each person was outside Zhejiang on each day."""
        leave, back = self.leave[person], self.back[person]
        gone = (self.region[person] != "") & (day >= leave)
        return np.asarray(gone & (np.isnat(back) | (day < back)))

    def returned(self, start: date, end: date) -> np.ndarray:
        """Persons who came back from outside Zhejiang after the 2020 Spring Festival, within the period."""
        back = self.back
        ok = ~np.isnat(back)
        safe = np.where(ok, back, np.datetime64(start))
        return np.asarray(
            ok & (self.region != "") & (safe >= np.datetime64("2020-01-25")) & (safe <= np.datetime64(end))
        )


def _region_of_home(home: str) -> str:
    if home.startswith("4201"):
        return WUHAN
    return home[:2] + "0000"


def plan_trips(seed: int, p: People, cases: list[Case]) -> Trips:
    """Every person's trip, if any."""
    rng = stream(seed, "trips", p.county)
    n = len(p)
    region = np.full(n, "", dtype=object)
    leave = np.full(n, NOT_BACK, dtype="datetime64[D]")
    back = np.full(n, NOT_BACK, dtype="datetime64[D]")
    households, first = np.unique(p.household, return_index=True)
    of_household = np.searchsorted(households, p.household)
    h_draw = rng.random(len(households))
    h_leave = np.datetime64("2020-01-10") + rng.integers(0, 14, len(households))
    h_home = p.home[first]
    h_migrant = p.migrant[first]
    # Migrants: home before the festival; back from early February, Hubei much later or not at all.
    wuhan_home = np.array([h.startswith("4201") for h in h_home])
    hubei_home = np.array([h.startswith("42") for h in h_home])
    arrival = np.datetime64("2020-02-03") + np.clip(rng.gamma(4.0, 4.0, len(households)), 0, 50).astype(np.int64)
    arrival = np.where(hubei_home, np.datetime64("2020-03-25") + rng.integers(0, 20, len(households)), arrival)
    never = (rng.random(len(households)) < np.where(hubei_home, 0.45, 0.08)) | wuhan_home
    h_region = np.array([_region_of_home(h) for h in h_home], dtype=object)
    migrant_rows = h_migrant[of_household]
    region[migrant_rows] = h_region[of_household][migrant_rows]
    leave[migrant_rows] = h_leave[of_household][migrant_rows]
    back[migrant_rows] = np.where(never, NOT_BACK, arrival)[of_household][migrant_rows]
    # Some local households visit another province for the festival.
    codes = np.array([c for c, _ in VISITED], dtype=object)
    weights = np.array([w for _, w in VISITED])
    visit = ~h_migrant & (h_draw < 0.07)
    v_region = codes[rng.choice(len(codes), len(households), p=weights / weights.sum())]
    v_leave = np.datetime64("2020-01-15") + rng.integers(0, 11, len(households))
    v_back = v_leave + rng.integers(3, 15, len(households))
    rows = visit[of_household]
    region[rows] = v_region[of_household][rows]
    leave[rows] = v_leave[of_household][rows]
    back[rows] = v_back[of_household][rows]
    # A few people were in Wuhan in early January.
    wuhan = (region == "") & (rng.random(n) < 0.01)
    region[wuhan] = WUHAN
    leave[wuhan] = np.datetime64("2020-01-01") + rng.integers(0, 18, n)[wuhan]
    back[wuhan] = np.minimum(leave[wuhan] + rng.integers(2, 9, n)[wuhan], np.datetime64(WUHAN_LOCKDOWN))
    # Imported cases were at their source shortly before falling ill.
    for person in np.flatnonzero(p.case >= 0).tolist():
        case = cases[int(p.case[person])]
        anchor = case.confirmed_on or case.suspected_on
        if anchor is None or case.source not in ("湖北输入", "其他省份输入"):
            continue
        went = anchor - timedelta(days=int(rng.integers(15, 26)))
        came = anchor - timedelta(days=int(rng.integers(2, 9)))
        target = WUHAN if case.source == "湖北输入" else str(codes[rng.integers(0, len(codes))])
        if target == WUHAN:
            came = min(came, WUHAN_LOCKDOWN)
            went = min(went, came - timedelta(days=2))
        region[person], leave[person], back[person] = target, np.datetime64(went), np.datetime64(came)
    return Trips(region.astype(str), leave, back)


def stay_rows(p: People, trips: Trips, start: date, end: date, persons: np.ndarray) -> dict[str, list[object]]:
    """Telecom stays of some persons (those with a phone): home county, the trip, home again; cut to the period."""
    who = persons[p.phone[persons] != ""]
    first, last = np.datetime64(start, "D"), np.datetime64(end, "D")
    one_day = np.timedelta64(1, "D")
    region = trips.region[who]
    leave, back = trips.leave[who], trips.back[who]
    travels = region != ""
    never_back = np.isnat(back)
    # Up to three spans per person, in order: home until the trip, the trip, home again (NaT marks no span).
    home_to = np.where(travels, leave - one_day, last)
    trip_from = np.where(travels, leave, np.datetime64("NaT"))
    trip_to = np.where(travels, np.where(never_back, last, back - one_day), np.datetime64("NaT"))
    again_from = np.where(travels & ~never_back, back, np.datetime64("NaT"))
    n = len(who)
    person = np.tile(np.arange(n), 3).reshape(3, n).T.ravel()
    codes = np.stack([np.full(n, p.county), region, np.full(n, p.county)], axis=1).ravel()
    lows = np.stack([np.full(n, first), trip_from, again_from], axis=1).ravel().astype("datetime64[D]")
    highs = np.stack([home_to, trip_to, np.where(np.isnat(again_from), again_from, last)], axis=1).ravel()
    highs = highs.astype("datetime64[D]")
    lows = np.maximum(lows, first)
    highs = np.minimum(highs, last)
    keep = ~np.isnat(lows) & ~np.isnat(highs) & (lows <= highs)
    person, codes, lows, highs = person[keep], codes[keep], lows[keep], highs[keep]
    return {
        "msisdn": p.phone[who][person].tolist(),
        "id_number": p.id_number[who][person].tolist(),
        "region_code": codes.tolist(),
        "first_day": lows.astype(object).tolist(),
        "last_day": highs.astype(object).tolist(),
    }
