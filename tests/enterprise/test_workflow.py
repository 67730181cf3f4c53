"""The declaration workflow: each transition, each refusal, the race, idempotency, auto-approval, suspension."""

from __future__ import annotations

import json
import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import select, text

from fugong.enterprise import whitelist, workflow
from fugong.enterprise.content import parse_content
from fugong.enterprise.models import EntDeclaration, EntNotice, EntStateChange
from fugong.enterprise.signals import CountyColours
from fugong.errors import Conflict, Forbidden, InvalidInput
from fugong.hub.pseudonyms import pseudonymiser
from fugong.settings import Settings

from .conftest import GREEN, NOW, RUIAN, XIHU, YUEQING, World, form


def _submit(world: World, enterprise_id: int, key: str = "key-0000001", **changes: object) -> tuple[int, int]:
    with world.store.session() as session:
        d = workflow.submit(
            session, world.enterprise(session, enterprise_id), world.content(**changes), key, "factory", NOW, GREEN
        )
        return d.id, d.version


def _state(world: World, declaration_id: int) -> str:
    with world.store.session() as session:
        return workflow.get(session, declaration_id).state


def _claimed(world: World, enterprise_id: int | None = None) -> tuple[int, int]:
    declaration_id, version = _submit(world, enterprise_id or world.valves)
    with world.store.session() as session:
        d = workflow.claim(session, world.official, declaration_id, version, NOW)
        return d.id, d.version


def test_submission_logs_draft_then_submitted_with_precheck_priority_and_sla(world: World) -> None:
    declaration_id, _ = _submit(world, world.valves)
    with world.store.session() as session:
        d = workflow.get(session, declaration_id)
        assert d.state == "submitted"
        assert d.due_at == NOW + timedelta(hours=24)
        assert d.responsible_phone == "13805771234"
        checks = {c["name"]: c["status"] for c in json.loads(d.precheck or "{}")["checks"]}
        assert checks["county_risk"] == "ok"
        assert checks["power"] == "unknown"
        assert checks["health_codes"] == "warn"  # no employee list yet
        assert [(c.from_state, c.to_state) for c in workflow.history(session, d.id)] == [
            (None, "draft"),
            ("draft", "submitted"),
        ]
        raw = session.execute(text("SELECT responsible_phone FROM ent_declarations")).scalar_one()
        assert "13805771234" not in raw  # encrypted at rest
        assert not workflow.overdue(d, NOW + timedelta(hours=23))
        assert workflow.overdue(d, NOW + timedelta(hours=25))


def test_the_same_submission_twice_makes_one_declaration(world: World) -> None:
    first = _submit(world, world.valves, key="same-key-42")
    second = _submit(
        world,
        world.valves,
        key="same-key-42",
        workforce_total=5,
        workforce_returning=0,
        origin_in_county=0,
        origin_in_province=0,
        origin_out_of_province=0,
    )
    assert first == second
    with world.store.session() as session:
        assert session.scalar(select(EntDeclaration.workforce_total)) == 100
        assert len(list(session.scalars(select(EntDeclaration)))) == 1


def test_claim_then_each_decision(world: World) -> None:
    for decision, expected in (("approve", "approved"), ("return", "returned"), ("reject", "rejected")):
        declaration_id, version = _submit(world, world.valves, key=f"key-{decision}")
        with world.store.session() as session:
            d = workflow.claim(session, world.official, declaration_id, version, NOW)
            assert d.state == "under_review"
            workflow.decide(
                session, world.official, d.id, d.version, decision, "材料不全" if decision != "approve" else None, NOW
            )
        assert _state(world, declaration_id) == expected
    with world.store.session() as session:
        notices = [n.text for n in session.scalars(select(EntNotice))]
    assert notices == ["申报退回修改：材料不全", "申报不予批准：材料不全"]


def test_a_returned_declaration_is_resubmitted_with_changes(world: World) -> None:
    declaration_id, version = _claimed(world)
    with world.store.session() as session:
        d = workflow.decide(session, world.official, declaration_id, version, "return", "口罩储备不足", NOW)
        version = d.version
    with world.store.session() as session:
        enterprise = world.enterprise(session, world.valves)
        d = workflow.submit_existing(
            session, enterprise, declaration_id, version, world.content(mask_stock_days=30), "factory", NOW, GREEN
        )
        assert (d.state, d.mask_stock_days) == ("submitted", 30)


