"""Languages of the pages: Chinese source strings, English from Babel message catalogs.

Each app may ship its own ``locale/<lang>/LC_MESSAGES/<app>.po``; all catalogs of a language are merged. The
language of a request comes from ``?lang=``, then the ``fugong_lang`` cookie, then the settings' default (Chinese).
"""

from __future__ import annotations

import gettext as gettext_module
from contextvars import ContextVar
from functools import lru_cache
from importlib import resources
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

LOCALES = ("zh_CN", "en")
LANGUAGE_COOKIE = "fugong_lang"
_current_locale: ContextVar[str] = ContextVar("fugong_locale", default="zh_CN")


@lru_cache(maxsize=1)
def catalogs() -> dict[str, gettext_module.NullTranslations]:
    """Merged translations per locale, compiled in memory from the shipped ``.po`` files."""
    root = Path(str(resources.files("fugong.web") / "locale"))
    result: dict[str, gettext_module.NullTranslations] = {}
    for locale in LOCALES:
        merged = Catalog(locale=locale)
        for po in sorted((root / locale / "LC_MESSAGES").glob("*.po")):
            with po.open("rb") as handle:
                for message in read_po(handle, locale=locale):
                    if message.id and message.string:
                        merged[message.id] = message
        buffer = BytesIO()
        write_mo(buffer, merged)
        buffer.seek(0)
        result[locale] = Translations(fp=buffer)
    return result


def negotiate(query: str | None, cookie: str | None, default: str) -> str:
    """Pick the page language from the request, falling back to ``default``."""
    for choice in (query, cookie):
        if choice in LOCALES:
            return choice
    return default


def set_locale(locale: str) -> None:
    """Make ``locale`` the language of the current request."""
    _current_locale.set(locale)


class LanguageMiddleware:
    """ASGI middleware setting each request's language: ``?lang=``, then the language cookie, then ``default``."""

    def __init__(self, app: ASGIApp, default: str) -> None:
        self.app = app
        self.default = default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            request = Request(scope)
            set_locale(negotiate(request.query_params.get("lang"), request.cookies.get(LANGUAGE_COOKIE), self.default))
        await self.app(scope, receive, send)


def current_locale() -> str:
    """The language of the current request."""
    return _current_locale.get()


def gettext(message: str) -> str:
    """Translate ``message`` (a Chinese source string) into the current request's language."""
    return catalogs()[current_locale()].gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Plural-aware translation for the current request's language."""
    return catalogs()[current_locale()].ngettext(singular, plural, n)
