"""Appeals with four eyes: two different officials of the person's county, a written reason, the person told."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from fugong.auth.principal import Principal
from fugong.healthcode import appeals, audit, registry, service
from fugong.healthcode.appeals import AppealClosed, InvalidAppeal, NotYourAppeal, OutsideCounty, SameOfficial
from fugong.healthcode.facts import Diagnosis
from fugong.healthcode.registry import UnknownPerson
from fugong.healthcode.rules import RuleSet
from fugong.hub.pseudonyms import Pseudonymiser
from fugong.store import Store

Rows = Callable[[Session, str], int]
Official = Callable[..., Principal]
DAY = date(2020, 2, 10)
REPORT = b"%PDF negative nucleic acid test"


@pytest.fixture
def red(store: Store, person_id: int, province: RuleSet) -> int:
    """The person, red for a suspected diagnosis, with an open appeal; returns the appeal's number."""
    with store.session() as session:
        service.add_fact(session, person_id, Diagnosis("suspected", DAY))
        service.reevaluate(session, person_id, province, DAY)
        digest = hashlib.sha256(REPORT).hexdigest()
        return appeals.file(session, person_id, "wang", "核酸检测阴性", file_name="report.pdf", file_sha256=digest).id


def _colour(store: Store, person_id: int) -> str | None:
    with store.session() as session:
        status = audit.current(session, person_id)
        return status.colour if status else None


def test_two_officials_change_the_colour_and_the_person_is_told(
    store: Store, person_id: int, red: int, official: Official
) -> None:
    with store.session() as session:
        appeals.propose(session, red, official("li"), "green", "核酸检测阴性，排除疑似")
    assert _colour(store, person_id) == "red"  # one official alone changes nothing
    with store.session() as session:
        appeal = appeals.approve(session, red, official("wu"), DAY + timedelta(days=1))
        assert (appeal.state, appeal.decided_by) == ("granted", "wu")
    assert _colour(store, person_id) == "green"
    with store.session() as session:
        last = audit.history(session, person_id)[-1]
        assert (last.kind, last.old_colour, last.new_colour) == ("manual", "red", "green")
        assert (last.proposed_by, last.approved_by, last.reason, last.appeal_id) == (
            "li",
            "wu",
            "核酸检测阴性，排除疑似",
            red,
        )
        (note,) = appeals.notifications(session, person_id)
        assert note.text_zh == "您的申诉已通过，健康码已改为绿码。理由：核酸检测阴性，排除疑似"


def test_a_proxy_appeals_and_a_rejection_is_told(
    store: Store, pseudo: Pseudonymiser, ids: Callable[[int], str], official: Official
) -> None:
    with store.session() as session:
        reg = registry.Registration("李奶奶", ids(40), "330106")
        grandma = registry.register_by_proxy(session, pseudo, reg, "grandson", "relative").id
        appeal = appeals.file(session, grandma, "grandson", "老人未离开杭州")
        assert (appeal.filed_by, appeal.file_name, appeal.state) == ("grandson", None, "open")
    with store.session() as session:
        appeals.reject(session, appeal.id, official("li"), "通信数据显示曾在武汉停留")
        (note,) = appeals.notifications(session, grandma)
        assert note.text_en == "Your appeal was not granted. Reason: 通信数据显示曾在武汉停留"
        assert audit.history(session, grandma) == []


def test_overdue_appeals_are_listed(store: Store, person_id: int, red: int) -> None:
    filed = datetime(2020, 2, 10, 9, tzinfo=UTC)
    with store.session() as session:
        late = appeals.file(session, person_id, "wang", "第二份证据", now=filed, sla=timedelta(hours=4)).id
        assert [a.id for a in appeals.overdue(session, filed + timedelta(hours=3))] == []
        assert [a.id for a in appeals.overdue(session, filed + timedelta(hours=5))] == [late]
        assert appeals.overdue(session, filed + timedelta(hours=5), frozenset({"330102"})) == []
        # The default SLA is 24 hours.
        due = appeals.file(session, person_id, "wang", "第三份证据", now=filed).due_at
        assert due == filed + timedelta(hours=24)


def test_the_proposer_cannot_approve(store: Store, person_id: int, red: int, official: Official) -> None:
    with store.session() as session:
        appeals.propose(session, red, official("li"), "green", "阴性")
    refused = "li proposed this change and cannot also approve it"
    with pytest.raises(SameOfficial, match=refused), store.session() as session:
        appeals.approve(session, red, official("li"), DAY)
    assert _colour(store, person_id) == "red"


