"""The health code over HTTP: a person's status, registration, check-ins, declarations, appeals, the review queue."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from functools import lru_cache
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, StrictBool, StrictInt, StrictStr
from sqlalchemy.orm import Session

from fugong.auth import Principal, require_roles
from fugong.auth.deps import SIGNED_IN, now
from fugong.geo import load_gazetteer
from fugong.healthcode import findings, portal, registry
from fugong.healthcode.evidence import MAX_EVIDENCE_BYTES, EvidenceBox
from fugong.healthcode.rules import RuleBook, load_rulebook
from fugong.hub.lake import get_lake
from fugong.hub.pseudonyms import pseudonymiser
from fugong.web.templating import render

router = APIRouter(tags=["healthcode"])
Caller = Annotated[Principal, Depends(SIGNED_IN)]
Citizen = Annotated[Principal, Depends(require_roles("citizen", "grassroots"))]
Official = Annotated[Principal, Depends(require_roles("county_official"))]
Holder = Annotated[Principal, Depends(require_roles("citizen", "grassroots", "county_official"))]


def _session(request: Request) -> Iterator[Session]:
    with request.app.state.store.session() as session:
        yield session


Db = Annotated[Session, Depends(_session)]


@lru_cache(maxsize=2)
def _book(province: str, reference: date) -> RuleBook:
    return load_rulebook(gazetteer=load_gazetteer(province, reference))


def _rules(request: Request) -> RuleBook:
    settings = request.app.state.settings
    return _book(settings.province, settings.reference_date)


def _today(request: Request) -> date:
    # Health codes count calendar days in China (UTC+8).
    return (now(request) + timedelta(hours=8)).date()


def _lang(request: Request) -> str:
    from fugong.web import i18n

    return "en" if i18n.current_locale().startswith("en") else "zh"


class RegistrationIn(BaseModel):
    """A registration: the person's name, ID number, county and phone; ``on_behalf`` for a proxy."""

    model_config = ConfigDict(extra="forbid")
    name: StrictStr
    id_number: StrictStr
    county: StrictStr
    phone: StrictStr | None = None
    on_behalf: StrictStr | None = None


class CheckInIn(BaseModel):
    """The day's check-in: symptoms, and the temperature in tenths of a degree if taken (373 = 37.3 °C)."""

    model_config = ConfigDict(extra="forbid")
    symptoms: StrictBool = False
    tenths: StrictInt | None = None


class DeclarationIn(BaseModel):
    """A self-declaration; ``legal_notice`` must be true (false declarations are punishable)."""

    model_config = ConfigDict(extra="forbid")
    symptoms: StrictBool
    travel: StrictBool
    contact: StrictBool
    legal_notice: StrictBool
    symptom_list: list[StrictStr] = []


class ProposalIn(BaseModel):
    """An official's proposal: the colour and the written reason."""

    model_config = ConfigDict(extra="forbid")
    colour: StrictStr
    reason: StrictStr


class FindingIn(BaseModel):
    """An official's finding: its kind, its day (``YYYY-MM-DD``, not in the future), a note, an isolation's place."""

    model_config = ConfigDict(extra="forbid")
    kind: StrictStr
    on: StrictStr
    note: StrictStr = ""
    place: StrictStr = "home"


class RejectionIn(BaseModel):
    """An official's rejection and its reason."""

    model_config = ConfigDict(extra="forbid")
    reason: StrictStr


@router.get("/api/healthcode/persons")
def persons(_request: Request, caller: Caller, session: Db) -> list[dict[str, Any]]:
    """The persons the caller is or acts for, with their colour."""
    return portal.my_persons(session, caller)


@router.post("/api/healthcode/persons", status_code=201)
def register(request: Request, body: RegistrationIn, caller: Citizen, session: Db) -> dict[str, Any]:
    """Register yourself, or (on_behalf = relative | community_worker) someone without a smartphone."""
    reg = registry.Registration(body.name, body.id_number, body.county, body.phone)
    person = portal.register(session, pseudonymiser(request.app.state.settings), caller, reg, body.on_behalf)
    return {"id": person.id, "county": person.county, "registration": person.registration}


@router.get("/api/healthcode/persons/{person_id}/status")
def status(request: Request, person_id: int, caller: Caller, session: Db) -> dict[str, Any]:
    """A person's colour, why, since when, the green date, the facts with sources, history, appeals, messages."""
    return portal.person_status(session, caller, person_id, _rules(request), _today(request), _lang(request))


@router.post("/api/healthcode/persons/{person_id}/checkins", status_code=201)
def check_in(request: Request, person_id: int, body: CheckInIn, caller: Citizen, session: Db) -> dict[str, Any]:
    """Today's health check-in (打卡) for yourself or a person you act for; returns the new status."""
    day = _today(request)
    return portal.check_in(session, caller, person_id, _rules(request), day, body.symptoms, body.tenths)


@router.get("/api/healthcode/legal-notice")
def legal_notice(_caller: Caller) -> dict[str, str]:
    """The legal notice a self-declaration is made under."""
    return {"zh": portal.LEGAL_NOTICE_ZH, "en": portal.LEGAL_NOTICE_EN}


