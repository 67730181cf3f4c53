"""``fugong users`` as an operator uses it: create users, hand out tokens, list; bad input is one clear line."""

from __future__ import annotations

import io
import json

import pytest
import sqlalchemy as sa

from fugong.auth.models import User
from fugong.auth.tokens import authenticate_token
from fugong.cli import main
from fugong.settings import Settings
from fugong.store import Store, migrate, utcnow


@pytest.fixture
def stdin(monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    feed = io.StringIO()
    monkeypatch.setattr("sys.stdin", feed)
    return feed


def _fail(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    assert main(argv) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    return lines[0]


def _users(store: Store) -> list[str]:
    with store.session() as session:
        return list(session.scalars(sa.select(User.username).order_by(User.username)))


def test_create_list_and_token(
    app_settings: Settings, store: Store, stdin: io.StringIO, capsys: pytest.CaptureFixture[str]
) -> None:
    stdin.write("a long enough password\n")
    stdin.seek(0)
    argv = ["users", "create", "wenzhou", "--role", "county_official", "--role", "analyst"]
    argv += ["--county", "乐清", "--county", "330381", "--display-name", "温州 王干部", "--password-stdin"]
    assert main(argv) == 0
    assert capsys.readouterr().out.strip() == "created user wenzhou (analyst, county_official; counties 330381, 330382)"

    assert main(["users", "create", "cdc-feed", "--role", "data_steward", "--no-password"]) == 0
    capsys.readouterr()

    assert main(["users", "list", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed == [
        {
            "username": "cdc-feed",
            "display_name": "cdc-feed",
            "roles": "data_steward",
            "counties": "",
            "active": "yes",
            "password": "no",
        },
        {
            "username": "wenzhou",
            "display_name": "温州 王干部",
            "roles": "analyst county_official",
            "counties": "330381 330382",
            "active": "yes",
            "password": "yes",
        },
    ]

    assert main(["users", "token", "cdc-feed", "--name", "cdc nightly feed", "--days", "30"]) == 0
    captured = capsys.readouterr()
    token = captured.out.strip()
    assert token.startswith("fgt_")
    assert "shown only now" in captured.err
    with store.session() as session:
        principal = authenticate_token(session, token, now=utcnow())
    assert (principal.username, principal.roles) == ("cdc-feed", frozenset({"data_steward"}))


def test_a_new_store_gets_its_tables(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert migrate.current(settings.store_url) is None
    assert main(["users", "create", "grid-feed", "--role", "data_steward", "--no-password"]) == 0
    assert migrate.current(settings.store_url) == migrate.head()
    assert main(["users", "list", "--format", "csv"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-2:] == [
        "username,display_name,roles,counties,active,password",
        "grid-feed,grid-feed,data_steward,,yes,no",
    ]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--role", "mayor"],
            "error: unknown role 'mayor'; roles: citizen, enterprise, checkpoint, grassroots, county_official, "
            "analyst, data_steward, admin",
        ),
        (
            ["--role", "county_official", "--county", "330399"],
            "error: unknown region '330399'; closest:",
        ),
        (["--role", "county_official"], "error: a county_official needs at least one --county (code or name)"),
        (["--role", "analyst", "--county", "330382"], "error: counties are only for the county_official role"),
        (["--role", "citizen", "--password-stdin", "--no-password"], "error: give either --password-stdin or"),
        (["--role", "citizen", "--password-stdin"], "error: --password-stdin: standard input held no password"),
    ],
)
def test_create_refuses_bad_input(
    app_settings: Settings,
    store: Store,
    stdin: io.StringIO,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    message: str,
) -> None:
    assert _fail(capsys, ["users", "create", "somebody", *argv]).startswith(message)
    assert _users(store) == []


@pytest.mark.parametrize("username", ["x", "Has Space", "名字", ".dot-first", "a" * 65])
def test_create_refuses_bad_usernames(
    app_settings: Settings, store: Store, capsys: pytest.CaptureFixture[str], username: str
) -> None:
    line = _fail(capsys, ["users", "create", username, "--role", "citizen", "--no-password"])
    assert line.startswith(f"error: invalid username {username!r}: 2 to 64 characters")
    assert _users(store) == []


def test_create_refuses_a_short_password(
    app_settings: Settings, store: Store, stdin: io.StringIO, capsys: pytest.CaptureFixture[str]
) -> None:
    stdin.write("short\n")
    stdin.seek(0)
    line = _fail(capsys, ["users", "create", "shorty", "--role", "citizen", "--password-stdin"])
    assert line == "error: the password needs at least 8 characters"
    assert _users(store) == []


def test_a_duplicate_user_is_refused_and_the_first_kept(
    app_settings: Settings, store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["users", "create", "factory", "--role", "enterprise", "--no-password"]) == 0
    capsys.readouterr()
    line = _fail(capsys, ["users", "create", "FACTORY", "--role", "admin", "--no-password"])
    assert line == "error: user 'factory' already exists"
    with store.session() as session:
        user = session.scalars(sa.select(User)).one()
        assert [r.role for r in user.roles] == ["enterprise"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["ghost", "--name", "x"], "error: no user 'ghost'"),
        (["factory", "--name", "x", "--days", "0"], "error: days must be between 1 and 3650, got 0"),
        (["factory", "--name", "  "], "error: a token needs a name of 1 to 100 characters"),
    ],
)
def test_token_refuses_bad_input(
    app_settings: Settings, store: Store, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(["users", "create", "factory", "--role", "enterprise", "--no-password"]) == 0
    capsys.readouterr()
    assert _fail(capsys, ["users", "token", *argv]).startswith(message)


def test_a_second_token_with_the_same_name_is_refused(
    app_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["users", "create", "factory", "--role", "enterprise", "--no-password"]) == 0
    assert main(["users", "token", "factory", "--name", "erp"]) == 0
    capsys.readouterr()
    assert _fail(capsys, ["users", "token", "factory", "--name", "erp"]) == (
        "error: user 'factory' already has a token named 'erp'"
    )


def test_a_missing_role_is_a_usage_error(app_settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["users", "create", "nobody", "--no-password"]) == 2
    assert "Missing option '--role'" in capsys.readouterr().err