def test_an_official_of_another_county_is_refused(store: Store, person_id: int, red: int, official: Official) -> None:
    other = official("zhao", "330102")
    with pytest.raises(OutsideCounty, match="zhao is not an official of county 330106"), store.session() as s:
        appeals.propose(s, red, other, "green", "阴性")
    with store.session() as session:
        appeals.propose(session, red, official("li"), "green", "阴性")
    with pytest.raises(OutsideCounty), store.session() as session:
        appeals.approve(session, red, other, DAY)
    citizen = Principal(9, "wang", "wang", frozenset({"citizen"}), frozenset({"330106"}), "session")
    with pytest.raises(OutsideCounty), store.session() as session:
        appeals.approve(session, red, citizen, DAY)
    assert _colour(store, person_id) == "red"


def test_a_closed_appeal_cannot_be_approved_again(
    store: Store, person_id: int, red: int, official: Official, rows: Rows
) -> None:
    with store.session() as session:
        appeals.propose(session, red, official("li"), "green", "阴性")
        appeals.approve(session, red, official("wu"), DAY)
    with pytest.raises(AppealClosed, match=f"appeal {red} is already granted"), store.session() as session:
        appeals.approve(session, red, official("chen"), DAY)
    with pytest.raises(AppealClosed), store.session() as session:
        appeals.reject(session, red, official("chen"), "迟到的意见")
    with store.session() as session:
        assert rows(session, "hc_colour_log") == 2
        assert rows(session, "hc_notifications") == 1


def test_approval_needs_a_proposal_and_a_proposal_needs_a_reason_and_a_colour(
    store: Store, person_id: int, red: int, official: Official
) -> None:
    with pytest.raises(AppealClosed, match="has no proposal to approve"), store.session() as session:
        appeals.approve(session, red, official("wu"), DAY)
    with pytest.raises(InvalidAppeal, match="written reason is required"), store.session() as session:
        appeals.propose(session, red, official("li"), "green", "  ")
    with pytest.raises(audit.InvalidColour, match="'blue'"), store.session() as session:
        appeals.propose(session, red, official("li"), "blue", "阴性")
    with store.session() as session:
        appeals.propose(session, red, official("li"), "green", "阴性")
    with pytest.raises(AppealClosed, match="already has a proposal by li"), store.session() as session:
        appeals.propose(session, red, official("wu"), "yellow", "改黄")
    assert _colour(store, person_id) == "red"


def test_a_stranger_cannot_appeal_and_bad_appeals_are_refused(
    store: Store, person_id: int, official: Official, rows: Rows
) -> None:
    with pytest.raises(NotYourAppeal, match="stranger is neither person"), store.session() as session:
        appeals.file(session, person_id, "stranger", "我替他申诉")
    with pytest.raises(UnknownPerson), store.session() as session:
        appeals.file(session, 999, "wang", "证据")
    with pytest.raises(InvalidAppeal, match="evidence is empty"), store.session() as session:
        appeals.file(session, person_id, "wang", " ")
    with pytest.raises(InvalidAppeal, match="needs both its name and its SHA-256"), store.session() as session:
        appeals.file(session, person_id, "wang", "证据", file_name="report.pdf")
    with pytest.raises(InvalidAppeal, match="not a SHA-256"), store.session() as session:
        appeals.file(session, person_id, "wang", "证据", file_name="report.pdf", file_sha256="abc")
    with pytest.raises(appeals.UnknownAppeal, match="no appeal number 999"), store.session() as session:
        appeals.propose(session, 999, official("li"), "green", "阴性")
    with store.session() as session:
        assert rows(session, "hc_appeals") == 0


def test_a_granted_appeal_stands_until_a_new_fact_arrives(
    store: Store, person_id: int, red: int, official: Official, province: RuleSet
) -> None:
    with store.session() as session:
        appeals.propose(session, red, official("li"), "green", "排除疑似")
        appeals.approve(session, red, official("wu"), DAY)
    with store.session() as session:
        # The rules alone would say red again: the officials' decision is not undone by re-running them.
        assert service.reevaluate(session, person_id, province, DAY).colour == "red"
    assert _colour(store, person_id) == "green"
    with store.session() as session:
        service.add_fact(session, person_id, Diagnosis("confirmed", DAY + timedelta(days=2)))
        service.reevaluate(session, person_id, province, DAY + timedelta(days=2))
    assert _colour(store, person_id) == "red"
    with store.session() as session:
        assert [r.kind for r in audit.history(session, person_id)] == ["automatic", "manual", "automatic"]
