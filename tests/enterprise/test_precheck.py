"""The pre-check the reviewer sees: conflicts, health codes, county colour, white list, power, each naming its data."""

from __future__ import annotations

from datetime import date

from fugong.enterprise import precheck, whitelist
from fugong.enterprise.signals import CountyColours, PowerActivity

from .conftest import NOW, RUIAN, VALVES, YUEQING, World
from .healthcodes import employees_with_colours

COLOURS = CountyColours({YUEQING: "orange", RUIAN: "red"}, date(2020, 2, 10), "cdc_cases@v3-test graded on 2020-02-10")


def _statuses(result: precheck.Precheck) -> dict[str, str]:
    return {c.name: c.status for c in result.checks}


def test_conflicts_declared_against_registered_and_a_supplier_in_a_red_county(world: World) -> None:
    content = world.content(
        suppliers=[
            {"name": "瑞安线缆厂", "county_code": RUIAN, "credit_code": VALVES},
            {"name": "乐清五金", "county_code": YUEQING},
        ]
    )
    with world.store.session() as session:
        result = precheck.run(session, world.enterprise(session, world.masks), content, COLOURS, PowerActivity())
    checks = {c.name: c for c in result.checks}
    assert checks["workforce"].status == "warn"
    assert checks["workforce"].detail == "申报100人，名录登记300人"
    assert checks["suppliers"].status == "warn"
    assert checks["suppliers"].figures["in_red_counties"] == ["瑞安线缆厂"]
    assert checks["county_risk"].status == "warn"  # orange
    assert checks["power"].detail.startswith("no power data")
    assert not result.clean
    assert result.as_json()["inputs"]["county_risk"] == "cdc_cases@v3-test graded on 2020-02-10"


def test_health_codes_of_the_declared_employees(world: World) -> None:
    ids = employees_with_colours(world, world.valves, ["green", "green", "yellow", "red"])
    with world.store.session() as session:
        enterprise = world.enterprise(session, world.valves)
        listed = world.content(
            workforce_returning=2,
            origin_in_county=2,
            origin_in_province=0,
            origin_out_of_province=0,
            employee_ids=ids[:2],
        )
        all_of_them = world.content(
            workforce_returning=4, origin_in_county=4, origin_in_province=0, origin_out_of_province=0, employee_ids=ids
        )
        green = precheck.run(session, enterprise, listed, CountyColours(), PowerActivity())
        mixed = precheck.run(session, enterprise, all_of_them, CountyColours(), PowerActivity())
    assert _statuses(green)["health_codes"] == "ok"
    assert _statuses(green)["county_risk"] == "unknown"
    assert green.clean
    health = next(c for c in mixed.checks if c.name == "health_codes")
    assert (health.status, health.figures["colours"]) == ("fail", {"green": 2, "yellow": 1, "red": 1})


def test_white_list_and_power_activity(world: World) -> None:
    with world.store.session() as session:
        whitelist.add(session, world.official, world.valves, "key_project", "重点项目配套", NOW)
        enterprise = world.enterprise(session, world.valves)
        power = PowerActivity({enterprise.enterprise_key: True}, "grid_readings@v2-test on 2020-02-09", True)
        result = precheck.run(session, enterprise, world.content(), CountyColours(), power)
    checks = {c.name: c for c in result.checks}
    assert (checks["white_list"].status, checks["power"].status) == ("ok", "ok")
    assert result.inputs["power"] == "grid_readings@v2-test on 2020-02-09"
