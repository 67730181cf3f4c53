"""Bulk registration from the hub's persons roster on the command line: all or nothing, errors name the row."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from stdnum.cn import ric

from fugong.cli import main
from fugong.healthcode.models import HcPerson
from fugong.settings import get_settings


def _id(serial: int) -> str:
    body = f"33010219900215{serial:03d}"
    return body + ric.calc_check_digit(body + "0")


@pytest.fixture
def on_store(store: Any, store_url: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The CLI's settings pointed at the test store."""
    monkeypatch.setenv("FUGONG_DATABASE_URL", store_url)
    get_settings.cache_clear()
    return store


def _count(store: Any) -> int:
    with store.session() as session:
        return int(session.scalar(select(func.count()).select_from(HcPerson)) or 0)


def test_a_roster_is_registered_with_its_registrar(
    on_store: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    roster = tmp_path / "persons.csv"
    roster.write_text(
        f"姓名,身份证号,现住址,手机号\n张一,{_id(1)},330106,13800000001\n李二,{_id(2)},330102,\n", "utf-8"
    )
    assert main(["healthcode", "register-bulk", str(roster), "--by", "hub-import"]) == 0
    assert capsys.readouterr().out == "2 persons registered from persons.csv by hub-import\n"
    with on_store.session() as session:
        people = list(session.scalars(select(HcPerson).order_by(HcPerson.id)))
    assert [(p.name, p.county, p.registration, p.registered_by) for p in people] == [
        ("张一", "330106", "bulk", "hub-import"),
        ("李二", "330102", "bulk", "hub-import"),
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("姓名,身份证号,现住址\n张一,{a},330106\n王三,330102199002150000,330106\n", "row 2: ID number"),
        ("姓名,身份证号,现住址\n张一,{a},330106\n张一,{a},330106\n", "row 2: this ID number appears twice"),
        ("姓名,现住址\n张一,330106\n", "missing column(s): 身份证号 (id_number)"),
        ("姓名,身份证号,现住址\n", "no rows under the header"),
    ],
)
def test_a_bad_roster_registers_nobody(
    on_store: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    roster = tmp_path / "persons.csv"
    roster.write_text(content.format(a=_id(1)), "utf-8")
    assert main(["healthcode", "register-bulk", str(roster)]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert _count(on_store) == 0
