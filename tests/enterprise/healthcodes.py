"""Employees with health codes, for the tests: valid ID numbers, registered persons and their colours."""

from __future__ import annotations

from datetime import date
from typing import Any

from stdnum.cn import ric

from fugong.enterprise import registry
from fugong.enterprise.employees import check_row
from fugong.enterprise.models import EntEmployee
from fugong.healthcode.audit import Automatic, set_colour
from fugong.healthcode.registry import Registration, register_self

TODAY = date(2020, 2, 10)


def id_number(serial: int, region: str = "330382", birthday: str = "19950312") -> str:
    """A valid resident ID number (GB 11643) with its check character."""
    stem = f"{region}{birthday}{serial:03d}"
    return stem + ric.calc_check_digit(stem + "0")


def employees_with_colours(world: Any, enterprise_id: int, colours: list[str], start: int = 1) -> list[int]:
    """Employees of a firm, each registered for a health code of the given colour; their record numbers."""
    ids = []
    with world.store.session() as session:
        enterprise = registry.get(session, enterprise_id)
        for n, colour in enumerate(colours, start=start):
            number = id_number(n)
            key, row = check_row({"姓名": f"员工{n}", "身份证号": number}, world.pseudonyms, TODAY)
            employee = EntEmployee(
                enterprise_id=enterprise.id,
                person_key=key,
                name=row.name,
                id_number=row.id_number,
                phone=None,
                returned_from_outside=False,
                uploaded_by="test",
                uploaded_at=world_now(),
            )
            session.add(employee)
            session.flush()
            ids.append(employee.id)
            person = register_self(session, world.pseudonyms, Registration(f"员工{n}", number, "330382"), f"p{n}")
            set_colour(session, person.id, colour, TODAY, Automatic("test", 1, None, ()))
    return ids


def green_employees(world: Any, enterprise_id: int, n: int) -> list[int]:
    """``n`` employees with green codes."""
    return employees_with_colours(world, enterprise_id, ["green"] * n)


def world_now() -> Any:
    from .conftest import NOW

    return NOW
