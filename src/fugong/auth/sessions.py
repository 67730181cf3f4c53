"""Browser sessions in a signed cookie, and the CSRF token that guards their state-changing posts.

The cookie (``fugong_session``) is signed with ``settings.key("session")``, lasts ``session_max_age_seconds``,
is HttpOnly and SameSite=Lax. It holds the user id and a random CSRF token; a form post or an API call made with
the cookie must send the same token back in the ``csrf_token`` form field or the ``X-CSRF-Token`` header.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime

from fastapi import FastAPI, Request
from starlette.middleware.sessions import SessionMiddleware

from fugong.auth.principal import Principal
from fugong.errors import Forbidden
from fugong.settings import Settings

SESSION_COOKIE = "fugong_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class CsrfFailed(Forbidden):
    """A state-changing request made with the session cookie lacks the session's CSRF token."""

    code = "csrf_failed"


def install_sessions(app: FastAPI, settings: Settings) -> None:
    """Add the signed-cookie session middleware to ``app``."""
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.key("session").decode(),
        session_cookie=SESSION_COOKIE,
        max_age=settings.session_max_age_seconds,
        same_site="lax",
        https_only=False,
    )


def csrf_token(request: Request) -> str:
    """The session's CSRF token, made on first use (also for visitors not signed in, e.g. the login form)."""
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def start_session(request: Request, principal: Principal, now: datetime) -> str:
    """Sign ``principal`` in on this browser with a fresh CSRF token; returns the token."""
    request.session.clear()
    token = secrets.token_urlsafe(32)
    request.session.update({"uid": principal.user_id, "csrf": token, "since": now.isoformat()})
    return token


def session_user_id(request: Request) -> int | None:
    """The id of the user signed in on this browser, if any."""
    uid = request.session.get("uid")
    return uid if isinstance(uid, int) else None


def end_session(request: Request) -> None:
    """Sign out this browser."""
    request.session.clear()


async def check_csrf(request: Request) -> None:
    """Refuse the request unless it carries the session's CSRF token in the header or the form."""
    expected = request.session.get("csrf")
    given = request.headers.get(CSRF_HEADER)
    if given is None and request.headers.get("content-type", "").startswith(_FORM_TYPES):
        value = (await request.form()).get(CSRF_FIELD)
        given = value if isinstance(value, str) else None
    if not isinstance(expected, str) or not given:
        raise CsrfFailed(f"missing CSRF token: send the {CSRF_FIELD} form field or the {CSRF_HEADER} header")
    if not hmac.compare_digest(expected.encode(), given.encode()):
        raise CsrfFailed("wrong CSRF token: reload the page and try again", field=CSRF_FIELD)
