"""The health code as a hub app: its API and pages (status, check-ins, declarations, appeals, review queue)."""

from __future__ import annotations

from fastapi import APIRouter

from fugong.hub.hookspecs import hookimpl


@hookimpl
def register_routes() -> list[APIRouter]:
    """The health code API under /api/healthcode and the pages under /healthcode."""
    from fugong.web.routers.healthcode import router

    return [router]
