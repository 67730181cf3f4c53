"""Every colour change is written to the append-only log in the same transaction, by every path that changes one."""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from datetime import date, datetime
from types import ModuleType
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from fugong.auth.principal import Principal
from fugong.healthcode import appeals, audit, events, findings, registry, retention, service
from fugong.healthcode.facts import CheckpointTemperature, Diagnosis
from fugong.healthcode.models import ColourLogImmutable, ColourWithoutAudit, HcColourChange, HcStatus
from fugong.healthcode.rules import RuleBook, RuleSet
from fugong.healthcode.status import evaluate
from fugong.hub.lake import get_lake
from fugong.hub.pseudonyms import Pseudonymiser
from fugong.settings import Settings
from fugong.store import Store, utcnow

Rows = Callable[[Session, str], int]
DAY = date(2020, 2, 10)
FEVER = CheckpointTemperature(datetime(2020, 2, 10, 8), "杭州东站", 381)


def test_an_automatic_change_records_the_rule_set_and_the_facts_with_sources(
    store: Store, person_id: int, province: RuleSet
) -> None:
    with store.session() as session:
        service.add_fact(session, person_id, FEVER)
        assert service.reevaluate(session, person_id, province, DAY).colour == "yellow"
    with store.session() as session:
        status = audit.current(session, person_id)
        assert status is not None
        assert (status.colour, status.since) == ("yellow", DAY)
        (record,) = audit.history(session, person_id)
        assert status.change_id == record.id
        assert (record.kind, record.old_colour, record.new_colour) == ("automatic", None, "yellow")
        assert (record.ruleset_id, record.ruleset_version) == (province.id, province.version)
        assert record.rule == "yellow-checkpoint-fever"
        assert json.loads(record.facts) == [
            {
                "type": "checkpoint_temperature",
                "at": "2020-02-10T08:00:00",
                "place": "杭州东站",
                "tenths": 381,
                "source": "checkpoint",
            }
        ]


def test_re_evaluating_without_a_change_writes_nothing(store: Store, person_id: int, province: RuleSet) -> None:
    with store.session() as session:
        service.add_fact(session, person_id, Diagnosis("confirmed", DAY))
        service.reevaluate(session, person_id, province, DAY)
        service.reevaluate(session, person_id, province, DAY)
    with store.session() as session:
        assert [r.new_colour for r in audit.history(session, person_id)] == ["red"]


def test_changing_a_status_row_directly_is_refused_and_nothing_is_written(
    store: Store, person_id: int, province: RuleSet, rows: Rows
) -> None:
    with store.session() as session:
        service.reevaluate(session, person_id, province, DAY)
    with pytest.raises(ColourWithoutAudit, match="without an audit record"), store.session() as session:
        session.scalars(sa.select(HcStatus)).one().colour = "red"
    with pytest.raises(ColourWithoutAudit, match="cannot be deleted"), store.session() as session:
        session.delete(session.get(HcStatus, person_id))
    with store.session() as session:
        assert session.scalars(sa.select(HcStatus.colour)).all() == ["green"]
        assert rows(session, "hc_colour_log") == 1


def test_a_new_status_row_without_its_record_is_refused(store: Store, person_id: int, rows: Rows) -> None:
    with pytest.raises(ColourWithoutAudit), store.session() as session:
        session.add(HcStatus(person_id=person_id, colour="red", changed_at=utcnow(), change_id=1))
    with store.session() as session:
        assert rows(session, "hc_status") == 0


def test_the_database_refuses_a_status_update_that_keeps_the_old_record(
    store: Store, person_id: int, province: RuleSet
) -> None:
    with store.session() as session:
        service.reevaluate(session, person_id, province, DAY)
    with pytest.raises(sa.exc.DatabaseError, match="only with a new hc_colour_log record"), store.engine.begin() as c:
        c.execute(sa.text("UPDATE hc_status SET colour = 'red'"))
    with pytest.raises(sa.exc.DatabaseError, match="only with a new hc_colour_log record"), store.engine.begin() as c:
        c.execute(sa.text("DELETE FROM hc_status"))
    with store.session() as session:
        assert session.scalars(sa.select(HcStatus.colour)).all() == ["green"]


def test_the_colour_log_is_append_only(store: Store, person_id: int, province: RuleSet, rows: Rows) -> None:
    with store.session() as session:
        service.reevaluate(session, person_id, province, DAY)
    for sql in ("UPDATE hc_colour_log SET new_colour = 'red'", "DELETE FROM hc_colour_log"):
        with pytest.raises(sa.exc.DatabaseError, match="hc_colour_log is append-only"), store.engine.begin() as c:
            c.execute(sa.text(sql))
    with pytest.raises(ColourLogImmutable), store.session() as session:
        session.scalars(sa.select(HcColourChange)).one().reason = "edited"
    with pytest.raises(ColourLogImmutable), store.session() as session:
        session.delete(session.scalars(sa.select(HcColourChange)).one())
    with store.session() as session:
        assert session.scalars(sa.select(HcColourChange.new_colour)).all() == ["green"]


def test_a_bad_colour_is_refused(store: Store, person_id: int, rows: Rows) -> None:
    with pytest.raises(audit.InvalidColour, match="'blue' is not one of"), store.session() as session:
        audit.set_colour(session, person_id, "blue", DAY, audit.Manual("li", "wu", "test"))
    with store.session() as session:
        assert rows(session, "hc_colour_log") == 0


