"""The health code's demo persons: every colour with its reason, an open appeal that ``wenzhou`` sees, idempotent."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from fugong.auth.principal import Principal
from fugong.healthcode import audit, demo, portal
from fugong.healthcode.models import HcPerson
from fugong.settings import Settings


def test_the_demo_has_every_colour_and_an_appeal_for_wenzhou(store: Any, store_url: str, settings: Settings) -> None:
    on_store = Settings(data_dir=settings.data_dir, database_url=store_url)
    first = demo.seed(on_store)
    assert first.startswith("6 health code demo persons")
    assert demo.seed(on_store) == "health code demo persons already there"
    with store.session() as session:
        persons = list(session.scalars(select(HcPerson).order_by(HcPerson.id)))
        colours = {}
        for p in persons:
            stored = audit.current(session, p.id)
            assert stored is not None
            colours[p.name] = (stored.colour, stored.change.rule)
        assert colours == {
            "周建国": ("red", "red-confirmed"),
            "陈美华": ("red", "red-close-contact"),
            "吴志强": ("yellow", "yellow-key-area-stay"),
            "王丽": ("yellow", "yellow-checkpoint-fever"),
            "林晓东": ("green", None),
            "郑海燕": ("green", None),
        }
        wenzhou = Principal(
            1,
            "wenzhou",
            "乐清市、瑞安市干部",
            frozenset({"county_official"}),
            frozenset({"330382", "330381"}),
            "session",
        )
        queue = portal.queue(session, wenzhou, datetime(2020, 2, 20, 4, tzinfo=UTC))
        assert [(a["name"], a["state"], a["overdue"]) for a in queue] == [("王丽", "open", False)]
