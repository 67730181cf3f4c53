"""Users, roles, browser sessions and API tokens; every endpoint declares the roles it admits."""

from __future__ import annotations

from fugong.auth.deps import SIGNED_IN, current_principal, public, require_roles, undeclared_routes
from fugong.auth.principal import Principal
from fugong.auth.roles import Role

__all__ = ["SIGNED_IN", "Principal", "Role", "current_principal", "public", "require_roles", "undeclared_routes"]
