"""Creating, finding and listing users, with their roles and counties checked."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fugong.auth.models import User, UserCounty, UserRole
from fugong.auth.passwords import hash_password
from fugong.auth.principal import Principal
from fugong.auth.roles import Role, parse_roles
from fugong.errors import Conflict, InvalidInput, NotFound
from fugong.geo import Gazetteer
from fugong.store.types import utcnow

USERNAME = re.compile(r"[a-z0-9][a-z0-9_.-]{1,63}")


def normalise_username(username: str) -> str:
    """Usernames are compared without case and surrounding spaces."""
    return username.strip().lower()


def check_username(username: str) -> str:
    """The normalised username, or a clear error saying what a username may contain."""
    name = normalise_username(username)
    if not USERNAME.fullmatch(name):
        raise InvalidInput(
            f"invalid username {username!r}: 2 to 64 characters, letters a-z, digits, '.', '_' or '-', "
            "starting with a letter or digit",
            field="username",
        )
    return name


def resolve_counties(gazetteer: Gazetteer, values: Iterable[str]) -> list[str]:
    """County codes for codes or names valid on the gazetteer's reference date; an unknown one is an error."""
    return sorted({gazetteer.lookup(value, level="county").code for value in values})


@dataclass(frozen=True)
class NewUser:
    """A user that passed every check and may be created."""

    username: str
    roles: frozenset[Role]
    counties: list[str]


def check_new_user(
    session: Session, username: str, *, roles: Iterable[str], gazetteer: Gazetteer, counties: Sequence[str] = ()
) -> NewUser:
    """Check a user about to be created: name, roles, counties (a county official needs one), not a duplicate."""
    name = check_username(username)
    held = parse_roles(roles)
    if Role.county_official in held and not counties:
        raise InvalidInput("a county_official needs at least one --county (code or name)", field="county")
    if counties and Role.county_official not in held:
        raise InvalidInput("counties are only for the county_official role", field="county")
    codes = resolve_counties(gazetteer, counties)
    if session.scalar(select(User.id).where(User.username == name)) is not None:
        raise Conflict(f"user {name!r} already exists", field="username")
    return NewUser(name, held, codes)


def create_user(
    session: Session,
    username: str,
    *,
    roles: Iterable[str],
    gazetteer: Gazetteer,
    counties: Sequence[str] = (),
    password: str | None = None,
    display_name: str | None = None,
    now: datetime | None = None,
) -> User:
    """Add a user after :func:`check_new_user`; ``password`` None makes a token-only system account."""
    new = check_new_user(session, username, roles=roles, gazetteer=gazetteer, counties=counties)
    name = new.username
    user = User(
        username=name,
        display_name=(display_name or name).strip() or name,
        password_hash=None if password is None else hash_password(password),
        active=True,
        created_at=now or utcnow(),
        roles=[UserRole(role=role.value) for role in sorted(new.roles)],
        counties=[UserCounty(county_code=code) for code in new.counties],
    )
    session.add(user)
    try:
        session.flush()
    except IntegrityError:
        # Another process created the same username between our check and our insert.
        raise Conflict(f"user {name!r} already exists", field="username") from None
    return user


def find_user(session: Session, username: str) -> User | None:
    """The user called ``username`` (any case), or None."""
    return session.scalar(select(User).where(User.username == normalise_username(username)))


def get_user(session: Session, username: str) -> User:
    """The user called ``username``; an unknown one is a clear error."""
    user = find_user(session, username)
    if user is None:
        raise NotFound(f"no user {normalise_username(username)!r}", field="username")
    return user


def list_users(session: Session) -> list[User]:
    """Every user, by username."""
    return list(session.scalars(select(User).order_by(User.username)))


def principal_of(user: User, via: Literal["session", "token"]) -> Principal:
    """The principal a user acts as."""
    return Principal(
        user_id=user.id,
        username=user.username,
        display_name=user.display_name,
        roles=frozenset(r.role for r in user.roles),
        counties=frozenset(c.county_code for c in user.counties),
        via=via,
    )
