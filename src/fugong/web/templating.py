"""Jinja2 pages: one environment, gettext bound to the request's language, the shared base layout."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, PackageLoader, select_autoescape

from fugong.auth import current_principal
from fugong.auth.sessions import csrf_token
from fugong.web import i18n, nav

CHINA = ZoneInfo("Asia/Shanghai")


def local_time(value: str | datetime | None) -> str:
    """A stored moment (UTC, as a datetime or ISO text) as people in the province read it: China time, to the minute.

    Text that is not a moment with a time zone (a plain date, a value already formatted) is shown as it is."""
    if value is None or value == "":
        return ""
    moment = value
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
    if not isinstance(moment, datetime) or moment.tzinfo is None:
        return str(value)
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def _environment() -> Environment:
    env = Environment(
        loader=ChoiceLoader([PackageLoader("fugong.web", "templates")]),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters["local_time"] = local_time
    return env


templates = Jinja2Templates(env=_environment())


def render(request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200) -> HTMLResponse:
    """Render a page with the request, its language, the signed-in person (if any), their links and the CSRF token."""
    principal = getattr(request.state, "principal", None) or current_principal(request)
    values: dict[str, Any] = {
        "locale": i18n.current_locale(),
        "principal": principal,
        "nav_items": nav.visible(request.app, principal),
    }
    if principal is not None and principal.via == "session":
        values["csrf_token"] = csrf_token(request)
    values.update(context or {})
    return templates.TemplateResponse(request, name, values, status_code=status_code)
