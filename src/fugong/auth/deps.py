"""FastAPI dependencies: who is calling, and whether the endpoint admits them.

Every endpoint declares who it admits: ``Depends(require_roles("analyst"))`` (returns the :class:`Principal`),
``Depends(SIGNED_IN)`` for any signed-in caller, or ``dependencies=[Depends(public)]``. An admin is admitted
everywhere. No credentials is a 401 JSON error, the wrong role a 403; a state-changing request made with the
session cookie must also carry the CSRF token.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Awaitable, Callable
from datetime import datetime

from fastapi import Depends, FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.concurrency import run_in_threadpool

from fugong.auth.models import User
from fugong.auth.principal import Principal
from fugong.auth.roles import Role, parse_role
from fugong.auth.sessions import SAFE_METHODS, check_csrf, end_session, session_user_id
from fugong.auth.tokens import TokenCache, authenticate_token, token_hash
from fugong.auth.users import principal_of
from fugong.errors import Forbidden, Unauthorized
from fugong.store.deps import request_store
from fugong.store.engine import Store
from fugong.store.types import utcnow

ROLES_ATTRIBUTE = "__fugong_roles__"
PUBLIC = "public"
_caches: weakref.WeakKeyDictionary[Store, TokenCache] = weakref.WeakKeyDictionary()
_caches_lock = threading.Lock()


def now(request: Request) -> datetime:
    """The app's clock (``app.state.clock`` if set, e.g. by a test), else the current UTC time."""
    clock: Callable[[], datetime] | None = getattr(request.app.state, "clock", None)
    return clock() if clock is not None else utcnow()


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise Unauthorized("the Authorization header must be 'Bearer <token>'")
    return value.strip()


def token_cache(store: Store) -> TokenCache:
    """The principals of recently checked API tokens of ``store``, kept in this process."""
    found = _caches.get(store)
    if found is None:
        with _caches_lock:
            found = _caches.setdefault(store, TokenCache())
    return found


def current_principal(request: Request) -> Principal | None:
    """The caller by bearer token or session cookie, or None; also kept on ``request.state.principal``."""
    token = _bearer(request)
    uid = session_user_id(request)
    principal: Principal | None = None
    if token is not None or uid is not None:
        store = request_store(request)
        with store.session() as session:
            if token is not None:
                principal = authenticate_token(session, token, now=now(request), cache=token_cache(store))
            elif uid is not None:
                user = session.get(User, uid)
                if user is not None and user.active:
                    principal = principal_of(user, via="session")
    if principal is None and token is None and uid is not None:
        # The user was deleted or deactivated: this browser's session ends now.
        end_session(request)
    request.state.principal = principal
    return principal


async def _caller(request: Request) -> Principal | None:
    """:func:`current_principal` as a dependency: a kept token's principal at once, else a look-up in a thread."""
    token = _bearer(request)
    if token is not None:
        kept = token_cache(request_store(request)).get(token_hash(token), now(request))
        if kept is not None:
            request.state.principal = kept
            return kept
    return await run_in_threadpool(current_principal, request)


async def _session_csrf(request: Request, principal: Principal | None = Depends(_caller)) -> None:
    if principal is not None and principal.via == "session" and request.method not in SAFE_METHODS:
        await check_csrf(request)


def require_roles(*roles: str) -> Callable[..., Awaitable[Principal]]:
    """A dependency admitting callers that hold one of ``roles`` (or admin); it returns the caller."""
    admitted = frozenset(parse_role(role) for role in roles)
    if not admitted:
        raise ValueError("require_roles needs at least one role; use `public` for an open endpoint")
    names = ", ".join(sorted(admitted))

    async def dependency(  # async: it only compares sets, so it need not wait for a worker thread
        principal: Principal | None = Depends(_caller), _csrf: None = Depends(_session_csrf)
    ) -> Principal:
        if principal is None:
            raise Unauthorized("sign in, or send an API token in the header 'Authorization: Bearer <token>'")
        if not principal.has_any(admitted):
            held = ", ".join(sorted(principal.roles)) or "none"
            raise Forbidden(f"this needs one of the roles {names}; {principal.username!r} holds {held}")
        return principal

    setattr(dependency, ROLES_ATTRIBUTE, admitted)
    dependency.__name__ = f"require_roles({names})"
    return dependency


def public() -> None:
    """Marks an endpoint open to everyone, so that its openness is a declaration rather than an omission."""


setattr(public, ROLES_ATTRIBUTE, PUBLIC)

SIGNED_IN = require_roles(*Role)


def declared_access(dependant: Dependant) -> frozenset[Role] | str | None:
    """The roles an endpoint's dependencies admit, ``"public"``, or None if it declares nothing."""
    pending = [dependant]
    while pending:
        current = pending.pop()
        declared = getattr(current.call, ROLES_ATTRIBUTE, None)
        if declared is not None:
            return declared  # type: ignore[no-any-return]
        pending.extend(current.dependencies)
    return None


def undeclared_routes(app: FastAPI) -> list[str]:
    """Endpoints of ``app`` that declare neither roles nor ``public`` (FastAPI's own /docs pages excepted)."""
    return sorted(
        f"{','.join(sorted(context.methods or ()))} {context.path}"
        for context in iter_route_contexts(app.routes)
        if isinstance(context.original_route, APIRoute) and declared_access(context.dependant) is None
    )
