"""Identifiers: resident ID numbers (GB 11643), unified social credit codes (GB 32100), phones, account numbers.

Check characters are computed with python-stdnum (``stdnum.cn.ric``, ``stdnum.cn.uscc``), never by hand.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import numpy as np
from stdnum import numdb
from stdnum.cn import ric, uscc

from fugong.sim.randomness import scramble

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
RIC_CHECKS = "0123456789X"
_BIRTH_EPOCH = date(1900, 1, 1)
_PHONE_PREFIXES = {
    "cmcc": ("134", "135", "136", "137", "138", "139", "150", "151", "152", "157", "158", "159", "182", "187", "188"),
    "unicom": ("130", "131", "132", "155", "156", "166", "185", "186"),
    "telecom": ("133", "153", "173", "177", "180", "181", "189", "199"),
}
CARRIERS = tuple(_PHONE_PREFIXES)


@lru_cache(maxsize=8192)
def _register_entries(code: str) -> tuple[tuple[int, int, str], ...]:
    """(first year, last year, name) of every entry stdnum's register has for a 6-digit code (empty: unknown)."""
    parts = numdb.get("cn/loc").info(code)
    counties = [props["county"] for part, props in parts if len(part) == 4 and "county" in props]
    entries = []
    for text in ",".join(counties).split(","):
        if not text:
            continue
        first, last, name = 0, 9999, text
        if text.startswith("["):
            span, name = text[1:].split("]", 1)
            lo, hi = span.split("-")
            first, last = int(lo or 0), int(hi or 9999)
        entries.append((first, last, name))
    if not counties and len(parts) == 1 and code.endswith("0000"):
        entries.append((0, 9999, parts[0][1].get("province", "")))
    return tuple(entries)


def _valid_in(code: str, year: int) -> bool:
    # The same rule stdnum.cn.ric.get_birth_place applies: some entry of the code was in force in the birth year.
    return any(first <= year <= last for first, last, _ in _register_entries(code))


@lru_cache(maxsize=16384)
def id_region(home_code: str, birth_year: int) -> str:
    """The region part of the ID of a person from ``home_code`` born in ``birth_year``, as stdnum's register allows.

    The home county's code when it existed in the birth year; otherwise a code of the same name in the same city
    valid then (乐清县 330323 for 乐清市 330382 before 1993), else the city, else the province.
    """
    if _valid_in(home_code, birth_year):
        return home_code
    entries = _register_entries(home_code)
    stem = _stem(entries[-1][2]) if entries else ""
    if stem:
        for suffix in range(100):
            code = f"{home_code[:4]}{suffix:02d}"
            if (
                code != home_code
                and any(stem in name for _, _, name in _register_entries(code))
                and _valid_in(code, birth_year)
            ):
                return code
    for code in (home_code[:4] + "00", home_code[:2] + "0000"):
        if _valid_in(code, birth_year):
            return code
    raise ValueError(f"no ID region valid in {birth_year} for {home_code}")


def _stem(name: str) -> str:
    for suffix in ("自治县", "市", "县", "区"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


class ResidentIdIssuer:
    """Issues unique resident ID numbers: region + birth date + a sequence whose parity gives the sex + check digit.

    Uniqueness comes from a counter per (region, birth day, sex), so no two persons ever share a number, at any scale.
    """

    def __init__(self, seed: int) -> None:
        order = np.random.default_rng(seed).permutation(500)
        self._order = order.astype(np.int64)
        self._counters: dict[str, np.ndarray] = {}

    def issue(self, home_codes: np.ndarray, birthdays: np.ndarray, male: np.ndarray) -> np.ndarray:
        """ID numbers for persons with these home counties, birth days (datetime64[D]) and sexes."""
        days = (birthdays.astype("datetime64[D]") - np.datetime64(_BIRTH_EPOCH, "D")).astype(np.int64)
        years = birthdays.astype("datetime64[Y]").astype(np.int64) + 1970
        regions = np.array([id_region(h, int(y)) for h, y in zip(home_codes.tolist(), years.tolist(), strict=True)])
        sexes = male.astype(np.int64)
        seq = np.empty(len(days), dtype=np.int64)
        for region in np.unique(regions):
            rows = np.flatnonzero(regions == region)
            counter = self._counters.setdefault(str(region), np.zeros((2, 50_000), dtype=np.int64))
            key = days[rows] * 2 + sexes[rows]
            order = np.argsort(key, kind="stable")
            sorted_key = key[order]
            starts = np.r_[0, np.flatnonzero(np.diff(sorted_key)) + 1]
            rank = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
            base = counter[sexes[rows][order], days[rows][order]]
            slot = base + rank
            if slot.max(initial=0) >= 500:
                raise ValueError(f"more than 500 persons of one sex born on one day in {region}")
            seq[rows[order]] = self._order[slot] * 2 + sexes[rows][order]
            np.add.at(counter, (sexes[rows], days[rows]), 1)
        dates = np.datetime_as_string(birthdays.astype("datetime64[D]"), unit="D")
        bodies = [f"{r}{d[:4]}{d[5:7]}{d[8:10]}{s:03d}" for r, d, s in zip(regions, dates, seq.tolist(), strict=True)]
        return np.array([b + ric.calc_check_digit(b + "0") for b in bodies])


def credit_codes(county_code: str, rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` distinct credit codes registered in a county: 91 (company, market regulator) + county + MA + 7 + check."""
    alphabet = np.array(list(USCC_ALPHABET))
    bodies: list[str] = []
    seen: set[str] = set()
    while len(bodies) < n:
        draws = alphabet[rng.integers(0, len(alphabet), size=(n - len(bodies), 7))]
        for row in draws:
            body = f"91{county_code}MA{''.join(row)}"
            if body not in seen:
                seen.add(body)
                bodies.append(body)
    return np.array([b + uscc.calc_check_digit(b) for b in bodies])


def bad_check(number: str, kind: str) -> str:
    """The same number (``kind`` "ric" or "uscc") with a wrong check character, as a typo in the last place makes."""
    alphabet = RIC_CHECKS if kind == "ric" else USCC_ALPHABET
    current = number[-1]
    position = (alphabet.index(current) + 1 + (sum(map(ord, number)) % (len(alphabet) - 1))) % len(alphabet)
    replacement = alphabet[position]
    if replacement == current:
        replacement = alphabet[(position + 1) % len(alphabet)]
    return number[:-1] + replacement


def phones(index: np.ndarray, carrier_draw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unique mobile numbers for global person indexes, and their carriers (drawn: 0 cmcc, 1 unicom, 2 telecom)."""
    numbers = scramble(index, 10**8, 12_345_678)
    carriers = np.array(CARRIERS)[carrier_draw]
    out = []
    for number, draw, carrier in zip(numbers.tolist(), (index % 7).tolist(), carriers.tolist(), strict=True):
        prefixes = _PHONE_PREFIXES[carrier]
        out.append(f"{prefixes[draw % len(prefixes)]}{number:08d}")
    return np.array(out), carriers


def account_ids(index: np.ndarray) -> np.ndarray:
    """Unique 10-digit power account numbers (户号) for global account indexes."""
    return np.array([f"33{n:08d}" for n in scramble(index, 10**8, 31_415_926).tolist()])
