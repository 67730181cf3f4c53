"""Retention: old facts go, except those an open appeal or a confirmed case needs; every purge is logged."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from fugong.auth.principal import Principal
from fugong.errors import InvalidInput
from fugong.healthcode import appeals, registry, retention, service
from fugong.healthcode.evidence import EvidenceBox, MissingEvidence
from fugong.healthcode.facts import CheckIn, CheckpointTemperature, Diagnosis, Fact
from fugong.healthcode.models import HcAppeal, HcPurge
from fugong.hub.pseudonyms import Pseudonymiser
from fugong.store import Store

TODAY = date(2020, 3, 20)  # 28 days back: 21 February 2020
OLD_SCAN = CheckpointTemperature(datetime(2020, 2, 10, 8), "杭州东站", 365)
OLD_CHECKIN = CheckIn(date(2020, 2, 20))
EDGE_CHECKIN = CheckIn(date(2020, 2, 21))  # exactly 28 days old: kept
NEW_CHECKIN = CheckIn(date(2020, 3, 19))


def _person(store: Store, pseudo: Pseudonymiser, serial_id: str, facts: list[Fact]) -> int:
    with store.session() as session:
        pid = registry.register_self(session, pseudo, registry.Registration("某人", serial_id, "330106"), serial_id).id
        for fact in facts:
            service.add_fact(session, pid, fact)
        return pid


def test_old_facts_are_purged_and_the_purge_is_logged(
    store: Store, pseudo: Pseudonymiser, ids: Callable[[int], str]
) -> None:
    plain = _person(store, pseudo, ids(50), [OLD_SCAN, OLD_CHECKIN, EDGE_CHECKIN, NEW_CHECKIN])
    appealing = _person(store, pseudo, ids(51), [OLD_SCAN, NEW_CHECKIN])
    case = _person(store, pseudo, ids(52), [Diagnosis("confirmed", date(2020, 2, 1)), OLD_SCAN])
    suspect = _person(store, pseudo, ids(53), [Diagnosis("suspected", date(2020, 2, 1))])
    with store.session() as session:
        appeals.file(session, appealing, ids(51), "证据")
        record = retention.purge(session, TODAY)
        assert (record.cutoff, record.retention_days) == (date(2020, 2, 21), 28)
        assert (record.removed, record.kept_for_appeals, record.kept_for_cases) == (3, 1, 2)
    with store.session() as session:
        assert service.facts_of(session, plain) == [EDGE_CHECKIN, NEW_CHECKIN]
        assert service.facts_of(session, appealing) == [OLD_SCAN, NEW_CHECKIN]
        assert len(service.facts_of(session, case)) == 2
        assert service.facts_of(session, suspect) == []
        assert session.scalars(sa.select(HcPurge.removed)).all() == [3]


def test_a_decided_appeal_no_longer_keeps_facts_and_the_period_is_configurable(
    store: Store, pseudo: Pseudonymiser, ids: Callable[[int], str], official: Callable[..., Principal]
) -> None:
    pid = _person(store, pseudo, ids(54), [OLD_SCAN, NEW_CHECKIN])
    with store.session() as session:
        appeal = appeals.file(session, pid, ids(54), "证据")
        assert retention.purge(session, TODAY, days=60).removed == 0
        appeals.reject(session, appeal.id, official("li"), "无证据")
        assert retention.purge(session, TODAY, days=7).removed == 1
    with store.session() as session:
        assert service.facts_of(session, pid) == [NEW_CHECKIN]
        assert session.scalars(sa.select(HcPurge.retention_days).order_by(HcPurge.id)).all() == [60, 7]


@pytest.mark.parametrize("days", [0, -5, True, 2.5])
def test_a_bad_retention_period_is_refused_and_nothing_is_purged(
    store: Store, pseudo: Pseudonymiser, ids: Callable[[int], str], days: int
) -> None:
    pid = _person(store, pseudo, ids(55), [OLD_SCAN])
    with pytest.raises(InvalidInput, match="whole number of days, at least 1"), store.session() as session:
        retention.purge(session, TODAY, days=days)
    with store.session() as session:
        assert service.facts_of(session, pid) == [OLD_SCAN]
        assert session.scalars(sa.select(HcPurge)).all() == []


def _appeal_with_file(session: Session, box: EvidenceBox, person: int, by: str, content: bytes) -> HcAppeal:
    kept = box.keep("report.pdf", "application/pdf", content)
    return appeals.file(session, person, by, "核酸阴性", file_name=kept.name, file_sha256=kept.sha256)


def test_evidence_of_appeals_decided_before_the_cutoff_is_deleted_and_counted(
    store: Store,
    pseudo: Pseudonymiser,
    ids: Callable[[int], str],
    official: Callable[..., Principal],
    tmp_path: Path,
) -> None:
    box = EvidenceBox(tmp_path / "evidence", b"test key")
    old_done, recent_done, still_open = (_person(store, pseudo, ids(60 + n), [NEW_CHECKIN]) for n in range(3))
    with store.session() as session:
        first = _appeal_with_file(session, box, old_done, ids(60), b"%PDF-1.4 old decided")
        second = _appeal_with_file(session, box, recent_done, ids(61), b"%PDF-1.4 recently decided")
        third = _appeal_with_file(session, box, still_open, ids(62), b"%PDF-1.4 still open")
        appeals.reject(session, first.id, official("li"), "无效")
        appeals.reject(session, second.id, official("li"), "无效")
        first.decided_at = datetime(2020, 2, 1, tzinfo=UTC)
        second.decided_at = datetime(2020, 3, 1, tzinfo=UTC)
        third.filed_at = datetime(2020, 1, 1, tzinfo=UTC)  # filed long ago, still undecided: kept
        record = retention.purge(session, TODAY, evidence=box)
        assert record.evidence_removed == 1
        assert retention.purge(session, TODAY, evidence=box).evidence_removed == 0  # a second run finds nothing
        with pytest.raises(MissingEvidence, match="no longer kept"):
            box.read(str(first.file_sha256))
        assert box.read(str(second.file_sha256)) == b"%PDF-1.4 recently decided"
        assert box.read(str(third.file_sha256)) == b"%PDF-1.4 still open"
        assert first.file_name == "report.pdf"  # the appeal still says a file came with it


def test_a_file_two_appeals_share_stays_while_one_still_needs_it(
    store: Store,
    pseudo: Pseudonymiser,
    ids: Callable[[int], str],
    official: Callable[..., Principal],
    tmp_path: Path,
) -> None:
    box = EvidenceBox(tmp_path / "evidence", b"test key")
    pid = _person(store, pseudo, ids(70), [NEW_CHECKIN])
    with store.session() as session:
        decided = _appeal_with_file(session, box, pid, ids(70), b"%PDF-1.4 the same report")
        appeals.reject(session, decided.id, official("li"), "看不清")
        decided.decided_at = datetime(2020, 2, 1, tzinfo=UTC)
        again = _appeal_with_file(session, box, pid, ids(70), b"%PDF-1.4 the same report")
        assert retention.purge(session, TODAY, evidence=box).evidence_removed == 0
        assert box.read(str(again.file_sha256)) == b"%PDF-1.4 the same report"
