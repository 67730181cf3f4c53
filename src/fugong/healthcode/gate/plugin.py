"""Health code II as a hub app: the gate's API and page, online verification, and the citizen's code page."""

from __future__ import annotations

from fastapi import APIRouter

from fugong.hub.hookspecs import hookimpl


@hookimpl
def register_routes() -> list[APIRouter]:
    """The gate (/gate, /api/gate/...) and the citizen's codes (/me/code, /api/me/codes)."""
    from fugong.web.routers.gate import router as gate
    from fugong.web.routers.mycode import router as mycode

    return [gate, mycode]
