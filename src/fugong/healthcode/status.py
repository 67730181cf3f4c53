"""The status engine: a person's facts and a rule set → colour, why, since when, and when it turns green.

Every rule whose ``when`` holds has triggered on its ``since`` date. It lets go once the person has the
rule's consecutive healthy check-ins and days of isolation, both counted from ``since`` (or from
``counted_from``, e.g. a discharge), or on its ``until`` date, whichever comes first. Of the rules still
holding, the most severe decides the colour (red over yellow, then the rule set's order). The green date
assumes what "if nothing changes" means for a health code: no new facts, and a healthy check-in every day.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from fugong.healthcode.certlogic import CertLogicError, Expression, truthiness
from fugong.healthcode.certlogic.extensions import as_date
from fugong.healthcode.certlogic.values import ValueProblem
from fugong.healthcode.facts import (
    SOURCE_NAMES,
    CheckIn,
    CheckpointTemperature,
    CloseContact,
    CoLocation,
    Diagnosis,
    Fact,
    FalseDeclarationFinding,
    Isolation,
    RiskAreaStay,
    SelfDeclaration,
    fact_as_json,
    healthy_days,
    known_facts,
    rule_data,
)
from fugong.healthcode.rules import SEVERITY, Colour, Rule, RuleFailed, RuleSet

_ONE_DAY = timedelta(days=1)
_COLOUR_NAMES = {"red": ("红码", "red"), "yellow": ("黄码", "yellow"), "green": ("绿码", "green")}


@dataclass(frozen=True)
class Progress:
    """How far a person is towards a rule's release: check-ins in a row, and days of isolation."""

    checkins: int
    checkins_needed: int
    isolation_days: int
    isolation_needed: int


@dataclass(frozen=True)
class RuleOutcome:
    """A rule that holds on the day: since when, when it lets go, the person's progress, and its facts."""

    rule: Rule
    since: date
    green_on: date | None
    progress: Progress | None
    counting: bool
    facts: tuple[Fact, ...]


