"""The ``fugong`` command: one sub-command group per app, errors as one line and exit code 2."""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from fugong.errors import FugongError
from fugong.geo.cli import app as geo_app
from fugong.settings import get_settings

app = typer.Typer(help="Fugong (复工): epidemic prevention and the return to work, run on data.", no_args_is_help=True)
app.add_typer(geo_app, name="geo")


@app.command()
def serve(
    host: str | None = typer.Option(None, help="Address to listen on (default: settings.host)"),
    port: int | None = typer.Option(None, help="Port to listen on (default: settings.port)"),
) -> None:
    """Run the web server (API, pages, /docs) on the configured store and lake."""
    import uvicorn

    settings = get_settings()
    uvicorn.run(
        "fugong.web.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        log_level="info",
    )


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code; a Fugong error is printed as one line with code 2."""
    command = typer.main.get_command(app)
    try:
        command.main(args=argv, prog_name="fugong", standalone_mode=True)
    except FugongError as exc:
        Console(stderr=True, highlight=False, soft_wrap=True).print(f"error: {exc.detail}", markup=False)
        return 2
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    return 0


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