def _snapshot(session: Session) -> dict[int, tuple[Any, ...]]:
    return {s.person_id: (s.colour, s.since, s.green_on, s.change_id) for s in session.scalars(sa.select(HcStatus))}


def test_every_public_path_leaves_a_record_for_every_colour_change(
    store: Store,
    pseudo: Pseudonymiser,
    ids: Callable[[int], str],
    person_id: int,
    province: RuleSet,
    book: RuleBook,
    settings: Settings,
    official: Callable[..., Principal],
) -> None:
    li, wu = official("li"), official("wu")
    state: dict[str, int] = {}

    def other(session: Session) -> int:  # 甲, registered below and not yet evaluated: findings give their colour
        return registry.find(session, pseudo, ids(30)).id

    calls: dict[str, Callable[[Session], object]] = {
        "registry.register_self": lambda s: registry.register_self(
            s, pseudo, registry.Registration("甲", ids(30), "330106"), "jia"
        ),
        "registry.register_by_proxy": lambda s: registry.register_by_proxy(
            s, pseudo, registry.Registration("乙", ids(31), "330106"), "li-son", "relative"
        ),
        "registry.register_bulk": lambda s: registry.register_bulk(
            s, pseudo, [registry.Registration("丙", ids(32), "330106")], "hub"
        ),
        "registry.add_proxy": lambda s: registry.add_proxy(s, person_id, "wang-son", "relative", "wang"),
        "registry.find": lambda s: registry.find(s, pseudo, ids(1)),
        "registry.get": lambda s: registry.get(s, person_id),
        "registry.may_act_for": lambda s: registry.may_act_for(s, registry.get(s, person_id), "wang"),
        "registry.proxies": lambda s: registry.proxies(s, person_id),
        "service.add_fact": lambda s: service.add_fact(s, person_id, FEVER),
        "service.facts_of": lambda s: service.facts_of(s, person_id),
        "service.reevaluate": lambda s: service.reevaluate(s, person_id, province, DAY),
        "audit.current": lambda s: audit.current(s, person_id),
        "audit.history": lambda s: audit.history(s, person_id),
        "audit.apply_evaluation": lambda s: audit.apply_evaluation(
            s, person_id, evaluate([Diagnosis("confirmed", DAY)], province, DAY)
        ),
        "audit.apply_evaluations": lambda s: audit.apply_evaluations(
            s, [(person_id, evaluate([FEVER], province, date(2020, 2, 11)))]
        ),
        "audit.set_colour": lambda s: audit.set_colour(s, person_id, "yellow", DAY, audit.Manual("li", "wu", "test")),
        "appeals.file": lambda s: state.setdefault("appeal", appeals.file(s, person_id, "wang", "阴性报告").id),
        "appeals.propose": lambda s: appeals.propose(s, state["appeal"], li, "green", "核酸阴性"),
        "appeals.approve": lambda s: appeals.approve(s, state["appeal"], wu, DAY),
        "appeals.reject": lambda s: appeals.reject(
            s, appeals.file(s, person_id, "wang", "再次申诉").id, li, "无新证据"
        ),
        "appeals.overdue": lambda s: appeals.overdue(s, utcnow()),
        "appeals.notifications": lambda s: appeals.notifications(s, person_id),
        "retention.purge": lambda s: retention.purge(s, date(2020, 4, 1)),
        "events.new_case": lambda s: events.new_case(s, get_lake(settings), book, person_id, DAY, date(2020, 2, 20)),
        "findings.day_of": lambda s: findings.day_of("2020-02-10"),
        "findings.check": lambda s: findings.check(findings.Finding("suspected", DAY), DAY),
        "findings.person_of": lambda s: findings.person_of(s, pseudo, ids(1), "cdc"),
        "findings.apply_finding": lambda s: findings.apply_finding(
            s, get_lake(settings), book, other(s), findings.Finding("isolation_start", DAY), date(2020, 2, 21), "cdc"
        ),
        "findings.record": lambda s: findings.record(
            s, get_lake(settings), book, li, other(s), findings.Finding("false_declaration", DAY), date(2020, 2, 22)
        ),
    }
    modules: list[ModuleType] = [registry, service, audit, appeals, retention, events, findings]
    public = {
        f"{m.__name__.rsplit('.', 1)[1]}.{name}"
        for m in modules
        for name, fn in inspect.getmembers(m, inspect.isfunction)
        if fn.__module__ == m.__name__ and not name.startswith("_")
    }
    assert public == set(calls), "a public function was added: add it to this test"
    changed = []
    for name, call in calls.items():
        with store.session() as session:
            before = _snapshot(session)
            call(session)
        with store.session() as session:
            after = _snapshot(session)
            for pid, now in after.items():
                if before.get(pid) != now:
                    changed.append(name)
                    record = session.get(HcColourChange, now[3])
                    assert record is not None, name
                    assert record.person_id == pid, name
                    assert record.new_colour == now[0], name
                    assert record.old_colour == (before[pid][0] if pid in before else None), name
    # The paths that change colours did change one here, so the checks above were exercised.
    assert changed == [
        "service.reevaluate",
        "audit.apply_evaluation",
        "audit.apply_evaluations",
        "audit.set_colour",
        "appeals.approve",
        "events.new_case",
        "findings.apply_finding",
        "findings.record",
    ]
