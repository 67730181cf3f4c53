"""The hub over HTTP: catalog, uploads from department systems, granted reads, quarantine, trace, grants, audit."""

from __future__ import annotations

import re
import shutil
import uuid
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from fugong.auth.deps import SIGNED_IN, require_roles
from fugong.auth.principal import Principal
from fugong.auth.roles import Role
from fugong.errors import InvalidInput
from fugong.hub import access, audit, catalog, lineage
from fugong.hub.audit import Reader
from fugong.hub.errors import EmptyFile, FileTooLarge
from fugong.hub.ingest import ingest, max_upload_bytes
from fugong.hub.lake import get_lake
from fugong.hub.plugins import get_contract, panels
from fugong.hub.quarantine import read_records
from fugong.settings import Settings
from fugong.store.deps import DbSession
from fugong.web.templating import render

router = APIRouter(tags=["hub"])
STEWARDS = require_roles(Role.data_steward)
ADMINS = require_roles(Role.admin)
Steward = Annotated[Principal, Depends(STEWARDS)]
Admin = Annotated[Principal, Depends(ADMINS)]
SignedIn = Annotated[Principal, Depends(SIGNED_IN)]
# The catalog pages are for the staff who work with the data; apps and other roles read the catalog's API.
Staff = Annotated[Principal, Depends(require_roles(Role.data_steward, Role.analyst, Role.county_official))]


class GrantIn(BaseModel):
    """A grant of a dataset's columns to a role or an app, for a purpose."""

    grantee_kind: str = Field(pattern="^(role|app)$")
    grantee: str = Field(min_length=1, max_length=64)
    dataset: str = Field(min_length=1, max_length=100)
    columns: list[str] | None = Field(None, description="Columns granted; omitted: all")
    purpose: str = Field(min_length=1, max_length=200)


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def upload_limit(request: Request) -> int:
    """The upload size limit: ``app.state.hub_max_upload_bytes`` if set, else the settings' limit."""
    configured = getattr(request.app.state, "hub_max_upload_bytes", None)
    return int(configured) if configured else max_upload_bytes(_settings(request))


def _safe_name(filename: str) -> str:
    name = Path(filename.replace("\\", "/")).name
    if not name or not re.fullmatch(r"[^\x00-\x1f/]{1,200}", name) or name in (".", ".."):
        raise InvalidInput(f"{filename!r} is not a usable file name", field="filename")
    return name


@router.get("/api/hub/catalog")
def catalog_api(request: Request, _: SignedIn) -> list[dict[str, Any]]:
    """Every dataset: schema, owner, snapshot, rows, freshness and quality by reason."""
    return catalog.catalog(_settings(request))


@router.get("/api/hub/catalog/{dataset}")
def catalog_entry_api(dataset: str, request: Request, _: SignedIn) -> dict[str, Any]:
    """One dataset's catalog entry with its version history."""
    return catalog.entry(dataset, _settings(request))


@router.get("/api/hub/quality")
def quality_api(request: Request, _: SignedIn) -> list[dict[str, Any]]:
    """Share of rows accepted per ingested dataset (the hub's dashboard panel)."""
    return catalog.quality_rows(_settings(request))


@router.get("/api/hub/panels")
def panels_api(_: SignedIn) -> list[dict[str, Any]]:
    """Dashboard panels of every app."""
    return [panel.__dict__ for panel in panels()]


@router.post("/api/hub/feeds/{feed}/files", status_code=201)
async def upload(
    feed: str,
    request: Request,
    principal: Steward,
    filename: str = Query(..., description="The file's name as sent (its extension names the format)"),
) -> dict[str, Any]:
    """Ingest one file sent as the request body (a department system's upload, by API token)."""
    settings = _settings(request)
    get_contract(feed)
    name = _safe_name(filename)
    limit = upload_limit(request)
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit():
        if int(declared) > limit:
            raise FileTooLarge(f"{name}: {int(declared):,} bytes is over the limit of {limit:,} bytes", field="file")
        if int(declared) == 0:
            raise EmptyFile(f"{name}: the upload is empty (0 bytes); nothing was ingested", field="file")
    folder = settings.lake_path / "_uploads" / uuid.uuid4().hex
    folder.mkdir(parents=True)
    try:
        target = folder / name
        size = 0
        with target.open("wb") as out:
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise FileTooLarge(f"{name}: the upload is over the limit of {limit:,} bytes", field="file")
                out.write(chunk)
        report = await run_in_threadpool(ingest, feed, [(target, name)], settings=settings, max_bytes=limit)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {**report.as_dict(), "uploaded_by": principal.username}


