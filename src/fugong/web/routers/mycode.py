"""The citizen's codes over HTTP: /me/code (my code and those of the persons I act for) and paper codes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from fugong.auth.deps import require_roles
from fugong.auth.principal import Principal
from fugong.auth.roles import Role
from fugong.healthcode.gate.authority import Authority
from fugong.healthcode.gate.citizen import RELATIONS, card_for, my_cards
from fugong.healthcode.gate.paper import paper_codes
from fugong.settings import Settings
from fugong.store.deps import DbSession
from fugong.web.templating import render

router = APIRouter(tags=["mycode"])
Holder = Annotated[Principal, Depends(require_roles(Role.citizen, Role.grassroots))]


def _authority(request: Request) -> Authority:
    settings: Settings = request.app.state.settings
    return Authority.of(settings)


@router.get("/api/me/codes")
def codes(request: Request, session: DbSession, me: Holder) -> list[dict[str, Any]]:
    """My code and the codes of the persons I act for, freshly signed."""
    return [c.as_json() for c in my_cards(session, _authority(request), me.username)]


@router.get("/me/code/{person_id}/paper.pdf")
def paper(request: Request, session: DbSession, me: Holder, person_id: int) -> Response:
    """A printable paper code (PDF) for me or a person I act for."""
    pdf = paper_codes([card_for(session, _authority(request), me.username, person_id)])
    headers = {"content-disposition": f'inline; filename="health-code-{person_id}.pdf"'}
    return Response(pdf, media_type="application/pdf", headers=headers)


@router.get("/me/code", response_class=HTMLResponse, include_in_schema=False)
def my_code_page(request: Request, session: DbSession, me: Holder) -> HTMLResponse:
    """My health code: QR, colour, why, when it turns green, how to appeal; also for the persons I act for."""
    cards = my_cards(session, _authority(request), me.username)
    return render(request, "mycode/codes.html", {"cards": cards, "relations": RELATIONS})
