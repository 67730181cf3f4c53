"""``fugong users``: create users, hand out API tokens, list who can sign in.

The store is the one the settings name; a new store gets its tables first (through the migrations).
"""

from __future__ import annotations

import sys

import typer

from fugong.auth import tokens
from fugong.auth.passwords import check_password_rules
from fugong.auth.users import check_new_user, create_user, list_users
from fugong.cli_output import OutputFormat, render
from fugong.errors import InvalidInput
from fugong.geo import load_gazetteer
from fugong.settings import get_settings
from fugong.store import Store, migrate, unit_of_work, utcnow

app = typer.Typer(help="Users, roles and API tokens.", no_args_is_help=True)


def _store() -> Store:
    settings = get_settings()
    migrate.ensure_current(settings.store_url)
    return Store.from_settings(settings)


def _password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        if not line.strip():
            raise InvalidInput("--password-stdin: standard input held no password", field="password")
        return line.rstrip("\r\n")
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


@app.command()
def create(
    username: str = typer.Argument(..., help="Login name: letters a-z, digits, '.', '_', '-'"),
    role: list[str] = typer.Option(..., "--role", help="Role to hold (repeat for several)"),
    county: list[str] = typer.Option([], "--county", help="County code or name, for county_official (repeatable)"),
    display_name: str | None = typer.Option(None, "--display-name", help="Name shown in pages (default: username)"),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from standard input"),
    no_password: bool = typer.Option(False, "--no-password", help="A system account that only uses API tokens"),
) -> None:
    """Create a user with one or more roles; asks for the password unless told otherwise."""
    if password_stdin and no_password:
        raise InvalidInput("give either --password-stdin or --no-password, not both", field="password")
    settings = get_settings()
    gazetteer = load_gazetteer(settings.province, settings.reference_date)
    store = _store()
    try:
        # Check everything that needs no password before asking for one.
        with store.session() as session:
            check_new_user(session, username, roles=role, counties=county, gazetteer=gazetteer)
        password = None if no_password else _password(password_stdin)
        if password is not None:
            check_password_rules(password)
        with store.session() as session:
            user = create_user(
                session,
                username,
                roles=role,
                counties=county,
                gazetteer=gazetteer,
                password=password,
                display_name=display_name,
                now=utcnow(),
            )
            roles = ", ".join(r.role for r in user.roles)
            counties = ", ".join(c.county_code for c in user.counties)
            typer.echo(f"created user {user.username} ({roles}{'; counties ' + counties if counties else ''})")
    finally:
        store.dispose()


@app.command()
def token(
    username: str = typer.Argument(..., help="User the token acts as"),
    name: str = typer.Option(..., "--name", help="Which system uses the token, e.g. cdc-feed"),
    days: int = typer.Option(tokens.DEFAULT_DAYS, "--days", help="Days until it expires"),
) -> None:
    """Make an API token and print it once; only its hash is kept."""
    store = _store()
    try:
        with store.session() as session:
            issued = tokens.issue_token(session, username, name=name, days=days, now=utcnow(), created_by="cli")
        typer.echo(issued.token)
        typer.echo(
            f"token {issued.name!r} for {issued.username}, expires {issued.expires_at:%Y-%m-%d %H:%M} UTC; "
            "it is shown only now: keep it in the system's secret store",
            err=True,
        )
    finally:
        store.dispose()


@app.command("list")
def list_(fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", help="table, csv or json")) -> None:
    """List users: username, display name, roles, counties, active, password set."""
    with unit_of_work(get_settings()) as session:
        rows = [
            {
                "username": u.username,
                "display_name": u.display_name,
                "roles": " ".join(r.role for r in u.roles),
                "counties": " ".join(c.county_code for c in u.counties),
                "active": "yes" if u.active else "no",
                "password": "yes" if u.password_hash else "no",
            }
            for u in list_users(session)
        ]
    render(rows, fmt, ["username", "display_name", "roles", "counties", "active", "password"])
