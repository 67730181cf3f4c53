"""Signing in and out (page and JSON), who am I, and API tokens for department systems."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from fugong.auth import tokens
from fugong.auth.deps import SIGNED_IN, now, public, require_roles
from fugong.auth.logins import AccountDeactivated, LoginLimit, TooManyLogins, WrongCredentials, sign_in
from fugong.auth.models import ApiToken
from fugong.auth.principal import Principal
from fugong.auth.roles import PRIVILEGED_ROLES, Role
from fugong.auth.sessions import CsrfFailed, check_csrf, csrf_token, end_session, session_user_id, start_session
from fugong.auth.users import get_user
from fugong.errors import Forbidden
from fugong.store.deps import DbSession, request_store
from fugong.web.templating import render

router = APIRouter(tags=["auth"])
TOKEN_MANAGERS = require_roles(Role.admin, Role.data_steward)


class LoginIn(BaseModel):
    """A username and password."""

    username: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=1024)


class PrincipalOut(BaseModel):
    """The caller: who, which roles and counties, by session or token, and the session's CSRF token."""

    user_id: int
    username: str
    display_name: str
    roles: list[str]
    counties: list[str]
    via: str
    csrf_token: str | None = None


class TokenIn(BaseModel):
    """Ask for a new API token for a user."""

    username: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=100, description="Which system uses it, e.g. 'cdc-feed'")
    days: int = Field(tokens.DEFAULT_DAYS, ge=1, le=tokens.MAX_DAYS, description="Days until it expires")


class TokenOut(BaseModel):
    """A new API token: ``token`` is shown this once and never again."""

    id: int
    username: str
    name: str
    token: str
    expires_at: datetime


class TokenInfo(BaseModel):
    """An API token without its secret."""

    id: int
    username: str
    name: str
    prefix: str
    created_at: datetime
    created_by: str | None
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


def _principal_out(principal: Principal, csrf: str | None) -> PrincipalOut:
    return PrincipalOut(
        user_id=principal.user_id,
        username=principal.username,
        display_name=principal.display_name,
        roles=sorted(principal.roles),
        counties=sorted(principal.counties),
        via=principal.via,
        csrf_token=csrf,
    )


def _token_info(row: ApiToken) -> TokenInfo:
    return TokenInfo(
        id=row.id,
        username=row.user.username,
        name=row.name,
        prefix=row.prefix,
        created_at=row.created_at,
        created_by=row.created_by,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        last_used_at=row.last_used_at,
    )


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _safe_next(target: str | None) -> str:
    # Only a path on this site: never '//host' or 'https://host', which would send the person elsewhere.
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _login_page(request: Request, *, status: int = 200, **context: object) -> HTMLResponse:
    values: dict[str, object] = {"csrf_token": csrf_token(request), "username": "", "next": "/", "error": None}
    values.update(context)
    return render(request, "auth/login.html", values, status_code=status)


@router.get("/login", response_class=HTMLResponse, include_in_schema=False, dependencies=[Depends(public)])
def login_page(request: Request, next: str = "/") -> HTMLResponse:
    """The sign-in form (public)."""
    return _login_page(request, next=_safe_next(next))


@router.post("/login", response_class=HTMLResponse, include_in_schema=False, dependencies=[Depends(public)])
async def login_form(
    request: Request,
    username: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=1024)],
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Sign in from the form (public; the form's CSRF token is checked); on success go to ``next``."""
    target = _safe_next(next)
    try:
        await check_csrf(request)
    except CsrfFailed:
        # Usually a form left open longer than the session cookie lives: offer a fresh form.
        return _login_page(request, status=403, username=username, next=target, error="expired_form")
    limit = LoginLimit.from_settings(request.app.state.settings)
    try:
        # Argon2 takes a noticeable fraction of a second by design: keep it off the event loop.
        principal = await run_in_threadpool(
            sign_in, request_store(request), username, password, client=_client(request), now=now(request), limit=limit
        )
    except TooManyLogins as exc:
        return _login_page(
            request, status=429, username=username, next=target, error="rate_limited", wait=exc.retry_after_seconds
        )
    except AccountDeactivated:
        return _login_page(request, status=401, username=username, next=target, error="deactivated")
    except WrongCredentials:
        return _login_page(request, status=401, username=username, next=target, error="wrong_credentials")
    start_session(request, principal, now(request))
    return RedirectResponse(target, status_code=303)


@router.post("/logout", include_in_schema=False, dependencies=[Depends(public)])
async def logout(request: Request) -> RedirectResponse:
    """Sign this browser out (public; a signed-in browser must send its CSRF token) and go to the start page."""
    if session_user_id(request) is not None:
        await check_csrf(request)
    end_session(request)
    return RedirectResponse("/", status_code=303)


@router.post("/api/auth/login", dependencies=[Depends(public)])
def api_login(request: Request, body: LoginIn) -> PrincipalOut:
    """Sign in with a username and password (public); sets the session cookie and returns its CSRF token."""
    limit = LoginLimit.from_settings(request.app.state.settings)
    principal = sign_in(
        request_store(request), body.username, body.password, client=_client(request), now=now(request), limit=limit
    )
    return _principal_out(principal, start_session(request, principal, now(request)))


@router.get("/api/auth/me")
def me(request: Request, principal: Annotated[Principal, Depends(SIGNED_IN)]) -> PrincipalOut:
    """The caller (any signed-in role, by session or token)."""
    return _principal_out(principal, csrf_token(request) if principal.via == "session" else None)


def _may_manage(principal: Principal, target_roles: frozenset[str]) -> None:
    # A data steward hands out tokens to department systems, not to stewards or admins (no way up or sideways).
    if not principal.is_admin and not target_roles.isdisjoint(PRIVILEGED_ROLES):
        raise Forbidden("only an admin may manage API tokens of an admin or a data steward")


@router.post("/api/auth/tokens", status_code=201)
def create_token(
    request: Request, body: TokenIn, session: DbSession, principal: Annotated[Principal, Depends(TOKEN_MANAGERS)]
) -> TokenOut:
    """Make an API token for a user (admin, data_steward); the token is in this answer only."""
    target = get_user(session, body.username)
    _may_manage(principal, frozenset(r.role for r in target.roles))
    issued = tokens.issue_token(
        session, body.username, name=body.name, days=body.days, now=now(request), created_by=principal.username
    )
    return TokenOut(
        id=issued.id, username=issued.username, name=issued.name, token=issued.token, expires_at=issued.expires_at
    )


@router.get("/api/auth/tokens")
def list_tokens(
    session: DbSession, _: Annotated[Principal, Depends(TOKEN_MANAGERS)], username: str | None = None
) -> list[TokenInfo]:
    """API tokens without their secrets, of one user or of all (admin, data_steward)."""
    return [_token_info(row) for row in tokens.list_tokens(session, username)]


@router.delete("/api/auth/tokens/{token_id}")
def revoke_token(
    request: Request, token_id: int, session: DbSession, principal: Annotated[Principal, Depends(TOKEN_MANAGERS)]
) -> TokenInfo:
    """Revoke an API token from now on (admin, data_steward)."""
    row = tokens.get_token(session, token_id)
    _may_manage(principal, frozenset(r.role for r in row.user.roles))
    return _token_info(tokens.revoke_token(session, row, now=now(request)))
