"""Jinja2 pages: one environment, gettext bound to the request's language, the shared base layout."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, PackageLoader, select_autoescape

from fugong.auth import current_principal
from fugong.auth.sessions import csrf_token
from fugong.web import i18n, nav


def _environment() -> Environment:
    env = Environment(
        loader=ChoiceLoader([PackageLoader("fugong.web", "templates")]),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
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
