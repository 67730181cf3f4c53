"""``fugong db``: migrate the operational store named by the settings."""

from __future__ import annotations

import typer

from fugong.settings import get_settings
from fugong.store import migrate

app = typer.Typer(help="Operational store: schema migrations (SQLite or PostgreSQL).", no_args_is_help=True)


@app.command()
def upgrade(revision: str = typer.Argument("head", help="Revision to reach (default: the newest)")) -> None:
    """Bring the store up to REVISION (default: head), creating it if it is new."""
    url = get_settings().store_url
    migrate.upgrade(url, revision)
    typer.echo(f"store at revision {migrate.current(url) or 'base'}")


@app.command()
def downgrade(revision: str = typer.Argument(..., help="Revision to go back to; 'base' drops every table")) -> None:
    """Take the store back to REVISION."""
    url = get_settings().store_url
    migrate.downgrade(url, revision)
    typer.echo(f"store at revision {migrate.current(url) or 'base'}")


@app.command()
def current() -> None:
    """Print the store's revision ('base' for a new store) and whether it is the newest."""
    url = get_settings().store_url
    revision = migrate.current(url)
    newest = migrate.head()
    state = "up to date" if revision == newest else f"behind {newest}: run `fugong db upgrade`"
    typer.echo(f"{revision or 'base'} ({state})")
