"""The checkpoint over HTTP: places, a scan's admit/refuse decision, offline sync, online verification, the page."""

from __future__ import annotations

import re
import threading
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from fugong.auth.deps import require_roles
from fugong.auth.principal import Principal
from fugong.auth.roles import Role
from fugong.errors import FugongError, InvalidInput
from fugong.healthcode.gate.authority import Authority
from fugong.healthcode.gate.online import verify_online
from fugong.healthcode.gate.places import create_place, import_from_lake, list_places, place_json
from fugong.healthcode.gate.scans import ScanRequest, record_scan, scan_counts
from fugong.hub.pseudonyms import pseudonymiser
from fugong.settings import Settings
from fugong.store.deps import DbSession, request_store
from fugong.web.i18n import current_locale, gettext
from fugong.web.templating import render

router = APIRouter(tags=["gate"])
Guard = Annotated[Principal, Depends(require_roles(Role.checkpoint))]
Admin = Annotated[Principal, Depends(require_roles(Role.admin))]
MAX_SYNC = 500
# At most this many scans of one server process run at once; the others wait their turn asleep. More threads
# only contend for the interpreter lock and the cores, and each scan then costs more CPU (measured in
# docs/healthcode-credentials.md, "Load benchmark").
CONCURRENT_SCANS = 4
_scanning = threading.BoundedSemaphore(CONCURRENT_SCANS)
_ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$")


class PlaceIn(BaseModel):
    """A checkpoint place made by an admin."""

    place_id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    place_type: str | None = None
    county: str | None = None


class ScanIn(BaseModel):
    """One scan from a gate: its own id, the place, the temperature, and the code text or a typed ID number."""

    scan_id: str = Field(description="Made by the gate (e.g. a UUID); a repeated id returns the recorded decision")
    place_id: str
    temperature: str | float = Field(description="Body temperature in °C, e.g. 36.5")
    code: str | None = Field(None, max_length=100_000, description="The scanned text (FG1:...)")
    id_number: str | None = Field(None, max_length=40, description="A resident ID number typed by the guard")
    scanned_at: str | None = Field(None, description="When an offline gate scanned it (ISO 8601 with zone)")


class SyncIn(BaseModel):
    """The scans an offline gate queued, sent when it is back online."""

    scans: list[ScanIn] = Field(max_length=MAX_SYNC)


class CodeIn(BaseModel):
    """A code to check online."""

    code: str = Field(max_length=100_000)


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _moment(text: str | None) -> datetime | None:
    # Parsed by hand: pydantic would take a bare number as a timestamp (PITFALLS.md).
    if text is None:
        return None
    if not _ISO_MOMENT.match(text):
        raise InvalidInput(f"scanned_at {text!r} is not an ISO 8601 time with a zone", field="scanned_at")
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _scan(request: Request, session: DbSession, guard: Principal, scan: ScanIn) -> dict[str, Any]:
    settings = _settings(request)
    wanted = ScanRequest(
        scan_id=scan.scan_id,
        place_id=scan.place_id,
        temperature=scan.temperature,
        code=scan.code,
        id_number=scan.id_number,
        scanned_at=_moment(scan.scanned_at),
    )
    outcome = record_scan(session, Authority.of(settings), pseudonymiser(settings), guard, wanted)
    return outcome.as_json(current_locale())


@router.get("/api/gate/places")
def places(session: DbSession, _: Guard, county: str | None = None) -> list[dict[str, Any]]:
    """Every checkpoint place (of one county)."""
    return [place_json(p) for p in list_places(session, county)]


@router.post("/api/gate/places", status_code=201)
def new_place(session: DbSession, admin: Admin, place: PlaceIn) -> dict[str, Any]:
    """An admin makes a checkpoint place."""
    made = create_place(session, place.place_id, place.name, admin.username, place.place_type, place.county)
    return place_json(made)


@router.post("/api/gate/places/import")
def import_places(request: Request, session: DbSession, _: Admin) -> dict[str, Any]:
    """Add or update the places of the lake's checkpoint_places feed."""
    return import_from_lake(session, _settings(request)).as_json()


@router.post("/api/gate/scans")
def scan(request: Request, guard: Guard, body: ScanIn) -> dict[str, Any]:
    """Decide one scan (admit only a valid, current green code below 37.3 °C) and record it exactly once."""
    # The unit of work is opened here rather than by DbSession: the busiest endpoint then needs one worker thread
    # per request instead of three. It is committed before the answer is sent, as with DbSession.
    with _scanning, request_store(request).session() as session:
        return _scan(request, session, guard, body)


@router.post("/api/gate/scans/sync")
def sync(request: Request, session: DbSession, guard: Guard, body: SyncIn) -> dict[str, Any]:
    """Record the scans an offline gate queued; each is decided and recorded once, a bad one does not stop the rest."""
    results: list[dict[str, Any]] = []
    for item in body.scans:
        try:
            with session.begin_nested():
                results.append(_scan(request, session, guard, item))
        except FugongError as exc:
            results.append({"scan_id": item.scan_id, **exc.as_json()})
    recorded = sum(1 for r in results if "result" in r)
    return {"recorded": recorded, "failed": len(results) - recorded, "results": results}


@router.get("/api/gate/scans/counts")
def counts(session: DbSession, _: Guard, place_id: str | None = None) -> dict[str, int]:
    """Recorded scans by result (of one place)."""
    return scan_counts(session, place_id)


@router.post("/api/gate/verify")
def verify(request: Request, session: DbSession, _: Guard, body: CodeIn) -> dict[str, Any]:
    """Online verification: the code's validity, the colour in it, and the holder's live colour and its time."""
    answer = verify_online(session, Authority.of(_settings(request)), body.code.strip())
    return answer.as_json(current_locale())


@router.get("/gate", response_class=HTMLResponse, include_in_schema=False)
def gate_page(request: Request, session: DbSession, _: Guard) -> HTMLResponse:
    """The gate page: scan (camera, USB scanner or typed), or type an ID number; temperature; admit or refuse."""
    text = {
        "offline": gettext("离线：已保存，联网后自动上传核验"),
        "queued": gettext("待上传"),
        "choose_place": gettext("请先选择卡口"),
        "need_temp": gettext("请输入体温"),
        "camera_off": gettext("无法打开摄像头，请用扫码枪或手动输入"),
        "synced": gettext("已上传"),
    }
    found = [place_json(p) for p in list_places(session)]
    return render(request, "gate/gate.html", {"places": found, "text_js": text})
