"""The health code's demo persons (fugong demo): every colour with the facts that explain it, and an open appeal.

In 乐清市 (330382) and 瑞安市 (330381), the counties of the demo official ``wenzhou``: a confirmed case and their
close contact (red), a stay in Wuhan and a fever at a gate (yellow), a person whose yellow turned green after seven
healthy check-ins, and one who was never flagged (green). The fever holder's community worker has appealed with a
negative test report; ``wenzhou`` sees it in the queue. The demo user ``citizen`` and the elderly relative they act
for are made by the gate's demo step. Idempotent: persons already registered are left as they are.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session
from stdnum.cn import ric

from fugong.healthcode import appeals, registry, service
from fugong.healthcode.facts import (
    CheckIn,
    CheckpointTemperature,
    CloseContact,
    Diagnosis,
    Fact,
    Isolation,
    RiskAreaStay,
)
from fugong.healthcode.registry import UnknownPerson
from fugong.healthcode.rules import load_rulebook
from fugong.hub.pseudonyms import Pseudonymiser, pseudonymiser
from fugong.settings import Settings
from fugong.store import unit_of_work

if TYPE_CHECKING:
    from fugong.demo import DemoOptions

DEMO_DAY = date(2020, 2, 20)
YUEQING, RUIAN = "330382", "330381"
COMMUNITY_WORKER = "community-yueqing"


def _id(serial: int) -> str:
    body = f"33038219950101{serial:03d}"  # born in 乐清市 in 1995
    return body + ric.calc_check_digit(body + "0")


def _days(last: date, n: int) -> list[Fact]:
    return [CheckIn(last - timedelta(days=i)) for i in range(n)]


D = DEMO_DAY
PERSONS: list[tuple[str, int, str, list[Fact]]] = [
    ("周建国", 1, YUEQING, [Diagnosis("confirmed", D - timedelta(days=8))]),
    (
        "陈美华",
        2,
        YUEQING,
        [CloseContact(D - timedelta(days=6), D - timedelta(days=7)), Isolation(D - timedelta(days=6)), *_days(D, 6)],
    ),
    ("吴志强", 3, RUIAN, [RiskAreaStay("420100", D - timedelta(days=12), D - timedelta(days=4)), *_days(D, 3)]),
    ("王丽", 4, YUEQING, [CheckpointTemperature(datetime(2020, 2, 19, 8, 40), "乐清市客运中心", 381)]),
    ("林晓东", 5, RUIAN, [RiskAreaStay("420100", D - timedelta(days=20), D - timedelta(days=11)), *_days(D, 9)]),
    ("郑海燕", 6, YUEQING, _days(D, 5)),
]
APPEAL_FOR = "王丽"


def seed(settings: Settings) -> str:
    """Register the demo persons with their facts and colours, and file the open appeal (once)."""
    with unit_of_work(settings) as session:
        return _seed(session, pseudonymiser(settings))


def _seed(session: Session, pseudo: Pseudonymiser) -> str:
    book = load_rulebook()
    made, colours = 0, []
    for name, serial, county, facts in PERSONS:
        try:
            registry.find(session, pseudo, _id(serial))
            continue
        except UnknownPerson:
            pass
        reg = registry.Registration(name, _id(serial), county)
        person = registry.register_by_proxy(session, pseudo, reg, COMMUNITY_WORKER, "community_worker")
        for fact in facts:
            service.add_fact(session, person.id, fact)
        colours.append(service.reevaluate(session, person.id, book.for_region(county, D), D).colour)
        made += 1
        if name == APPEAL_FOR:
            evidence = "2月19日在乐清市人民医院核酸检测阴性，当天测温偏高系刚跑步赶车。"
            filed = datetime(D.year, D.month, D.day, 2, tzinfo=UTC)  # 10:00 in 乐清
            appeals.file(session, person.id, COMMUNITY_WORKER, evidence, now=filed)
    if not made:
        return "health code demo persons already there"
    return f"{made} health code demo persons ({', '.join(colours)}) and an open appeal in 乐清市"


def demo_step(options: DemoOptions) -> str:
    """The demo step (see fugong.demo)."""
    return seed(options.settings)