def test_approving_a_rejected_declaration_is_refused(world: World) -> None:
    declaration_id, version = _claimed(world)
    with world.store.session() as session:
        version = workflow.decide(session, world.official, declaration_id, version, "reject", "不符合条件", NOW).version
    with pytest.raises(Conflict, match="is rejected") as caught, world.store.session() as session:
        workflow.decide(session, world.official, declaration_id, version, "approve", None, NOW)
    assert caught.value.code == "invalid_transition"
    assert _state(world, declaration_id) == "rejected"


def test_deciding_a_submitted_declaration_before_claiming_it_is_refused(world: World) -> None:
    declaration_id, version = _submit(world, world.valves)
    with pytest.raises(Conflict, match="only one under review"), world.store.session() as session:
        workflow.decide(session, world.official, declaration_id, version, "approve", None, NOW)


def test_an_official_of_another_county_is_refused_and_nothing_changes(world: World) -> None:
    declaration_id, version = _submit(world, world.valves)
    with pytest.raises(Forbidden, match="330382") as caught, world.store.session() as session:
        workflow.claim(session, world.hangzhou, declaration_id, version, NOW)
    assert caught.value.field == "county_code"
    assert _state(world, declaration_id) == "submitted"


def test_two_officials_racing_exactly_one_wins(world: World) -> None:
    declaration_id, version = _claimed(world)
    first, second = world.store.session(), world.store.session()
    a, b = first.__enter__(), second.__enter__()
    seen_by_a = workflow.get(a, declaration_id)
    seen_by_b = workflow.get(b, declaration_id)  # both read the same version and keep it
    assert seen_by_a.version == seen_by_b.version == version
    workflow.decide(a, world.official, declaration_id, version, "approve", None, NOW)
    first.__exit__(None, None, None)
    with pytest.raises(Conflict, match="changed by someone else") as caught:
        workflow.decide(b, world.official, declaration_id, version, "reject", "重复", NOW)
    second.__exit__(type(caught.value), caught.value, None)
    assert caught.value.code == "stale_declaration"
    with world.store.session() as session:
        assert workflow.get(session, declaration_id).state == "approved"
        assert [c.to_state for c in workflow.history(session, declaration_id)][-1] == "approved"
        assert session.scalar(select(EntStateChange.id).where(EntStateChange.to_state == "rejected")) is None


def test_two_officials_racing_in_threads_exactly_one_wins(world: World) -> None:
    declaration_id, version = _claimed(world)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def act(decision: str) -> None:
        try:
            with world.store.session() as session:
                seen = workflow.get(session, declaration_id)
                assert seen.version == version
                barrier.wait(timeout=10)
                workflow.decide(session, world.official, declaration_id, version, decision, "理由", NOW)
            outcomes.append(decision)
        except Conflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=act, args=(d,)) for d in ("approve", "reject")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) in (["approve", "conflict"], ["conflict", "reject"])
    winner = next(o for o in outcomes if o != "conflict")
    assert _state(world, declaration_id) == workflow.DECISIONS[winner]


def test_a_white_listed_firm_without_an_employee_list_waits_for_review(world: World) -> None:
    # The clean case is approved automatically (test_auto_approval_is_audited); this one is not clean.
    with world.store.session() as session:
        whitelist.add(session, world.official, world.masks, "epidemic_supplies", "口罩生产保供", NOW)
    declaration_id, _ = _submit(
        world,
        world.masks,
        workforce_total=300,
        workforce_returning=0,
        origin_in_county=0,
        origin_in_province=0,
        origin_out_of_province=0,
    )
    with world.store.session() as session:
        d = workflow.get(session, declaration_id)
        # Unclean: no employee list, so the health codes cannot be checked.
        assert d.state == "submitted"


def test_auto_approval_is_audited(world: World, clean_masks: int) -> None:
    with world.store.session() as session:
        d = workflow.get(session, clean_masks)
        assert (d.state, d.auto_approved, d.decided_by) == ("approved", True, "system")
        log = workflow.history(session, d.id)
        assert [(c.to_state, c.actor, c.automatic) for c in log][-1] == ("approved", "system", True)
        assert "白名单" in (log[-1].reason or "")


