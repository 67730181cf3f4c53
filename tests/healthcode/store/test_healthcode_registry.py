"""The person registry: self, proxy and bulk registration; encryption at rest; the hub's pseudonym; bad input."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from fugong.errors import Conflict
from fugong.healthcode import registry
from fugong.healthcode.models import HcPerson
from fugong.healthcode.registry import AlreadyRegistered, InvalidRegistration, Registration, UnknownPerson
from fugong.hub.pseudonyms import InvalidIdentifier, Pseudonymiser, person_key
from fugong.settings import Settings
from fugong.store import Store, migrate

Rows = Callable[[Session, str], int]


def test_a_person_registers_and_is_found_by_id_number(
    store: Store, pseudo: Pseudonymiser, ids: Callable[[int], str], settings: Settings
) -> None:
    with store.session() as session:
        registry.register_self(session, pseudo, Registration(" 王小明 ", ids(1), "330106", "+86 138-0013-8000"), "wang")
    with store.session() as session:
        person = registry.find(session, pseudo, ids(1).lower())
        assert (person.name, person.id_number, person.phone) == ("王小明", ids(1), "13800138000")
        assert (person.county, person.account, person.registration) == ("330106", "wang", "self")
        # The lake's key for the person: the hub's pseudonym, not a second scheme.
        assert person.pseudonym == person_key(ids(1), settings)


def test_a_proxy_registers_an_elderly_person_and_is_recorded(
    store: Store, pseudo: Pseudonymiser, ids: Callable[[int], str]
) -> None:
    with store.session() as session:
        reg = Registration("李奶奶", ids(2), "330106")
        person = registry.register_by_proxy(session, pseudo, reg, "community-zhang", "community_worker")
        registry.add_proxy(session, person.id, "grandson-li", "relative", "community-zhang")
    with store.session() as session:
        assert (person.account, person.registration, person.registered_by) == (None, "proxy", "community-zhang")
        assert registry.proxies(session, person.id) == {
            "community-zhang": "community_worker",
            "grandson-li": "relative",
        }
        assert registry.may_act_for(session, person, "grandson-li")
        assert not registry.may_act_for(session, person, "stranger")


def test_bulk_registration(store: Store, pseudo: Pseudonymiser, ids: Callable[[int], str]) -> None:
    regs = [Registration(f"人员{i}", ids(i), "330102") for i in range(10, 13)]
    with store.session() as session:
        assert registry.register_bulk(session, pseudo, regs, "hub-import") == 3
    with store.session() as session:
        assert [p.registration for p in session.scalars(sa.select(HcPerson))] == ["bulk"] * 3


def test_the_raw_sqlite_file_holds_no_plain_id_number_name_or_phone(
    tmp_path: Path, settings: Settings, pseudo: Pseudonymiser, ids: Callable[[int], str]
) -> None:
    url = f"sqlite:///{tmp_path / 'raw.db'}"
    migrate.upgrade(url)
    store = Store(url, field_key=settings.key("field_encryption"))
    with store.session() as session:
        reg = Registration("欧阳娜娜", ids(3), "330106", "13912345678")
        registry.register_self(session, pseudo, reg, "ouyang")
    with store.session() as session:
        assert registry.find(session, pseudo, ids(3)).name == "欧阳娜娜"
    store.dispose()
    raw = b"".join(f.read_bytes() for f in sorted(tmp_path.glob("raw.db*")))
    assert b"ouyang" in raw  # the sign-in name is stored as it is, so the file was searched
    for secret in ("欧阳娜娜", ids(3), "13912345678"):
        assert secret.encode("utf-8") not in raw
        assert secret.encode("utf-16-le") not in raw


def test_a_bad_check_digit_is_refused_and_nothing_is_written(
    store: Store, pseudo: Pseudonymiser, ids: Callable[[int], str], rows: Rows
) -> None:
    good = ids(4)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    with pytest.raises(InvalidIdentifier, match="wrong check character") as caught, store.session() as session:
        registry.register_self(session, pseudo, Registration("张三", bad, "330106"), "zhang")
    assert caught.value.reason == "bad_check_character"
    with store.session() as session:
        assert rows(session, "hc_persons") == 0


def test_a_duplicate_registration_is_refused(store: Store, pseudo: Pseudonymiser, ids: Callable[[int], str]) -> None:
    with store.session() as session:
        registry.register_self(session, pseudo, Registration("张三", ids(5), "330106"), "zhang")
    with pytest.raises(AlreadyRegistered, match="already registered"), store.session() as session:
        registry.register_by_proxy(session, pseudo, Registration("张三", ids(5), "330106"), "li", "relative")
    with store.session() as session:
        assert registry.proxies(session, registry.find(session, pseudo, ids(5)).id) == {}


@pytest.mark.parametrize(
    ("reg", "field", "message"),
    [
        (Registration("", "", "330106"), "name", "name is empty"),
        (Registration("张三", "", "330199"), "county", "not a county"),
        (Registration("张三", "", "330100"), "county", "not a county"),
        (Registration("张三", "", "330106", "12345"), None, "not an 11-digit mobile number"),
    ],
)
def test_bad_fields_are_named(
    store: Store,
    pseudo: Pseudonymiser,
    ids: Callable[[int], str],
    rows: Rows,
    reg: Registration,
    field: str | None,
    message: str,
) -> None:
    filled = Registration(reg.name, reg.id_number or ids(6), reg.county, reg.phone)
    with pytest.raises((InvalidRegistration, InvalidIdentifier), match=message) as caught, store.session() as s:
        registry.register_self(s, pseudo, filled, "zhang")
    assert caught.value.field == field
    with store.session() as session:
        assert rows(session, "hc_persons") == 0


def test_a_bad_row_in_a_bulk_load_names_the_row_and_registers_nobody(
    store: Store, pseudo: Pseudonymiser, ids: Callable[[int], str], rows: Rows
) -> None:
    regs = [Registration("甲", ids(20), "330102"), Registration("乙", "330102199002150000", "330102")]
    with pytest.raises(InvalidIdentifier, match=r"^row 2: ID number"), store.session() as session:
        registry.register_bulk(session, pseudo, regs, "hub-import")
    twice = [
        Registration("甲", ids(21), "330102"),
        Registration("丙", ids(22), "330102"),
        Registration("甲", ids(21), "330102"),
    ]
    with pytest.raises(AlreadyRegistered, match=r"^row 3: this ID number appears twice"), store.session() as session:
        registry.register_bulk(session, pseudo, twice, "hub-import")
    with store.session() as session:
        assert rows(session, "hc_persons") == 0


def test_unknown_persons_and_bad_proxies(
    store: Store, pseudo: Pseudonymiser, ids: Callable[[int], str], person_id: int, rows: Rows
) -> None:
    with pytest.raises(UnknownPerson, match="no person with this ID number"), store.session() as session:
        registry.find(session, pseudo, ids(7))
    with pytest.raises(UnknownPerson, match="no person is registered as number 999"), store.session() as session:
        registry.add_proxy(session, 999, "li", "relative", "li")
    with pytest.raises(InvalidRegistration, match="relation 'neighbour'"), store.session() as session:
        registry.add_proxy(session, person_id, "li", "neighbour", "li")
    with store.session() as session:
        registry.add_proxy(session, person_id, "li", "relative", "li")
    with pytest.raises(Conflict, match="li already acts for person"), store.session() as session:
        registry.add_proxy(session, person_id, "li", "relative", "li")
    with pytest.raises(InvalidRegistration, match="relation"), store.session() as session:
        registry.register_by_proxy(session, pseudo, Registration("赵", ids(8), "330106"), "li", "friend")
    with store.session() as session:
        assert rows(session, "hc_proxies") == 1
        assert rows(session, "hc_persons") == 1
