"""A person's facts (事实) for the health code, each with its source and date, and the data object rules read.

Facts are what departments and the person said, not conclusions: a CDC listing as a close contact, a telecom stay
in a key epidemic area, a self-declaration, a gate temperature, a daily check-in (打卡). :func:`rule_data` turns
them into the CertLogic data object colour rules are written against; :data:`CONTRACT` lists its fields and is
the contract between this module and every rule set (see docs/healthcode.md, "The facts contract").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal, get_args

from fugong.errors import InvalidInput

Source = Literal["cdc", "telecom", "transport", "checkpoint", "self_declaration", "checkin", "manual"]
SOURCES: tuple[str, ...] = get_args(Source)
SOURCE_NAMES: Mapping[str, tuple[str, str]] = {
    "cdc": ("疾控中心", "CDC"),
    "telecom": ("通信运营商", "telecom operator"),
    "transport": ("交通部门", "transport department"),
    "checkpoint": ("卡口测温", "checkpoint"),
    "self_declaration": ("本人申报", "your own declaration"),
    "checkin": ("每日健康打卡", "daily check-in"),
    "manual": ("人工核定", "an official's finding"),
}
FEVER_TENTHS = 373
"""37.3 °C in tenths of a degree: the fever threshold at gates and in check-ins (CertLogic has only integers)."""


class UnknownFactType(InvalidInput):
    """A fact of a type the health code does not know, in data or in a rule set's list of facts."""

    code = "unknown_fact_type"


class InvalidFact(InvalidInput):
    """A fact with a missing, extra or impossible field."""

    code = "invalid_fact"


def _check_source(fact: Any, allowed: tuple[str, ...]) -> None:
    if fact.source not in allowed:
        raise InvalidFact(
            f"{type(fact).__name__}: source {fact.source!r} is not one of {', '.join(allowed)}", field="source"
        )


@dataclass(frozen=True)
class Diagnosis:
    """Confirmed (确诊) or suspected (疑似) case; ``cleared_on``: discharged, or excluded as a suspect."""

    kind: Literal["confirmed", "suspected"]
    on: date
    cleared_on: date | None = None
    source: Source = "cdc"

    def __post_init__(self) -> None:
        if self.kind not in ("confirmed", "suspected"):
            raise InvalidFact(f"diagnosis kind {self.kind!r} is not 'confirmed' or 'suspected'", field="kind")
        if self.cleared_on is not None and self.cleared_on < self.on:
            raise InvalidFact(f"cleared_on {self.cleared_on} is before the diagnosis on {self.on}", field="cleared_on")
        _check_source(self, ("cdc", "manual"))


@dataclass(frozen=True)
class CloseContact:
    """Listed by the CDC as a close contact (密切接触者) on ``on``; ``last_exposure``: the last contact."""

    on: date
    last_exposure: date | None = None
    source: Source = "cdc"

    def __post_init__(self) -> None:
        if self.last_exposure is not None and self.last_exposure > self.on:
            message = f"last_exposure {self.last_exposure} is after the listing on {self.on}"
            raise InvalidFact(message, field="last_exposure")
        _check_source(self, ("cdc", "manual"))


@dataclass(frozen=True)
class RiskAreaStay:
    """A stay from ``start`` to ``end`` in ``area`` (a key epidemic area, 重点疫区, unless ``key_area`` is false)."""

    area: str
    start: date
    end: date
    reported_on: date | None = None
    key_area: bool = True
    source: Source = "telecom"

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise InvalidFact(f"stay in {self.area}: end {self.end} is before start {self.start}", field="end")
        if self.reported_on is not None and self.reported_on < self.end:
            message = f"stay in {self.area}: reported on {self.reported_on}, before it ended"
            raise InvalidFact(message, field="reported_on")
        _check_source(self, ("telecom", "transport", "manual"))

    @property
    def on(self) -> date:
        """The day the stay was known: when it was reported, else the day it ended."""
        return self.reported_on or self.end


@dataclass(frozen=True)
class SelfDeclaration:
    """The person's own declaration (自主申报) made under the legal notice that false declarations are punishable."""

    on: date
    symptoms: bool
    travel: bool
    contact: bool
    legal_notice: bool
    symptom_list: tuple[str, ...] = ()
    source: Source = "self_declaration"

    def __post_init__(self) -> None:
        _check_source(self, ("self_declaration",))