def test_a_firm_not_on_the_white_list_waits_for_review_even_when_clean(world: World, clean_masks: int) -> None:
    assert clean_masks  # the white-listed one was approved; take it off and declare again
    with world.store.session() as session:
        whitelist.remove(session, world.official, world.masks, "已恢复正常生产", NOW)
        enterprise = world.enterprise(session, world.masks)
        content = workflow.content_of(workflow.get(session, clean_masks))
        d = workflow.submit(session, enterprise, content, "again-0001", "factory", NOW, GREEN)
        assert d.state == "submitted"


RED = CountyColours({YUEQING: "red", RUIAN: "green", XIHU: "green"}, date(2020, 2, 11), "cdc_cases@v2")
CALM = CountyColours({YUEQING: "yellow", RUIAN: "green", XIHU: "green"}, date(2020, 2, 14), "cdc_cases@v3")


def _approved(world: World) -> int:
    declaration_id, version = _claimed(world)
    with world.store.session() as session:
        workflow.decide(session, world.official, declaration_id, version, "approve", None, NOW)
    return declaration_id


def _notices(world: World, declaration_id: int) -> list[str]:
    with world.store.session() as session:
        query = select(EntNotice.text).where(EntNotice.declaration_id == declaration_id).order_by(EntNotice.id)
        return list(session.scalars(query))


def test_approved_declarations_are_suspended_when_their_county_turns_red(world: World, clean_masks: int) -> None:
    declaration_id = _approved(world)
    with world.store.session() as session:
        assert workflow.sync_with_colours(session, GREEN.colours, NOW) == workflow.ColourSync([], [])
        suspended = workflow.sync_with_colours(session, RED, NOW)
    assert sorted(suspended.suspended) == sorted([clean_masks, declaration_id])
    assert suspended.resumed == []
    assert _state(world, declaration_id) == "suspended"
    assert "高风险" in _notices(world, declaration_id)[0]
    with world.store.session() as session:
        last = workflow.history(session, declaration_id)[-1]
        assert (last.from_state, last.to_state, last.actor, last.automatic) == ("approved", "suspended", "system", True)
        assert "cdc_cases@v2" in (last.reason or "")
        assert workflow.sync_with_colours(session, RED, NOW) == workflow.ColourSync([], [])  # idempotent


def test_suspended_declarations_resume_when_their_county_is_no_longer_red(world: World) -> None:
    declaration_id = _approved(world)
    with world.store.session() as session:
        workflow.sync_with_colours(session, RED, NOW)
    later = NOW + timedelta(days=3)
    with world.store.session() as session:
        resumed = workflow.sync_with_colours(session, CALM, later)
    assert resumed == workflow.ColourSync([], [declaration_id])
    assert _state(world, declaration_id) == "approved"
    notices = _notices(world, declaration_id)
    assert len(notices) == 2
    assert "恢复复工" in notices[1]
    assert "黄色" in notices[1]
    with world.store.session() as session:
        log = workflow.history(session, declaration_id)
        assert [(c.from_state, c.to_state) for c in log][-2:] == [("approved", "suspended"), ("suspended", "approved")]
        assert log[-1].automatic
        assert "cdc_cases@v3" in (log[-1].reason or "")
        assert workflow.sync_with_colours(session, CALM, later) == workflow.ColourSync([], [])  # idempotent
    assert len(_notices(world, declaration_id)) == 2


def test_a_county_without_a_colour_stays_suspended(world: World) -> None:
    declaration_id = _approved(world)
    with world.store.session() as session:
        workflow.sync_with_colours(session, RED, NOW)
        assert workflow.sync_with_colours(session, CountyColours(), NOW).resumed == []  # no case data
        unknown = CountyColours({XIHU: "green"}, date(2020, 2, 14), "cdc_cases@v3")  # Yueqing not graded
        assert workflow.sync_with_colours(session, unknown, NOW).resumed == []
    assert _state(world, declaration_id) == "suspended"


