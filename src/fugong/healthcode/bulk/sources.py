"""The lake's feeds as facts of the long form (``frame.FACT_SCHEMA``), in Ibis: the edge between lake and engine.

- ``cdc_cases``: a confirmed diagnosis on ``confirmed_on`` (not for 排除病例); a suspected one on
  ``suspected_on``, cleared on ``excluded_on``.
- ``cdc_contacts``: a close contact listed on ``observation_from`` (else the last contact), last exposure
  ``last_contact_on``; isolation from ``observation_from`` to ``observation_to``.
- ``telecom_stays``: a stay in a key epidemic area (region code starting with one of ``key_areas``, default
  Hubei ``42``), known on its last day; a phone without an ID number is matched through ``persons.phone_key``.
- ``checkpoint_scans``: a gate temperature (tenths of a degree); and, for everyone scanned at the same place in
  the same hour as a case within the 14 days before the case was confirmed, a co-location known on that day.

Persons are the hub's pseudonyms (``person_key``), the only key the lake has. Lake CDC case lists carry no
discharge date, so a confirmed case's counting towards green starts only from an appeal or a fact in the store.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import ibis
import ibis.expr.types as ir

from fugong.healthcode.bulk.frame import FACT_SCHEMA

FEEDS = ("cdc_cases", "cdc_contacts", "telecom_stays", "checkpoint_scans")
KEY_AREAS = ("42",)
"""Region code prefixes of key epidemic areas (重点疫区): Hubei province in February 2020."""
CO_LOCATION_DAYS = 14
"""How many days before a case's confirmation a shared place and hour counts."""

_SCHEMA = ibis.schema(FACT_SCHEMA)


def _facts(table: ir.Table, **columns: Any) -> ir.Table:
    """Rows of the long form: the given columns, typed nulls for the others."""
    out = {}
    for name, dtype in _SCHEMA.items():
        value = columns.get(name)
        out[name] = (
            ibis.null(dtype)
            if value is None
            else ibis.literal(value).cast(dtype)
            if isinstance(value, (str, int))
            else value.cast(dtype)
        )
    return table.select(**out)


def _day(column: Any) -> Any:
    return column.epoch_days()


def cases(t: Any) -> list[ir.Table]:
    """Confirmed and suspected diagnoses from the CDC's case list."""
    known = t.filter(t.person_key.notnull())
    confirmed = known.filter(t.confirmed_on.notnull() & (t.classification.fill_null("") != "排除病例"))
    suspected = known.filter(t.suspected_on.notnull())
    cleared = ibis.cases((suspected.excluded_on >= suspected.suspected_on, _day(suspected.excluded_on)), else_=None)
    return [
        _facts(
            confirmed,
            person=confirmed.person_key,
            seq=0,
            type="diagnosis",
            source="cdc",
            on=_day(confirmed.confirmed_on),
            kind="confirmed",
        ),
        _facts(
            suspected,
            person=suspected.person_key,
            seq=1,
            type="diagnosis",
            source="cdc",
            on=_day(suspected.suspected_on),
            kind="suspected",
            d1=cleared,
        ),
    ]


def contacts(t: Any) -> list[ir.Table]:
    """Close contacts and their isolation (medical observation) from the CDC."""
    known = t.filter(t.person_key.notnull())
    listed = ibis.greatest(known.observation_from, known.last_contact_on)
    observed = known.filter(known.observation_from.notnull())
    end = ibis.cases((observed.observation_to >= observed.observation_from, _day(observed.observation_to)), else_=None)
    return [
        _facts(
            known,
            person=known.person_key,
            seq=2,
            type="close_contact",
            source="cdc",
            on=_day(listed),
            d1=_day(known.last_contact_on),
        ),
        _facts(
            observed,
            person=observed.person_key,
            seq=3,
            type="isolation",
            source="cdc",
            on=_day(observed.observation_from),
            d1=_day(observed.observation_from),
            d2=end,
            kind="home",
        ),
    ]


def stays(t: Any, persons: Any | None, key_areas: tuple[str, ...]) -> list[ir.Table]:
    """Stays in key epidemic areas from the telecom operators."""
    key = ibis.literal(False)
    for prefix in key_areas:
        key = key | t.region_code.startswith(prefix)
    s: Any = t.filter(key)
    if persons is not None:
        phones = persons.filter(persons.phone_key.notnull()).select(_phone="phone_key", _owner="person_key")
        s = s.left_join(phones, s.phone_key == phones._phone)
        s = s.mutate(person_key=s.person_key.fill_null(s._owner))
    s = s.filter(s.person_key.notnull())
    return [
        _facts(
            s,
            person=s.person_key,
            seq=4,
            type="risk_area_stay",
            source="telecom",
            on=_day(s.last_day),
            kind="key",
            place=s.region_code,
            d1=_day(s.first_day),
            d2=_day(s.last_day),
        )
    ]


def scans(t: Any, case_list: Any | None) -> list[ir.Table]:
    """Gate temperatures, and co-locations with cases confirmed later."""
    out = [
        _facts(
            t,
            person=t.person_key,
            seq=5,
            type="checkpoint_temperature",
            source="checkpoint",
            on=_day(t.scanned_at.date()),
            at=t.scanned_at.epoch_seconds(),
            place=t.place_id,
            tenths=(t.temperature * 10).round(0),
        )
    ]
    if case_list is None:
        return out
    confirmed = case_list.filter(case_list.person_key.notnull() & case_list.confirmed_on.notnull())
    confirmed = confirmed.select(_case="person_key", _confirmed="confirmed_on")
    hourly = t.mutate(_hour=t.scanned_at.truncate("h"))
    of_cases = hourly.join(confirmed, hourly.person_key == confirmed._case).select(
        _place="place_id", _hour="_hour", _case="_case", _confirmed="_confirmed"
    )
    met: Any = hourly.join(
        of_cases,
        (hourly.place_id == of_cases._place) & (hourly._hour == of_cases._hour) & (hourly.person_key != of_cases._case),
    )
    visit = _day(met.scanned_at.date())
    confirmed_day = _day(met._confirmed)
    met = met.filter((visit <= confirmed_day) & (visit > confirmed_day - CO_LOCATION_DAYS))
    out.append(
        _facts(
            met,
            person=met.person_key,
            seq=6,
            type="co_location",
            source="checkpoint",
            on=_day(met._confirmed),
            at=met._hour.epoch_seconds(),
            place=met.place_id,
        )
    )
    return out


def lake_facts(tables: Mapping[str, ir.Table], key_areas: tuple[str, ...] = KEY_AREAS) -> ir.Table:
    """The long form of every fact the lake's feeds give (whichever of :data:`FEEDS` are present)."""
    parts: list[ir.Table] = []
    if "cdc_cases" in tables:
        parts += cases(tables["cdc_cases"])
    if "cdc_contacts" in tables:
        parts += contacts(tables["cdc_contacts"])
    if "telecom_stays" in tables:
        parts += stays(tables["telecom_stays"], tables.get("persons"), key_areas)
    if "checkpoint_scans" in tables:
        parts += scans(tables["checkpoint_scans"], tables.get("cdc_cases"))
    return ibis.union(*parts, distinct=False)