@dataclass(frozen=True)
class CheckpointTemperature:
    """A temperature measured at a gate (卡口), in tenths of a degree Celsius (373 = 37.3 °C)."""

    at: datetime
    place: str
    tenths: int
    source: Source = "checkpoint"

    def __post_init__(self) -> None:
        _check_tenths(self.tenths)
        _check_source(self, ("checkpoint",))

    @property
    def on(self) -> date:
        """The day of the measurement."""
        return self.at.date()


@dataclass(frozen=True)
class CoLocation:
    """At ``place`` in the hour ``at`` together with a case confirmed later, on ``on`` (when the match was found)."""

    place: str
    at: datetime
    on: date
    source: Source = "checkpoint"

    def __post_init__(self) -> None:
        if self.on < self.at.date():
            raise InvalidFact(f"co-location at {self.place}: found on {self.on}, before the visit", field="on")
        _check_source(self, ("checkpoint", "telecom", "cdc"))


@dataclass(frozen=True)
class FalseDeclarationFinding:
    """An official's finding that the person's declaration was false (瞒报、谎报)."""

    on: date
    note: str = ""
    source: Source = "manual"

    def __post_init__(self) -> None:
        _check_source(self, ("manual", "cdc"))


@dataclass(frozen=True)
class Isolation:
    """Centralised or home isolation from ``start`` to ``end`` (inclusive; ``None`` while it goes on)."""

    start: date
    end: date | None = None
    place: Literal["centralised", "home"] = "home"
    source: Source = "cdc"

    def __post_init__(self) -> None:
        if self.end is not None and self.end < self.start:
            raise InvalidFact(f"isolation ends {self.end}, before it starts {self.start}", field="end")
        if self.place not in ("centralised", "home"):
            raise InvalidFact(f"isolation place {self.place!r} is not 'centralised' or 'home'", field="place")
        _check_source(self, ("cdc", "manual"))

    @property
    def on(self) -> date:
        """The day isolation started."""
        return self.start


@dataclass(frozen=True)
class CheckIn:
    """A daily health check-in (每日健康打卡): symptoms, and the temperature if taken (tenths of °C)."""

    on: date
    symptoms: bool = False
    tenths: int | None = None
    source: Source = "checkin"

    def __post_init__(self) -> None:
        if self.tenths is not None:
            _check_tenths(self.tenths)
        _check_source(self, ("checkin",))

    @property
    def healthy(self) -> bool:
        """No symptoms and no fever: the check-in counts towards turning green."""
        return not self.symptoms and (self.tenths is None or self.tenths < FEVER_TENTHS)


def _check_tenths(tenths: int) -> None:
    if isinstance(tenths, bool) or not isinstance(tenths, int) or not 300 <= tenths <= 450:
        raise InvalidFact(
            f"temperature {tenths!r} is not in tenths of a degree between 300 and 450 (37.3 °C is 373)",
            field="tenths",
        )


Fact = (
    Diagnosis
    | CloseContact
    | RiskAreaStay
    | SelfDeclaration
    | CheckpointTemperature
    | CoLocation
    | FalseDeclarationFinding
    | Isolation
    | CheckIn
)
FACT_TYPES: Mapping[str, type[Any]] = {
    "diagnosis": Diagnosis,
    "close_contact": CloseContact,
    "risk_area_stay": RiskAreaStay,
    "self_declaration": SelfDeclaration,
    "checkpoint_temperature": CheckpointTemperature,
    "co_location": CoLocation,
    "false_declaration": FalseDeclarationFinding,
    "isolation": Isolation,
    "checkin": CheckIn,
}

# The data object: every key a rule may read, with its fields. Values are dates as "YYYY-MM-DD", integers,
# strings, booleans or null; an absent fact is null. "on" is the evaluation date itself.
CONTRACT: Mapping[str, frozenset[str]] = {
    "on": frozenset(),
    "confirmed": frozenset({"on", "cleared_on", "source"}),
    "suspected": frozenset({"on", "cleared_on", "source"}),
    "close_contact": frozenset({"on", "last_exposure", "source"}),
    "key_area_stay": frozenset({"on", "area", "start", "end", "source"}),
    "declared_travel": frozenset({"on", "source"}),
    "declared_contact": frozenset({"on", "source"}),
    "travel_denial": frozenset({"on", "source"}),
    "symptoms": frozenset({"on", "source"}),
    "checkpoint_temperature": frozenset({"on", "tenths", "place", "source"}),
    "checkpoint_fever": frozenset({"on", "tenths", "place", "source"}),
    "co_location": frozenset({"on", "visited_on", "place", "source"}),
    "false_declaration": frozenset({"on", "source"}),
    "isolation": frozenset({"on", "start", "end", "source"}),
    "checkins": frozenset({"last_on", "streak", "count", "source"}),
    "temperature": frozenset({"on", "tenths", "source"}),
}


