"""The ``fugong`` command: one sub-command group per app, errors as one line and exit code 2."""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from fugong.auth.cli import app as users_app
from fugong.demo import DemoScale
from fugong.errors import FugongError
from fugong.geo.cli import app as geo_app
from fugong.healthcode.cli import app as healthcode_app
from fugong.hub.cli import app as hub_app
from fugong.hub.plugins import install_cli
from fugong.power.cli import app as power_app
from fugong.riskmap.cli import app as riskmap_app
from fugong.settings import get_settings
from fugong.sim.cli import app as sim_app
from fugong.store import migrate
from fugong.store.cli import app as db_app

app = typer.Typer(help="Fugong (复工): epidemic prevention and the return to work, run on data.", no_args_is_help=True)
app.add_typer(geo_app, name="geo")
app.add_typer(sim_app, name="sim")
app.add_typer(power_app, name="power")
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(healthcode_app, name="healthcode")
app.add_typer(hub_app, name="hub")
install_cli(app)  # commands of outside apps, through the hub's register_cli hook
app.add_typer(riskmap_app, name="riskmap")


@app.command()
def serve(
    host: str | None = typer.Option(None, help="Address to listen on (default: settings.host)"),
    port: int | None = typer.Option(None, help="Port to listen on (default: settings.port)"),
) -> None:
    """Run the web server (API, pages, /docs) on the configured store and lake."""
    import uvicorn

    settings = get_settings()
    migrate.ensure_current(settings.store_url)  # a new store gets its tables; an outdated one is refused
    uvicorn.run(
        "fugong.web.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        log_level="info",
    )


@app.command()
def demo(
    serve_after: bool = typer.Option(True, "--serve/--no-serve", help="Start the web server when the demo is built"),
    port: int | None = typer.Option(None, help="Port to listen on (default: settings.port)"),
    scale: DemoScale = typer.Option(
        DemoScale.demo, help="Size of the simulated province: demo (90 counties) or tiny (3)"
    ),
) -> None:
    """Build the embedded demo (store, demo users, province data) and serve it at http://127.0.0.1:8000."""
    from rich.progress import Progress

    from fugong.demo import DEMO_PASSWORD, DEMO_STEPS, DEMO_USERS, DemoOptions

    settings = get_settings()
    options = DemoOptions(settings, scale)
    console = Console(highlight=False, soft_wrap=True)
    with Progress(console=console) as progress:
        task = progress.add_task("Building the demo", total=len(DEMO_STEPS))
        for step in DEMO_STEPS:
            progress.update(task, description=step.label)
            outcome = step.run(options)
            progress.console.print(f"{step.label}: {outcome}")
            progress.advance(task)
    logins = ", ".join(u.username for u in DEMO_USERS)
    console.print(f"Demo logins (password {DEMO_PASSWORD}): {logins}")
    if serve_after:
        serve(host=None, port=port)


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
