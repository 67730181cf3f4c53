"""One error format everywhere: ``{"error": code, "detail": text, "field": path-or-null}``."""

from __future__ import annotations

import logging
from http import HTTPStatus
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from fugong.errors import FugongError

log = logging.getLogger("fugong.web")
_REQUEST_PARTS = {"body", "query", "path", "header", "cookie"}


def error_response(status: int, code: str, detail: str, field: str | None = None) -> JSONResponse:
    """A JSON error in the one format."""
    return JSONResponse({"error": code, "detail": detail, "field": field}, status_code=status)


def _wants_page(request: Request) -> bool:
    return request.method == "GET" and "text/html" in request.headers.get("accept", "")


async def _fugong_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, FugongError)
    if exc.status == 401 and _wants_page(request):
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
    return error_response(exc.status, exc.code, exc.detail, exc.field)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    code = HTTPStatus(exc.status_code).phrase.lower().replace(" ", "_")
    return error_response(exc.status_code, code, str(exc.detail), None)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
    location = [str(part) for part in first.get("loc", ())]
    field = ".".join(
        location[1:] if location and location[0] in {"body", "query", "path", "header", "cookie"} else location
    )
    return error_response(422, "invalid_input", str(first.get("msg", "invalid request")), field or None)


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return error_response(500, "internal_error", "an internal error occurred; it has been logged", None)


def install_error_handlers(app: FastAPI) -> None:
    """Translate every error the app can raise into the one JSON format."""
    app.add_exception_handler(FugongError, _fugong_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected)