@dataclass(frozen=True)
class RuleData:
    """The CertLogic data object for one person on one day, and the facts behind each of its keys."""

    on: date
    data: dict[str, Any]
    evidence: Mapping[str, tuple[Fact, ...]] = field(default_factory=dict)


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _latest(facts: Iterable[Any], key: Callable[[Any], Any] = lambda f: f.on) -> Any:
    return max(facts, key=key, default=None)


def known_facts(facts: Iterable[Fact], on: date) -> list[Fact]:
    """The facts known on ``on``: a fact dated later did not exist yet for an evaluation of that day."""
    return [f for f in facts if f.on <= on]


def rule_data(facts: Iterable[Fact], on: date) -> RuleData:
    """Summarise a person's facts known on ``on`` into the data object of :data:`CONTRACT`."""
    by_type: dict[type[Any], list[Any]] = {}
    for fact in facts:
        if fact.on <= on:
            by_type.setdefault(type(fact), []).append(fact)
    data: dict[str, Any] = dict.fromkeys(CONTRACT)
    data["on"] = on.isoformat()
    evidence: dict[str, tuple[Fact, ...]] = {}

    def put(key: str, fact: Any, value: dict[str, Any]) -> None:
        if fact is not None:
            data[key] = {**value, "source": fact.source}
            evidence[key] = (fact,)

    diagnoses = by_type.get(Diagnosis, [])
    for kind in ("confirmed", "suspected"):
        d = _latest(f for f in diagnoses if f.kind == kind)
        put(kind, d, d and {"on": _iso(d.on), "cleared_on": _iso(d.cleared_on)})
    c = _latest(by_type.get(CloseContact, []))
    put("close_contact", c, c and {"on": _iso(c.on), "last_exposure": _iso(c.last_exposure)})
    s = _latest((f for f in by_type.get(RiskAreaStay, []) if f.key_area), key=lambda f: (f.end, f.on))
    put("key_area_stay", s, s and {"on": _iso(s.on), "area": s.area, "start": _iso(s.start), "end": _iso(s.end)})

    declarations = by_type.get(SelfDeclaration, [])
    for key, chosen in (
        ("declared_travel", _latest(d for d in declarations if d.travel)),
        ("declared_contact", _latest(d for d in declarations if d.contact)),
        ("travel_denial", _latest(d for d in declarations if d.legal_notice and not d.travel)),
    ):
        put(key, chosen, chosen and {"on": _iso(chosen.on)})
    checkins = sorted(by_type.get(CheckIn, []), key=lambda f: f.on)
    reported = [d for d in declarations if d.symptoms] + [c for c in checkins if c.symptoms]
    sick = _latest(reported)
    put("symptoms", sick, sick and {"on": _iso(sick.on)})

    readings = by_type.get(CheckpointTemperature, [])
    for key, reading in (
        ("checkpoint_temperature", _latest(readings, key=lambda f: f.at)),
        ("checkpoint_fever", _latest((r for r in readings if r.tenths >= FEVER_TENTHS), key=lambda f: f.at)),
    ):
        put(key, reading, reading and {"on": _iso(reading.on), "tenths": reading.tenths, "place": reading.place})
    m = _latest(by_type.get(CoLocation, []), key=lambda f: (f.on, f.at))
    put("co_location", m, m and {"on": _iso(m.on), "visited_on": _iso(m.at.date()), "place": m.place})
    x = _latest(by_type.get(FalseDeclarationFinding, []))
    put("false_declaration", x, x and {"on": _iso(x.on)})
    i = _latest(by_type.get(Isolation, []))
    put("isolation", i, i and {"on": _iso(i.on), "start": _iso(i.start), "end": _iso(i.end)})

    last = checkins[-1] if checkins else None
    data["checkins"] = {
        "last_on": _iso(last.on if last else None),
        "streak": healthy_streak(checkins, on),
        "count": len(checkins),
        "source": "checkin",
    }
    if last is not None:
        evidence["checkins"] = (last,)
    measured = [c for c in checkins if c.tenths is not None] + readings
    t = _latest(measured)
    put("temperature", t, t and {"on": _iso(t.on), "tenths": t.tenths})
    return RuleData(on, data, evidence)


