"""The FastAPI app factory: settings, store, sessions, errors, languages, metrics, routers, plugins, static."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

import fugong
from fugong.auth.sessions import install_sessions
from fugong.hub import plugins
from fugong.settings import Settings, get_settings
from fugong.store import Store
from fugong.web import i18n
from fugong.web.errors import install_error_handlers
from fugong.web.observability import configure_logging, install_metrics
from fugong.web.routers import auth, geo, system


def vendor_folder(settings: Settings) -> Path:
    """Where the npm packages (ECharts …) were installed at set-up time."""
    return settings.frontend_dir or Path(fugong.__file__).resolve().parents[2] / "node_modules"


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the web app for ``settings`` (default: the process settings)."""
    settings = settings or get_settings()
    configure_logging(settings)
    app = FastAPI(
        title="Fugong 复工",
        description="Epidemic prevention and the return to work, run on data.",
        version=fugong.__version__,
        docs_url="/docs",
    )
    app.state.settings = settings
    install_error_handlers(app)
    install_metrics(app)

    app.add_middleware(i18n.LanguageMiddleware, default=settings.default_locale)

    app.state.store = Store.from_settings(settings)
    install_sessions(app, settings)

    app.include_router(system.router)
    app.include_router(geo.router)
    app.include_router(auth.router)
    plugins.install(app)  # the hub and the apps, through the same hooks an outside app uses

    app.mount("/static/app", StaticFiles(packages=[("fugong.web", "static")]), name="static")
    vendor = vendor_folder(settings)
    if vendor.is_dir():
        app.mount("/static/vendor", StaticFiles(directory=vendor), name="vendor")
    return app
