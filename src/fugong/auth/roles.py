"""The roles a person or a department system can hold, and what each is for."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from fugong.errors import InvalidInput


class Role(StrEnum):
    """A role; a user may hold several."""

    citizen = "citizen"
    enterprise = "enterprise"
    checkpoint = "checkpoint"
    grassroots = "grassroots"
    county_official = "county_official"
    analyst = "analyst"
    data_steward = "data_steward"
    admin = "admin"


# Chinese names appear once, here and in docs/roles.md.
ROLE_LABELS: dict[Role, str] = {
    Role.citizen: "市民",
    Role.enterprise: "企业",
    Role.checkpoint: "卡口人员",
    Role.grassroots: "基层工作人员",
    Role.county_official: "县级干部",
    Role.analyst: "分析人员",
    Role.data_steward: "数据管理员",
    Role.admin: "系统管理员",
}

# Roles that manage who may do what; a data steward may not mint credentials for them.
PRIVILEGED_ROLES = frozenset({Role.admin, Role.data_steward})


def parse_role(name: str, *, field: str = "role") -> Role:
    """The role called ``name``; anything else is a clear error listing the roles."""
    try:
        return Role(name.strip())
    except ValueError:
        known = ", ".join(r.value for r in Role)
        raise InvalidInput(f"unknown role {name!r}; roles: {known}", field=field) from None


def parse_roles(names: Iterable[str], *, field: str = "role") -> frozenset[Role]:
    """Several role names, each checked; at least one is needed."""
    roles = frozenset(parse_role(name, field=field) for name in names)
    if not roles:
        known = ", ".join(r.value for r in Role)
        raise InvalidInput(f"give at least one role; roles: {known}", field=field)
    return roles