@router.post("/api/healthcode/persons/{person_id}/declarations", status_code=201)
def declare(request: Request, person_id: int, body: DeclarationIn, caller: Citizen, session: Db) -> dict[str, Any]:
    """A self-declaration under the legal notice; returns the new status."""
    answers = {k: getattr(body, k) for k in ("symptoms", "travel", "contact", "legal_notice")}
    return portal.declare(session, caller, person_id, _rules(request), _today(request), answers, body.symptom_list)


@router.post("/api/healthcode/persons/{person_id}/appeals", status_code=201)
async def appeal(
    request: Request,
    person_id: int,
    caller: Citizen,
    session: Db,
    evidence: Annotated[str, Form()],
    file: Annotated[UploadFile | None, File()] = None,
) -> dict[str, Any]:
    """Appeal against the colour, with evidence text and optionally a PDF, JPEG or PNG (at most 5 MiB)."""
    upload = None
    if file is not None and file.filename:
        limit = MAX_EVIDENCE_BYTES
        content = await file.read(limit + 1)
        upload = portal.Upload(file.filename, file.content_type or "", content)
    box = EvidenceBox.from_settings(request.app.state.settings)
    return portal.file_appeal(session, caller, person_id, evidence, upload, box, now(request))


@router.post("/api/healthcode/persons/{person_id}/findings", status_code=201)
def finding(request: Request, person_id: int, body: FindingIn, caller: Official, session: Db) -> dict[str, Any]:
    """An official of the person's county records a diagnosis, its clearing, isolation or a false declaration;
    the person (and for a confirmed case, their contacts) is re-evaluated."""
    found = findings.Finding(body.kind, findings.day_of(body.on), body.note, body.place)
    lake = get_lake(request.app.state.settings)
    return findings.record(session, lake, _rules(request), caller, person_id, found, _today(request))


@router.get("/api/healthcode/appeals/{appeal_id}/evidence", response_class=Response)
def appeal_evidence(request: Request, appeal_id: int, caller: Caller, session: Db) -> Response:
    """The appeal's evidence file, for the officials of the person's county, the person and their proxies."""
    box = EvidenceBox.from_settings(request.app.state.settings)
    name, content_type, content = portal.evidence_file(session, caller, appeal_id, box)
    disposition = f"inline; filename*=UTF-8''{quote(name)}"
    headers = {"Content-Disposition": disposition, "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
    return Response(content, media_type=content_type, headers=headers)


@router.get("/api/healthcode/appeals")
def appeal_queue(request: Request, caller: Official, session: Db) -> list[dict[str, Any]]:
    """Undecided appeals of your counties, the most urgent first, with their due time and whether overdue."""
    return portal.queue(session, caller, now(request))


@router.post("/api/healthcode/appeals/{appeal_id}/proposal")
def propose(appeal_id: int, body: ProposalIn, caller: Official, session: Db) -> dict[str, Any]:
    """Propose a colour with a written reason; a second official must approve."""
    return portal.propose(session, caller, appeal_id, body.colour, body.reason)


@router.post("/api/healthcode/appeals/{appeal_id}/approval")
def approve(request: Request, appeal_id: int, caller: Official, session: Db) -> dict[str, Any]:
    """Approve a colleague's proposal: the colour changes, with its record, and the person is told."""
    return portal.approve(session, caller, appeal_id, _today(request))


@router.post("/api/healthcode/appeals/{appeal_id}/rejection")
def reject(appeal_id: int, body: RejectionIn, caller: Official, session: Db) -> dict[str, Any]:
    """Reject the appeal with a reason; the person is told and the colour stays."""
    return portal.reject(session, caller, appeal_id, body.reason)


@router.get("/healthcode", response_class=HTMLResponse, include_in_schema=False)
def home(request: Request, caller: Holder, session: Db) -> HTMLResponse:
    """The persons you are or act for, registration, and (for officials) the appeal queue."""
    context = {"persons": portal.my_persons(session, caller), "official": caller.has_any(["county_official"])}
    return render(request, "healthcode/home.html", context)


@router.get("/healthcode/persons/{person_id}", response_class=HTMLResponse, include_in_schema=False)
def person_page(request: Request, person_id: int, caller: Caller, session: Db) -> HTMLResponse:
    """A person's health code status in plain words, with check-in, declaration and appeal forms."""
    found = portal.person_status(session, caller, person_id, _rules(request), _today(request), _lang(request))
    context = {"s": found, "notice_zh": portal.LEGAL_NOTICE_ZH, "notice_en": portal.LEGAL_NOTICE_EN}
    return render(request, "healthcode/person.html", context)


@router.get("/healthcode/appeals", response_class=HTMLResponse, include_in_schema=False)
def queue_page(request: Request, caller: Official, session: Db) -> HTMLResponse:
    """The officials' appeal queue of their counties."""
    return render(request, "healthcode/appeals.html", {"appeals": portal.queue(session, caller, now(request))})