@dataclass(frozen=True)
class Status:
    """A person's health code colour on one day, explained."""

    colour: Colour
    on: date
    ruleset: RuleSet
    since: date | None
    green_on: date | None
    holding: tuple[RuleOutcome, ...]

    @property
    def rule(self) -> Rule | None:
        """The rule that made the colour (``None`` when green)."""
        return self.holding[0].rule if self.holding else None

    @property
    def facts(self) -> tuple[Fact, ...]:
        """The facts behind that rule, each with its source and date."""
        return self.holding[0].facts if self.holding else ()

    def explain(self, lang: str = "zh") -> str:
        """A plain explanation for the person, in Chinese (``zh``) or English (``en``)."""
        return _explain(self, lang == "zh")

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready summary: colour, rule, facts with sources, dates, rule set and both explanations."""
        return {
            "colour": self.colour,
            "on": self.on.isoformat(),
            "since": _iso(self.since),
            "green_on": _iso(self.green_on),
            "rule": self.rule.id if self.rule else None,
            "reasons": [
                {"rule": o.rule.id, "colour": o.rule.colour, "since": o.since.isoformat()} for o in self.holding
            ],
            "facts": [fact_as_json(f) for f in self.facts],
            "ruleset": {"id": self.ruleset.id, "version": self.ruleset.version, "region": self.ruleset.region},
            "explanation_zh": self.explain("zh"),
            "explanation_en": self.explain("en"),
        }


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def evaluate(facts: Iterable[Fact], ruleset: RuleSet, on: date) -> Status:
    """The colour of a person with ``facts`` under ``ruleset`` on ``on`` (facts dated later are not yet known)."""
    known = known_facts(facts, on)
    prepared = rule_data(known, on)
    checked, healthy = healthy_days(f for f in known if isinstance(f, CheckIn))
    isolations = sorted((f for f in known if isinstance(f, Isolation)), key=lambda f: f.start)
    holding: list[RuleOutcome] = []
    let_go: list[tuple[Rule, date]] = []
    for rule in ruleset.rules:
        if not _holds(rule, prepared.data):
            continue
        since = _date(rule, rule.since, "since", prepared.data)
        if since is None:
            raise RuleFailed(f"rule {rule.id!r}: 'when' holds but 'since' gave null", field=f"{rule.path}.since")
        until = _date(rule, rule.until, "until", prepared.data) if rule.until else None
        released, projected, progress, counting = _release(rule, since, prepared.data, checked, healthy, isolations, on)
        end = min((d for d in (released, until) if d is not None), default=None)
        if end is not None and end <= on:
            let_go.append((rule, end))
            continue
        green_on = min((d for d in (projected, until) if d is not None), default=None)
        evidence = tuple(f for key in rule.reads for f in prepared.evidence.get(key, ()))
        holding.append(RuleOutcome(rule, since, green_on, progress, counting, evidence))
    order = {rule.id: i for i, rule in enumerate(ruleset.rules)}
    holding.sort(key=lambda o: (-SEVERITY[o.rule.colour], order[o.rule.id]))
    colour: Colour = holding[0].rule.colour if holding else "green"
    # The colour began when its rule triggered, or when a more severe rule let go, whichever came later.
    worse = [end for rule, end in let_go if SEVERITY[rule.colour] > SEVERITY[colour]]
    start = [holding[0].since] if holding else []
    since = max(start + worse, default=None)
    ends = [o.green_on for o in holding]
    green_on = None if not ends or None in ends else max(d for d in ends if d is not None)
    return Status(colour, on, ruleset, since, green_on, tuple(holding))


def _holds(rule: Rule, data: dict[str, Any]) -> bool:
    try:
        value = rule.when(data)
    except CertLogicError as exc:
        raise RuleFailed(f"rule {rule.id!r}: {exc.detail}", field=exc.field) from None
    verdict = truthiness(value)
    if verdict is None:
        raise RuleFailed(f"rule {rule.id!r}: 'when' gave a value that is neither true nor false", field=rule.path)
    return verdict


def _date(rule: Rule, expression: Expression | None, key: str, data: dict[str, Any]) -> date | None:
    if expression is None:
        return None
    try:
        return as_date(expression(data), "the value")
    except CertLogicError as exc:
        raise RuleFailed(f"rule {rule.id!r}: {exc.detail}", field=exc.field) from None
    except ValueProblem as exc:
        raise RuleFailed(f"rule {rule.id!r}, {key}: {exc}", field=f"{rule.path}.{key}") from None


def _release(
    rule: Rule,
    since: date,
    data: dict[str, Any],
    checked: set[date],
    healthy: set[date],
    isolations: Sequence[Isolation],
    on: date,
) -> tuple[date | None, date | None, Progress | None, bool]:
    """(day it let go, or None; day it would let go with daily healthy check-ins; progress; counting started)."""
    policy = rule.green_after
    if policy is None:
        return None, None, None, False
    start = _date(rule, policy.counted_from, "green_after.counted_from", data) if policy.counted_from else since
    if start is None:
        return None, None, Progress(0, policy.checkins, 0, policy.isolation_days), False
    done_on, due_on, streak = _checkin_release(checked, healthy, start, policy.checkins, on)
    released: date | None = done_on
    projected: date | None = due_on
    isolated = 0
    if policy.isolation_days:
        complete, isolated = _isolation(isolations, start, policy.isolation_days, on)
        released = max(done_on, complete) if done_on and complete and complete <= on else None
        projected = max(due_on, complete) if complete else None
    return released, projected, Progress(streak, policy.checkins, isolated, policy.isolation_days), True


def _checkin_release(
    checked: set[date], healthy: set[date], start: date, needed: int, on: date
) -> tuple[date | None, date, int]:
    """(day the first run of ``needed`` healthy days from ``start`` completed; day it would; current run)."""
    run, previous = 0, None
    for day in sorted(d for d in healthy if start <= d <= on):
        run = run + 1 if previous is not None and day - previous == _ONE_DAY else 1
        previous = day
        if run >= needed:
            return day, day, needed
    # A run is alive if it reaches today, or yesterday while today's check-in may still come.
    alive = previous is not None and (previous == on or (previous == on - _ONE_DAY and on not in checked))
    current = run if alive else 0
    next_day = max(start, on + _ONE_DAY if on in checked else on)
    return None, next_day + timedelta(days=needed - current - 1), current


def _isolation(isolations: Sequence[Isolation], start: date, needed: int, on: date) -> tuple[date | None, int]:
    """(day the ``needed``-th day of isolation from ``start`` falls on, if the periods reach it; days done so far)."""
    remaining, done, cursor = needed, 0, start
    for period in isolations:
        first = max(period.start, cursor)
        last = period.end
        if last is not None and last < first:
            continue
        if first <= on:
            done += ((on if last is None else min(last, on)) - first).days + 1
        if last is None or (last - first).days + 1 >= remaining:
            return first + timedelta(days=remaining - 1), min(done, needed)
        remaining -= (last - first).days + 1
        cursor = last + _ONE_DAY
    return None, min(done, needed)


def _release_text(outcome: RuleOutcome, zh: bool) -> str:
    rule, progress = outcome.rule, outcome.progress
    policy = rule.green_after
    if policy is None or progress is None:
        if outcome.green_on is not None:
            return f"该情形至{outcome.green_on}解除。" if zh else f"This lapses on {outcome.green_on}."
        return "该情形解除后即转为绿码。" if zh else "You turn green once this no longer applies."
    if zh:
        need = f"连续{policy.checkins}天健康打卡正常"
        if policy.isolation_days:
            need = f"完成{policy.isolation_days}天隔离并{need}"
        text = f"转绿条件：{need}（已连续打卡{progress.checkins}/{policy.checkins}天"
        text += f"，已隔离{progress.isolation_days}/{policy.isolation_days}天）。" if policy.isolation_days else "）。"
    else:
        need = f"{policy.checkins} consecutive healthy daily check-ins"
        if policy.isolation_days:
            need = f"{policy.isolation_days} days of isolation and {need}"
        text = f"To turn green: {need} (check-ins in a row: {progress.checkins} of {policy.checkins}"
        iso = f"; days isolated: {progress.isolation_days} of {policy.isolation_days}" if policy.isolation_days else ""
        text += iso + ")."
    if not outcome.counting:
        text += "起算日（如治愈出院、排除疑似）尚未到来。" if zh else " Counting starts on discharge or exclusion."
    elif outcome.green_on is None and policy.isolation_days:
        text += (
            "尚无隔离记录，请联系社区或疾控部门。"
            if zh
            else " No isolation is recorded: contact your community or CDC."
        )
    return text


def _explain(status: Status, zh: bool) -> str:
    name = _COLOUR_NAMES[status.colour][0 if zh else 1]
    if not status.holding:
        since = (f"（自{status.since}起）" if zh else f" (since {status.since})") if status.since else ""
        return f"您的健康码为{name}{since}，可凭码通行。" if zh else f"Your health code is {name}{since}: you may pass."
    main = status.holding[0]
    lines = [
        f"您的健康码为{name}（自{status.since}起）。" if zh else f"Your health code is {name} since {status.since}.",
        (f"原因：{main.rule.reason_zh}。" if zh else f"Reason: {main.rule.reason_en}."),
    ]
    if main.facts:
        said = ("；" if zh else "; ").join(describe_fact(f, "zh" if zh else "en") for f in main.facts)
        lines.append(f"依据：{said}。" if zh else f"Based on: {said}.")
    lines.append(_release_text(main, zh))
    for other in status.holding[1:]:
        reason = other.rule.reason_zh if zh else other.rule.reason_en
        lines.append(
            f"另外：{reason}。{_release_text(other, zh)}" if zh else f"Also: {reason}. {_release_text(other, False)}"
        )
    if status.green_on is not None:
        lines.append(
            f"如每天按时健康打卡且无新情况，将于{status.green_on}转为绿码。"
            if zh
            else f"If you check in healthy every day and nothing new happens, it turns green on {status.green_on}."
        )
    return ("" if zh else " ").join(lines)


def _degrees(tenths: int) -> str:
    return f"{tenths // 10}.{tenths % 10} °C"


def describe_fact(fact: Fact, lang: str = "zh") -> str:
    """One plain phrase for a fact, with its source and date, in Chinese (``zh``) or English (``en``)."""
    zh = lang == "zh"
    match fact:
        case Diagnosis(kind="confirmed"):
            text = "确诊病例" if zh else "confirmed case"
        case Diagnosis():
            text = "疑似病例" if zh else "suspected case"
        case CloseContact():
            text = "密切接触者" if zh else "close contact of a case"
        case RiskAreaStay(area=area, start=start, end=end):
            text = (
                f"{start}至{end}在重点疫区{area}停留" if zh else f"stay in the key epidemic area {area}, {start}–{end}"
            )
        case SelfDeclaration(symptoms=symptoms, travel=travel, contact=contact):
            flags = (
                (symptoms, "有症状", "symptoms"),
                (travel, "去过重点疫区", "travel to a key area"),
                (contact, "接触过病例", "contact with a case"),
            )
            said = [z if zh else e for flag, z, e in flags if flag]
            none = "无异常" if zh else "nothing unusual"
            text = ("申报：" if zh else "declared: ") + ("、" if zh else ", ").join(said or [none])
        case CheckpointTemperature(place=place, tenths=tenths):
            text = f"在{place}测得体温{_degrees(tenths)}" if zh else f"temperature {_degrees(tenths)} at {place}"
        case CoLocation(place=place, at=at):
            when = at.strftime("%Y-%m-%d %H:00")
            text = (
                f"{when}在{place}与确诊病例同时段出现" if zh else f"at {place} in the hour {when} with a confirmed case"
            )
        case FalseDeclarationFinding():
            text = "经核实存在瞒报、谎报" if zh else "declaration found to be false"
        case Isolation(start=start, end=end):
            until = end or ("至今" if zh else "ongoing")
            text = f"隔离 {start}—{until}" if zh else f"isolation {start} to {until}"
        case CheckIn(symptoms=symptoms, tenths=tenths):
            state = ("有症状" if zh else "symptoms") if symptoms else ("无症状" if zh else "no symptoms")
            measured = f", {_degrees(tenths)}" if tenths is not None else ""
            text = f"健康打卡：{state}{measured}" if zh else f"check-in: {state}{measured}"
    source = SOURCE_NAMES[fact.source][0 if zh else 1]
    return f"{text}（{source}，{fact.on}）" if zh else f"{text} ({source}, {fact.on})"
