"""Enterprise tests: a migrated store on each backend with three firms, officials and an enterprise account."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest
from stdnum.cn import uscc

from fugong.auth.principal import Principal
from fugong.auth.users import create_user
from fugong.enterprise import registry
from fugong.enterprise.content import DeclarationContent, parse_content
from fugong.enterprise.models import EntEnterprise
from fugong.enterprise.signals import CountyColours
from fugong.enterprise.workflow import ReviewContext
from fugong.geo import load_gazetteer
from fugong.hub.pseudonyms import Pseudonymiser, pseudonymiser
from fugong.settings import Settings
from fugong.store import Store

YUEQING, RUIAN, XIHU = "330382", "330381", "330106"
NOW = datetime(2020, 2, 10, 2, 0, tzinfo=UTC)  # 10:00 in China


def credit_code(county: str, body: str) -> str:
    """A valid unified social credit code of a county (``body``: 7 characters of the code alphabet)."""
    stem = f"91{county}MA{body}"
    return stem + uscc.calc_check_digit(stem)


MASKS = credit_code(YUEQING, "2HX0001")  # epidemic supplies, 规上, 300 employees
VALVES = credit_code(YUEQING, "2HX0002")  # an ordinary firm, 规下, 100 employees
TEA = credit_code(XIHU, "2HX0003")  # a firm in a county the Wenzhou official does not hold


def form(**changes: Any) -> dict[str, Any]:
    """A valid declaration as the API receives it (100 workers, all back from within the county)."""
    data: dict[str, Any] = {
        "planned_on": "2020-02-12",
        "workforce_total": 100,
        "workforce_returning": 80,
        "origin_in_county": 60,
        "origin_in_province": 15,
        "origin_out_of_province": 5,
        "origin_key_areas": 0,
        "mask_stock_days": 14,
        "temperature_checks": True,
        "disinfection": True,
        "canteen": "分餐错峰",
        "isolation_room": True,
        "responsible_person": "王建国",
        "responsible_phone": "13805771234",
        "production_plan": "2月12日起两班倒，先恢复阀门装配线",
        "suppliers": [],
    }
    data.update(changes)
    return data


@dataclass
class World:
    """The store, the pseudonymiser, the three firms and the people who act on them."""

    store: Store
    pseudonyms: Pseudonymiser
    masks: int
    valves: int
    tea: int
    official: Principal
    hangzhou: Principal
    clerk: Principal

    def content(self, **changes: Any) -> DeclarationContent:
        """A checked declaration content."""
        return parse_content(form(**changes), self.pseudonyms, NOW)

    def enterprise(self, session: Any, enterprise_id: int) -> EntEnterprise:
        """A firm, in ``session``."""
        return registry.get(session, enterprise_id)


def principal(user_id: int, username: str, roles: tuple[str, ...], counties: tuple[str, ...] = ()) -> Principal:
    """A caller as the web layer would hand it to the app."""
    return Principal(user_id, username, username, frozenset(roles), frozenset(counties), "session")


@pytest.fixture
def world(store: Store, settings: Settings) -> World:
    """Three firms from a market register, a Wenzhou official, a Hangzhou official, a bound enterprise clerk."""
    pseudonyms = pseudonymiser(settings)
    rows = [
        {
            "enterprise_key": pseudonyms.enterprise(MASKS),
            "name": "乐清防护用品有限公司",
            "county_code": YUEQING,
            "industry_section": "C",
            "size_class": "规上",
            "epidemic_supplies": True,
            "employees": 300,
        },
        {
            "enterprise_key": pseudonyms.enterprise(VALVES),
            "name": "乐清阀门制造有限公司",
            "county_code": YUEQING,
            "industry_section": "C",
            "size_class": "规下",
            "employees": 100,
        },
        {
            "enterprise_key": pseudonyms.enterprise(TEA),
            "name": "西湖龙井茶业有限公司",
            "county_code": XIHU,
            "industry_section": "A",
            "size_class": "规下",
            "employees": 40,
        },
    ]
    gazetteer = load_gazetteer(settings.province, settings.reference_date)
    with store.session() as session:
        registry.upsert(session, rows, "market_registry@v1-test")
        ids = {e.name: e.id for e in session.query(EntEnterprise)}
        users = {}
        for name, roles, counties in (
            ("wenzhou", ("county_official",), (YUEQING, RUIAN)),
            ("hangzhou", ("county_official",), (XIHU,)),
            ("factory", ("enterprise",), ()),
        ):
            users[name] = create_user(session, name, roles=roles, counties=counties, gazetteer=gazetteer).id
    clerk = principal(users["factory"], "factory", ("enterprise",))
    with store.session() as session:
        registry.bind(session, pseudonyms, clerk, VALVES, NOW)
    return World(
        store,
        pseudonyms,
        ids["乐清防护用品有限公司"],
        ids["乐清阀门制造有限公司"],
        ids["西湖龙井茶业有限公司"],
        principal(users["wenzhou"], "wenzhou", ("county_official",), (YUEQING, RUIAN)),
        principal(users["hangzhou"], "hangzhou", ("county_official",), (XIHU,)),
        clerk,
    )


GREEN = ReviewContext(CountyColours({YUEQING: "green", RUIAN: "blue", XIHU: "green"}, date(2020, 2, 10), "test"))


@pytest.fixture
def clean_masks(world: World) -> int:
    """The mask maker, white-listed, with 3 green-coded employees declared: its declaration is auto-approved."""
    from fugong.enterprise import whitelist, workflow

    from .healthcodes import green_employees

    ids = green_employees(world, world.masks, 3)
    with world.store.session() as session:
        whitelist.add(session, world.official, world.masks, "epidemic_supplies", "口罩生产保供", NOW)
        content = world.content(
            workforce_total=300,
            workforce_returning=3,
            origin_in_county=3,
            origin_in_province=0,
            origin_out_of_province=0,
            employee_ids=ids,
        )
        d = workflow.submit(
            session, world.enterprise(session, world.masks), content, "masks-clean", "factory", NOW, GREEN
        )
        return d.id


@dataclass
class Web:
    """The real app on the world's store, its client, and a bearer header per user."""

    client: Any
    headers: dict[str, dict[str, str]]


@pytest.fixture
def web(world: World, store_url: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The web app on the scratch store with the test's clock; tokens for wenzhou, hangzhou, factory, an analyst."""
    from fastapi.testclient import TestClient

    from fugong.auth.tokens import issue_token
    from fugong.settings import get_settings
    from fugong.web.app import create_app

    monkeypatch.setenv("FUGONG_DATABASE_URL", store_url)
    get_settings.cache_clear()
    settings = get_settings()
    headers = {}
    with world.store.session() as session:
        gazetteer = load_gazetteer(settings.province, settings.reference_date)
        create_user(session, "fenxi", roles=("analyst",), gazetteer=gazetteer)
        create_user(session, "newfirm", roles=("enterprise",), gazetteer=gazetteer)
        for name in ("wenzhou", "hangzhou", "factory", "fenxi", "newfirm"):
            token = issue_token(session, name, name="tests", now=NOW).token
            headers[name] = {"Authorization": f"Bearer {token}"}
    app = create_app(settings)
    app.state.clock = lambda: NOW
    with TestClient(app) as client:
        yield Web(client, headers)
    app.state.store.dispose()
