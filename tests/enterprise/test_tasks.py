"""Service tasks and the white list: every task change logged append-only, reasons required, county scope."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from fugong.enterprise import tasks, whitelist
from fugong.enterprise.models import EntTaskChange, EntWhitelistEntry, StateLogImmutable
from fugong.errors import Forbidden, InvalidInput

from .conftest import NOW, World


def _task(world: World) -> int:
    with world.store.session() as session:
        return tasks.create(session, world.official, world.valves, "supplier", "协调瑞安线缆厂复工", NOW).id


def _log(world: World, task_id: int) -> list[tuple[str | None, str, str, str | None, str | None]]:
    with world.store.session() as session:
        return [
            (h["from"], h["to"], h["actor"], h["assignee"], h["note"])
            for h in tasks.history(session, [task_id])[task_id]
        ]


def test_each_change_of_a_task_is_logged_with_who_from_to_and_note(world: World) -> None:
    task_id = _task(world)
    with world.store.session() as session:
        tasks.assign(session, world.official, task_id, "李科长", "请本周内联系", NOW)
        tasks.assign(session, world.official, task_id, "王干事", None, NOW)
        tasks.complete(session, world.official, task_id, "已协调，2月14日复工", NOW)
    assert _log(world, task_id) == [
        (None, "open", "wenzhou", None, None),
        ("open", "assigned", "wenzhou", "李科长", "请本周内联系"),
        ("assigned", "assigned", "wenzhou", "王干事", None),
        ("assigned", "done", "wenzhou", "王干事", "已协调，2月14日复工"),
    ]
    with world.store.session() as session:
        listed = tasks.listing(session, world.official, with_history=True)
    assert [h["to"] for h in listed[0]["history"]] == ["open", "assigned", "assigned", "done"]


def test_the_task_log_is_append_only_in_the_orm_and_the_database(world: World) -> None:
    task_id = _task(world)
    with world.store.session() as session:
        change = session.scalars(select(EntTaskChange)).one()
        change.note = "改写"
        with pytest.raises(StateLogImmutable, match="append-only"):
            session.flush()
        session.rollback()
    for statement in ("UPDATE ent_task_log SET note = 'x'", "DELETE FROM ent_task_log"):
        with pytest.raises(DBAPIError, match="append-only"), world.store.session() as session:
            session.execute(text(statement))
    assert _log(world, task_id) == [(None, "open", "wenzhou", None, None)]


def test_refused_task_changes_log_nothing(world: World) -> None:
    task_id = _task(world)
    with pytest.raises(InvalidInput) as caught, world.store.session() as session:
        tasks.assign(session, world.official, task_id, "  ", "备注", NOW)
    assert caught.value.field == "assignee"
    with pytest.raises(InvalidInput) as caught, world.store.session() as session:
        tasks.complete(session, world.official, task_id, " ", NOW)
    assert caught.value.field == "note"
    with pytest.raises(Forbidden), world.store.session() as session:
        tasks.complete(session, world.hangzhou, task_id, "不是我县的", NOW)
    with world.store.session() as session:
        tasks.complete(session, world.official, task_id, "已办结", NOW)
    with pytest.raises(InvalidInput, match="already done"), world.store.session() as session:
        tasks.complete(session, world.official, task_id, "再次办结", NOW)
    assert [row[1] for row in _log(world, task_id)] == ["open", "done"]


def test_supplier_and_shortfall_tasks_are_logged_as_opened_by_the_system(world: World) -> None:
    with world.store.session() as session:
        firm = world.enterprise(session, world.tea)
        made = tasks.shortfall_tasks(
            session, [{"enterprise_key": firm.enterprise_key}], "grid@v1 on 2020-02-09", "system", NOW
        )
        task_id = made[0].id
    assert _log(world, task_id) == [(None, "open", "system", None, None)]


def test_the_white_list_keeps_why_a_firm_was_added_and_removed(world: World) -> None:
    with world.store.session() as session:
        whitelist.add(session, world.official, world.masks, "epidemic_supplies", "  口罩生产保供  ", NOW)
        assert [w["reason"] for w in whitelist.listed(session, None)] == ["口罩生产保供"]
        whitelist.remove(session, world.official, world.masks, "产能已转产", NOW)
        assert whitelist.listed(session, None) == []
        entry = session.scalars(select(EntWhitelistEntry)).one()
        assert (entry.reason, entry.removed_by, entry.removed_reason) == ("口罩生产保供", "wenzhou", "产能已转产")


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_the_white_list_needs_a_reason_both_ways(world: World, reason: str | None) -> None:
    with pytest.raises(InvalidInput) as caught, world.store.session() as session:
        whitelist.add(session, world.official, world.masks, "epidemic_supplies", reason, NOW)
    assert caught.value.field == "reason"
    with world.store.session() as session:
        whitelist.add(session, world.official, world.masks, "epidemic_supplies", "保供", NOW)
    with pytest.raises(InvalidInput) as caught, world.store.session() as session:
        whitelist.remove(session, world.official, world.masks, reason, NOW)
    assert caught.value.field == "reason"
    with world.store.session() as session:
        assert whitelist.entry_of(session, world.masks) is not None
