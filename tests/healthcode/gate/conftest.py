"""Fixtures of the gate tests: a migrated store (SQLite and PostgreSQL), persons with colours, a place, a guard."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session
from stdnum.cn import ric

from fugong.auth.principal import Principal
from fugong.healthcode import audit, registry
from fugong.healthcode.credentials.credential import IssuedCode
from fugong.healthcode.gate.authority import Authority
from fugong.healthcode.gate.places import create_place
from fugong.healthcode.models import HcPerson
from fugong.hub.pseudonyms import Pseudonymiser, pseudonymiser
from fugong.settings import Settings
from fugong.store import Store

XIHU = "330106"  # 杭州市西湖区
PLACE = "HZ-EAST-STATION"
TODAY = date(2020, 2, 20)


def id_number(serial: int) -> str:
    """A valid resident ID number (born in 上城区 on 15 Feb 1990) with this serial."""
    body = f"33010219900215{serial:03d}"
    return body + ric.calc_check_digit(body + "0")


@dataclass
class Gate:
    """A store with one checkpoint place, the authority that signs codes, and helpers to make persons."""

    store: Store
    authority: Authority
    pseudo: Pseudonymiser
    guard: Principal

    def person(self, serial: int, colour: str | None = "green", account: str | None = None) -> int:
        """Register a person of 西湖区 (ID number from ``serial``), with a colour set by two officials."""
        with self.store.session() as session:
            reg = registry.Registration("王小明", id_number(serial), XIHU)
            if account:
                person = registry.register_self(session, self.pseudo, reg, account)
            else:
                person = registry.register_by_proxy(session, self.pseudo, reg, "daughter", "relative")
            if colour:
                self._colour(session, person.id, colour)
            return person.id

    def recolour(self, person_id: int, colour: str) -> None:
        """Change the person's colour (a new colour-log record)."""
        with self.store.session() as session:
            self._colour(session, person_id, colour)

    @staticmethod
    def _colour(session: Session, person_id: int, colour: str) -> None:
        audit.set_colour(session, person_id, colour, TODAY, audit.Manual("li", "zhao", "核实后调整"))

    def code(self, person_id: int, now: datetime | None = None) -> IssuedCode:
        """A freshly signed code for the person's current colour (issued ``now``, default the present)."""
        with self.store.session() as session:
            person = session.get(HcPerson, person_id)
            assert person is not None
            return self.authority.issue(session, person, now=now)


@pytest.fixture
def gate(store: Store, settings: Settings, tmp_path: Path) -> Gate:
    """The gate's world: the store on both backends, a place 杭州东站, a guard ``menwei``, keys in tmp_path."""
    with store.session() as session:
        create_place(session, PLACE, "杭州东站", "admin", "交通站点", XIHU)
    guard = Principal(7, "menwei", "门卫", frozenset({"checkpoint"}), frozenset(), "session")
    return Gate(store, Authority(tmp_path / "keys"), pseudonymiser(settings), guard)


@pytest.fixture
def ids() -> Callable[[int], str]:
    """Makes a valid resident ID number from a serial."""
    return id_number
