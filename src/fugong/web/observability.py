"""Structured logs (text or JSON lines) and Prometheus metrics for the web app."""

from __future__ import annotations

import json
import logging
import sys
import time
from datetime import UTC, datetime

from fastapi import Depends, FastAPI, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fugong.auth import public
from fugong.settings import Settings

_STANDARD_ATTRS = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


class JSONFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and any extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        payload.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD_ATTRS})
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=False, default=str)


def configure_logging(settings: Settings) -> None:
    """Send Fugong's logs to standard error as text or JSON lines, at the configured level."""
    handler = logging.StreamHandler(sys.stderr)
    if settings.log_format == "json":
        handler.setFormatter(JSONFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("fugong")
    logger.handlers[:] = [handler]
    logger.setLevel(settings.log_level)
    logger.propagate = False


class _Measured:
    """ASGI middleware counting, timing and logging each HTTP request by its route template.

    Plain ASGI rather than ``@app.middleware("http")``: that form runs every request in a task of its own and
    wraps its body, which cost about a millisecond of CPU per request (see docs/healthcode-credentials.md)."""

    def __init__(self, app: ASGIApp, requests: Counter, latency: Histogram) -> None:
        self.app = app
        self.requests = requests
        self.latency = latency
        self.log = logging.getLogger("fugong.web.access")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # unless the app answers: an exception that escapes is a server error

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            elapsed = time.perf_counter() - started
            method, path = scope["method"], scope["path"]
            route = getattr(scope.get("route"), "path", "unmatched")  # the router records the route it chose
            self.requests.labels(method, route, str(status)).inc()
            self.latency.labels(method, route).observe(elapsed)
            self.log.info(
                "%s %s %s",
                method,
                path,
                status,
                extra={"method": method, "path": path, "status": status, "duration_ms": round(elapsed * 1000, 2)},
            )


def install_metrics(app: FastAPI) -> None:
    """Count and time requests by route template; expose them at ``/metrics`` (one registry per app)."""
    registry = CollectorRegistry()
    requests = Counter("fugong_http_requests", "HTTP requests", ["method", "route", "status"], registry=registry)
    latency = Histogram("fugong_http_request_seconds", "HTTP request latency", ["method", "route"], registry=registry)
    app.add_middleware(_Measured, requests=requests, latency=latency)

    # Scraped by the monitoring system on the internal network; it holds no personal data.
    @app.get("/metrics", include_in_schema=False, dependencies=[Depends(public)])
    def metrics() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
