"""The demo's gate data: a place for the user ``gate``, the citizen's code and their relative's, made once."""

from __future__ import annotations

from sqlalchemy import func, select

from fugong.healthcode.gate.authority import Authority
from fugong.healthcode.gate.citizen import my_cards
from fugong.healthcode.gate.demo import DEMO_PLACE, seed
from fugong.healthcode.gate.models import GatePlace
from fugong.healthcode.models import HcPerson
from fugong.settings import Settings
from fugong.store import Store, migrate


def test_the_demo_seeds_a_place_and_the_citizens_codes_once(settings: Settings) -> None:
    migrate.upgrade(settings.store_url)
    first = seed(settings)
    assert "place DEMO-GATE-WENSAN made" in first
    assert "no checkpoint_places in the lake yet" in first
    again = seed(settings)
    assert "already there" in again
    store = Store.from_settings(settings)
    try:
        with store.session() as session:
            assert session.get(GatePlace, DEMO_PLACE) is not None
            assert session.scalar(select(func.count()).select_from(HcPerson)) == 2
            cards = my_cards(session, Authority.of(settings), "citizen")
    finally:
        store.dispose()
    assert [(c.relation, c.colour) for c in cards] == [("self", "green"), ("relative", "yellow")]
    relative = cards[1]
    assert "重点疫区" in relative.why_zh or "疫区" in relative.why_zh
    assert relative.green_on is not None
