"""Who is asking: the signed-in person or the department system behind a token."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from fugong.auth.roles import Role


@dataclass(frozen=True)
class Principal:
    """An authenticated caller, its roles and (for a county official) the counties it acts in."""

    user_id: int
    username: str
    display_name: str
    roles: frozenset[str]
    counties: frozenset[str]
    via: Literal["session", "token"]

    @property
    def is_admin(self) -> bool:
        """Admins are admitted everywhere."""
        return Role.admin in self.roles

    def has_any(self, roles: Iterable[str]) -> bool:
        """True if the caller holds one of ``roles`` (or is an admin)."""
        return self.is_admin or not self.roles.isdisjoint(roles)

    def may_act_in(self, county_code: str) -> bool:
        """True if the caller may act in the county ``county_code``: an admin, or an official of that county."""
        return self.is_admin or (Role.county_official in self.roles and county_code in self.counties)

    def as_json(self) -> dict[str, object]:
        """The caller as the API shows it."""
        return {
            "user_id": self.user_id,
            "username": self.username,
            "display_name": self.display_name,
            "roles": sorted(self.roles),
            "counties": sorted(self.counties),
            "via": self.via,
        }