def healthy_days(checkins: Iterable[CheckIn]) -> tuple[set[date], set[date]]:
    """Days with a check-in, and days whose every check-in was healthy (a symptom on a day spoils the day)."""
    checked: set[date] = set()
    spoiled: set[date] = set()
    for c in checkins:
        checked.add(c.on)
        if not c.healthy:
            spoiled.add(c.on)
    return checked, checked - spoiled


def healthy_streak(checkins: Sequence[CheckIn], on: date) -> int:
    """Consecutive healthy check-in days ending today, or yesterday while today's check-in is still to come."""
    checked, healthy = healthy_days(checkins)
    day = on if on in checked else date.fromordinal(on.toordinal() - 1)
    streak = 0
    while day in healthy:
        streak += 1
        day = date.fromordinal(day.toordinal() - 1)
    return streak


_DATE_FIELDS = frozenset({"on", "cleared_on", "last_exposure", "start", "end", "reported_on"})
_TYPE_NAMES = {cls: name for name, cls in FACT_TYPES.items()}


def _field_value(name: str, value: Any, where: str) -> Any:
    if value is None:
        return None
    try:
        if name in _DATE_FIELDS:
            if not isinstance(value, str):
                raise ValueError
            return date.fromisoformat(value)
        if name == "at":
            if not isinstance(value, str):
                raise ValueError
            return datetime.fromisoformat(value)
    except ValueError:
        form = "YYYY-MM-DDThh:mm" if name == "at" else "YYYY-MM-DD"
        message = f"{where}.{name}: {value!r} is not a date in the form {form}"
        raise InvalidFact(message, field=f"{where}.{name}") from None
    if name == "symptom_list":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise InvalidFact(f"{where}.{name}: expected a list of strings", field=f"{where}.{name}")
        return tuple(value)
    return value


def fact_from_json(item: Any, where: str = "fact") -> Fact:
    """One fact from its JSON form ``{"type": "checkin", "on": "2020-02-10", ...}``; errors name the field."""
    if not isinstance(item, dict):
        raise InvalidFact(f"{where}: a fact must be a JSON object with a 'type'", field=where)
    name = item.get("type")
    cls = FACT_TYPES.get(name) if isinstance(name, str) else None
    if cls is None:
        raise UnknownFactType(
            f"{where}.type: unknown fact type {name!r}; known: {', '.join(FACT_TYPES)}", field=f"{where}.type"
        )
    allowed = set(cls.__dataclass_fields__)
    extra = sorted(set(item) - allowed - {"type"})
    if extra:
        raise InvalidFact(f"{where}: {name} has no field(s) {', '.join(extra)}", field=f"{where}.{extra[0]}")
    kwargs = {k: _field_value(k, v, where) for k, v in item.items() if k != "type"}
    try:
        fact: Fact = cls(**kwargs)
    except TypeError as exc:
        raise InvalidFact(f"{where}: {name}: {exc}", field=where) from None
    except InvalidFact as exc:
        raise InvalidFact(f"{where}: {exc.detail}", field=f"{where}.{exc.field}") from None
    return fact


def facts_from_json(items: Any) -> list[Fact]:
    """A list of facts from JSON; the first bad one raises with its index (``facts[3].on``)."""
    if not isinstance(items, list):
        raise InvalidFact("facts must be a JSON list of fact objects", field="facts")
    return [fact_from_json(item, f"facts[{i}]") for i, item in enumerate(items)]


def fact_as_json(fact: Fact) -> dict[str, Any]:
    """The JSON form of a fact, the inverse of :func:`fact_from_json`."""
    out: dict[str, Any] = {"type": _TYPE_NAMES[type(fact)]}
    for name in type(fact).__dataclass_fields__:
        value = getattr(fact, name)
        out[name] = value.isoformat() if isinstance(value, date) else list(value) if isinstance(value, tuple) else value
    return out
