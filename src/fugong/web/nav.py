"""The header's links: each page once, shown to the people its route admits and to nobody else.

Who may open a page is declared once, on its route (``require_roles``, ``SIGNED_IN``, ``public``); the header reads
that declaration instead of repeating it, so a county official sees the cockpit and the review queue, a gate guard
sees the gate, a citizen sees their code — and a link never leads to a 403.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

from fugong.auth.deps import PUBLIC, declared_access
from fugong.auth.principal import Principal


@dataclass(frozen=True)
class NavItem:
    """A header link: the page's path and its label (a Chinese source string, translated when shown)."""

    href: str
    label: str


NAV = (
    NavItem("/geo", "地图"),
    NavItem("/riskmap", "驾驶舱"),
    NavItem("/power", "电力指数"),
    NavItem("/enterprise", "企业复工"),
    NavItem("/enterprise/review", "复工审核"),
    NavItem("/healthcode", "健康码"),
    NavItem("/me/code", "亮码"),
    NavItem("/gate", "卡口核验"),
    NavItem("/survey", "基层填报"),
    NavItem("/survey/progress", "填报进度"),
    NavItem("/hub", "数据目录"),
)


@lru_cache(maxsize=8)
def _page_access(app: FastAPI) -> dict[str, frozenset[str] | str]:
    """The declared access of every page the header links to that this app serves, by path."""
    wanted = {item.href for item in NAV}
    found: dict[str, frozenset[str] | str] = {}
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and context.path in wanted and "GET" in (context.methods or ()):
            declared = declared_access(context.dependant)
            if declared is not None:
                found[context.path] = declared
    return found


def visible(app: FastAPI, principal: Principal | None) -> list[NavItem]:
    """The links ``principal`` (None: not signed in) may follow, in the header's order."""
    access = _page_access(app)
    shown = []
    for item in NAV:
        declared = access.get(item.href)
        if declared is None:
            continue  # the app does not serve this page (an app left out of this install)
        if declared == PUBLIC or (principal is not None and principal.has_any(declared)):
            shown.append(item)
    return shown