@router.get("/api/hub/datasets/{dataset}/rows")
def rows_api(
    dataset: str,
    request: Request,
    session: DbSession,
    principal: SignedIn,
    columns: str | None = Query(None, description="Comma-separated columns (default: every granted column)"),
    where: list[str] = Query([], description="Equality filters as column:value"),
    purpose: str | None = Query(None, description="The purpose of the read, as granted"),
    limit: int = Query(100, ge=1, le=access.MAX_ROWS),
    offset: int = Query(0, ge=0),
) -> dict[str, Any]:
    """Rows of a dataset within the caller's grants; personal reads are audited, refused reads too."""
    filters: dict[str, str] = {}
    for item in where:
        column, sep, value = item.partition(":")
        if not sep or not column:
            raise InvalidInput(f"filter {item!r} is not column:value", field="where")
        filters[column] = value
    result = access.read_rows(
        session,
        Reader.of_principal(principal),
        dataset,
        columns=[c.strip() for c in columns.split(",") if c.strip()] if columns else None,
        where=filters,
        purpose=purpose,
        limit=limit,
        offset=offset,
        settings=_settings(request),
    )
    return {
        "dataset": result.dataset,
        "snapshot_id": result.snapshot_id,
        "columns": result.columns,
        "rows": result.rows,
    }


@router.get("/api/hub/datasets/{dataset}/quarantine")
def quarantine_api(
    dataset: str,
    request: Request,
    _: Steward,
    reason: str | None = None,
    file: str | None = None,
    limit: int = Query(100, ge=1, le=10_000),
    offset: int = Query(0, ge=0),
) -> list[dict[str, Any]]:
    """Quarantined rows of a dataset: file, line, column, raw value (masked when personal), reason."""
    version = get_lake(_settings(request)).require(dataset)
    return read_records(version, reason=reason, file=file, limit=limit, offset=offset)


@router.get("/api/hub/datasets/{dataset}/trace")
def trace_api(
    dataset: str,
    request: Request,
    _: Steward,
    key: list[str] = Query(..., description="Key values in the contract's key order"),
) -> dict[str, Any]:
    """Where the rows with this key came from: file, line, ingest, standardisations, duplicates."""
    return lineage.trace(dataset, key, _settings(request))


@router.get("/api/hub/grants")
def grants_api(session: DbSession, _: Admin, dataset: str | None = None) -> list[dict[str, Any]]:
    """Active grants."""
    return [access.grant_dict(g) for g in access.grants(session, dataset)]


@router.post("/api/hub/grants", status_code=201)
def grant_api(body: GrantIn, request: Request, session: DbSession, principal: Admin) -> dict[str, Any]:
    """Grant a role or an app some columns of a dataset for a purpose."""
    entry = access.grant(
        session,
        grantee_kind=body.grantee_kind,
        grantee=body.grantee,
        dataset=body.dataset,
        columns=body.columns,
        purpose=body.purpose,
        granted_by=principal.username,
        settings=_settings(request),
    )
    return access.grant_dict(entry)


@router.delete("/api/hub/grants/{grant_id}")
def revoke_api(grant_id: int, session: DbSession, _: Admin) -> dict[str, Any]:
    """Revoke a grant."""
    return access.grant_dict(access.revoke(session, grant_id))


@router.get("/api/hub/audit")
def audit_api(
    session: DbSession,
    _: Admin,
    dataset: str | None = None,
    actor: str | None = None,
    outcome: str | None = Query(None, pattern="^(granted|denied)$"),
    limit: int = Query(100, ge=1, le=10_000),
) -> list[dict[str, Any]]:
    """The audit log of personal reads and refused reads, newest first."""
    return audit.query(session, dataset=dataset, actor=actor, outcome=outcome, limit=limit)


@router.get("/hub", response_class=HTMLResponse, include_in_schema=False)
def catalog_page(request: Request, _: Staff) -> HTMLResponse:
    """The catalog page: every dataset with its owner, freshness and quality."""
    return render(request, "hub/catalog.html", {"entries": catalog.catalog(_settings(request))})


@router.get("/hub/datasets/{dataset}", response_class=HTMLResponse, include_in_schema=False)
def dataset_page(dataset: str, request: Request, _: Staff) -> HTMLResponse:
    """One dataset: schema, quality by reason, versions."""
    return render(request, "hub/dataset.html", {"entry": catalog.entry(dataset, _settings(request))})


@router.get("/hub/dashboard", response_class=HTMLResponse, include_in_schema=False)
def dashboard_page(request: Request, _: Staff) -> HTMLResponse:
    """Every app's dashboard panels."""
    return render(request, "hub/dashboard.html", {"panels": panels()})
