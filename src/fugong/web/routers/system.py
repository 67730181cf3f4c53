"""Health check, home page and the language switch."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse

import fugong
from fugong.auth import public
from fugong.web import i18n
from fugong.web.templating import render

router = APIRouter(tags=["system"], dependencies=[Depends(public)])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """Liveness: the process answers (public)."""
    return {"status": "ok", "version": fugong.__version__}


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def home(request: Request) -> HTMLResponse:
    """The start page: what Fugong is and where to go (public)."""
    return render(request, "index.html")


@router.get("/lang/{locale}", include_in_schema=False)
def switch_language(locale: str, next: str = "/") -> RedirectResponse:
    """Remember the chosen language in a cookie and go back (public)."""
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    response = RedirectResponse(target, status_code=303)
    if locale in i18n.LOCALES:
        response.set_cookie(i18n.LANGUAGE_COOKIE, locale, max_age=365 * 86400, samesite="lax")
    return response