def test_a_sync_limited_to_some_counties_leaves_the_others(world: World) -> None:
    declaration_id = _approved(world)
    with world.store.session() as session:
        assert workflow.sync_with_colours(session, RED, NOW, [XIHU]) == workflow.ColourSync([], [])
    assert _state(world, declaration_id) == "approved"
    with world.store.session() as session:
        assert workflow.sync_with_colours(session, RED, NOW, [YUEQING]).suspended == [declaration_id]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"planned_on": "2020-02-09"}, "planned_on"),
        ({"planned_on": "0"}, "planned_on"),
        ({"planned_on": "2020-02-30"}, "planned_on"),
        ({"workforce_total": 0}, "workforce_total"),
        ({"workforce_total": -3}, "workforce_total"),
        ({"workforce_returning": 120}, "workforce_returning"),
        ({"origin_in_county": 10}, "origin_in_county"),
        ({"origin_key_areas": 99}, "origin_key_areas"),
        ({"responsible_phone": "12345"}, "responsible_phone"),
        ({"responsible_person": ""}, "responsible_person"),
        ({"temperature_checks": "maybe"}, "temperature_checks"),
        ({"suppliers": [{"name": "x", "county_code": "33"}]}, "suppliers[0]"),
    ],
)
def test_bad_content_is_refused_naming_the_field(settings: Settings, changes: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_content(form(**changes), pseudonymiser(settings), NOW)
    assert caught.value.field == field


def test_a_supplier_with_a_bad_credit_code_check_character_is_refused(settings: Settings) -> None:
    supplier = {"name": "温州线缆", "county_code": RUIAN, "credit_code": "91330381MA2HX00010"}
    with pytest.raises(InvalidInput, match="check character"):
        parse_content(form(suppliers=[supplier]), pseudonymiser(settings), NOW)


def test_priority_puts_epidemic_supplies_first(world: World) -> None:
    masks, _ = _submit(
        world,
        world.masks,
        key="masks-0001",
        workforce_total=300,
        workforce_returning=0,
        origin_in_county=0,
        origin_in_province=0,
        origin_out_of_province=0,
    )
    valves, _ = _submit(world, world.valves, key="valves-001")
    tea, _ = _submit(world, world.tea, key="tea-000001")
    with world.store.session() as session:
        ranked = [d.id for d in session.scalars(select(EntDeclaration).order_by(EntDeclaration.priority.desc()))]
    assert ranked[0] == masks
    assert set(ranked[1:]) == {valves, tea}
    assert XIHU  # tea is in Hangzhou: same colour, same size class as the valves


def test_refused_decisions_leave_it_under_review(world: World) -> None:
    declaration_id, version = _claimed(world)
    for decision in ("return", "reject"):
        with pytest.raises(InvalidInput) as caught, world.store.session() as session:
            workflow.decide(session, world.official, declaration_id, version, decision, "  ", NOW)
        assert caught.value.field == "reason"
    with pytest.raises(InvalidInput, match="decision must be one of"), world.store.session() as session:
        workflow.decide(session, world.official, declaration_id, version, "maybe", None, NOW)
    with pytest.raises(Conflict, match="has changed since you read it"), world.store.session() as session:
        workflow.decide(session, world.official, declaration_id, version - 1, "approve", None, NOW)
    assert _state(world, declaration_id) == "under_review"
    with world.store.session() as session:
        assert [c.to_state for c in workflow.history(session, declaration_id)] == ["draft", "submitted", "under_review"]


def test_refused_submissions_write_nothing(world: World) -> None:
    with pytest.raises(InvalidInput, match="not on") as caught:
        _submit(world, world.valves, employee_ids=[999])
    assert caught.value.field == "employee_ids"
    with pytest.raises(InvalidInput, match="idempotency_key"):
        _submit(world, world.valves, key="x")
    with world.store.session() as session:
        assert session.scalar(select(EntDeclaration.id)) is None


def test_the_same_submission_racing_in_threads_makes_one_declaration(world: World) -> None:
    barrier = threading.Barrier(2)
    ids: list[int] = []

    def submit() -> None:
        with world.store.session() as session:
            enterprise = world.enterprise(session, world.valves)
            content = world.content()
            barrier.wait(timeout=10)
            ids.append(workflow.submit(session, enterprise, content, "racing-key-1", "factory", NOW, GREEN).id)

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(ids) == 2
    assert ids[0] == ids[1]
    with world.store.session() as session:
        assert len(list(session.scalars(select(EntDeclaration.id)))) == 1
        assert [c.to_state for c in workflow.history(session, ids[0])] == ["draft", "submitted"]
