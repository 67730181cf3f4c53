"""The demo's checkpoint and codes: a place for the demo user ``gate``, and codes for the demo ``citizen``.

Idempotent: run it again and nothing is added twice. The places of the lake's ``checkpoint_places`` feed are
imported when the demo's province has been ingested. If the health code demo (health code I) has already made
persons for ``citizen``, they are used as they are; otherwise two are made here: the citizen, green, and the
citizen's relative, registered by the citizen as her proxy, yellow by the rules after a stay in a key area.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from fugong.errors import NotFound
from fugong.healthcode import registry, service
from fugong.healthcode.facts import CheckIn, RiskAreaStay
from fugong.healthcode.gate.models import GatePlace
from fugong.healthcode.gate.places import create_place, import_from_lake
from fugong.healthcode.models import HcPerson, HcProxy
from fugong.healthcode.rules import load_rulebook
from fugong.hub.pseudonyms import pseudonymiser
from fugong.settings import Settings
from fugong.store import Store

if TYPE_CHECKING:
    from fugong.demo import DemoOptions

DEMO_PLACE = "DEMO-GATE-WENSAN"
DEMO_PLACE_NAME = "文三路菜场（示范卡口）"
XIHU = "330106"  # 杭州市西湖区
CITIZEN = "citizen"
DEMO_DAY = date(2020, 2, 20)  # Hangzhou's health code had been running for nine days
# Valid resident ID numbers of the demo's made-up persons (born in 上城区): never real people's numbers.
CITIZEN_ID = "330102198803080739"
RELATIVE_ID = "330102198506120765"


def demo_step(options: DemoOptions) -> str:
    """The demo step (see fugong.demo): seed the gate's demo data on the demo's store."""
    return seed(options.settings)


def seed(settings: Settings) -> str:
    """Make the demo place and, if none exist yet, the demo citizen's persons with their colours."""
    store = Store.from_settings(settings)
    notes: list[str] = []
    try:
        with store.session() as session:
            if session.get(GatePlace, DEMO_PLACE) is None:
                create_place(session, DEMO_PLACE, DEMO_PLACE_NAME, "demo", "商场超市", XIHU)
                notes.append(f"place {DEMO_PLACE} made")
            try:
                done = import_from_lake(session, settings)
                notes.append(f"{done.added} places added from {done.snapshot}")
            except NotFound:
                notes.append("no checkpoint_places in the lake yet")
            notes.append(_persons(session, settings))
    finally:
        store.dispose()
    return "; ".join(notes)


def _persons(session: Session, settings: Settings) -> str:
    acting = select(HcProxy.person_id).where(HcProxy.account == CITIZEN)
    existing = session.scalar(select(HcPerson.id).where(or_(HcPerson.account == CITIZEN, HcPerson.id.in_(acting))))
    if existing is not None:
        return f"{CITIZEN}'s persons already there"
    pseudo = pseudonymiser(settings)
    day = DEMO_DAY
    ruleset = load_rulebook().for_region(XIHU, day)
    me = registry.register_self(session, pseudo, registry.Registration("张晓燕", CITIZEN_ID, XIHU), CITIZEN)
    relative = registry.register_by_proxy(
        session, pseudo, registry.Registration("李秀英", RELATIVE_ID, XIHU), CITIZEN, "relative"
    )
    service.add_fact(session, me.id, CheckIn(on=day))
    stay = RiskAreaStay(area="武汉市", start=day - timedelta(days=6), end=day - timedelta(days=3))
    service.add_fact(session, relative.id, stay)
    for person in (me, relative):
        service.reevaluate(session, person.id, ruleset, day)
    return f"{CITIZEN}'s code and their relative's made"
