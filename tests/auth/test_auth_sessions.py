"""Signing in from a browser or a script: the form, the cookie, CSRF, signing out, wrong passwords."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from itsdangerous import TimestampSigner

from fugong.auth.models import User
from fugong.auth.sessions import SESSION_COOKIE
from fugong.auth.users import create_user
from fugong.errors import InvalidInput
from fugong.geo import Gazetteer
from fugong.settings import Settings
from fugong.store import Store


def _form_token(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None, "the login form carries a CSRF token"
    return found.group(1)


PASSWORD = "correct horse battery"  # the password conftest's add_user gives every user


def _sign_in(client: TestClient, username: str, password: str = PASSWORD, next_page: str = "/") -> Response:
    token = _form_token(client.get("/login").text)
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token, "next": next_page},
        follow_redirects=False,
    )


def test_the_login_page_is_chinese(app: FastAPI) -> None:
    page = TestClient(app).get("/login")
    assert page.status_code == 200
    assert '<html lang="zh-CN">' in page.text
    assert "登录复工平台" in page.text
    assert 'name="csrf_token"' in page.text


def test_signing_in_by_form_sets_a_safe_cookie(
    app: FastAPI, app_settings: Settings, add_user: Callable[..., None]
) -> None:
    add_user("alice", "analyst")
    client = TestClient(app)
    response = _sign_in(client, "Alice", next_page="/geo")
    assert response.status_code == 303
    assert response.headers["location"] == "/geo"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "httponly" in cookie.lower()
    assert "samesite=lax" in cookie.lower()
    assert f"Max-Age={app_settings.session_max_age_seconds}" in cookie
    me = client.get("/api/auth/me").json()
    assert (me["username"], me["display_name"], me["roles"], me["via"]) == (
        "alice",
        "alice 同志",
        ["analyst"],
        "session",
    )


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/x", "/\\evil.example", "javascript:x"])
def test_the_login_form_only_returns_to_this_site(app: FastAPI, target: str) -> None:
    page = TestClient(app).get("/login", params={"next": target}).text
    assert '<input type="hidden" name="next" value="/">' in page


def test_a_wrong_password_or_unknown_user_gets_the_same_answer(app: FastAPI, add_user: Callable[..., None]) -> None:
    add_user("alice", "analyst")
    client = TestClient(app)
    wrong = _sign_in(client, "alice", password="not the password")
    unknown = _sign_in(client, "nobody", password="not the password")
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert "用户名或密码不正确" in response.text
    assert SESSION_COOKIE not in client.cookies or client.get("/api/auth/me").status_code == 401


def test_the_json_login(app: FastAPI, add_user: Callable[..., None]) -> None:
    add_user("wenzhou", "county_official", counties=("乐清", "瑞安"))
    client = TestClient(app)
    body = client.post("/api/auth/login", json={"username": "wenzhou", "password": PASSWORD}).json()
    assert body["counties"] == ["330381", "330382"]
    assert body["csrf_token"]
    assert client.get("/api/auth/me").json()["csrf_token"] == body["csrf_token"]

    refused = client.post("/api/auth/login", json={"username": "wenzhou", "password": "guess-guess"})
    assert refused.status_code == 401
    assert refused.json() == {"error": "wrong_credentials", "detail": "wrong username or password", "field": "password"}


def test_a_session_post_needs_the_csrf_token(app: FastAPI, add_user: Callable[..., None]) -> None:
    add_user("root", "admin")
    add_user("feed", "data_steward")
    client = TestClient(app)
    csrf = client.post("/api/auth/login", json={"username": "root", "password": PASSWORD}).json()["csrf_token"]
    request = {"username": "feed", "name": "cdc-feed"}

    missing = client.post("/api/auth/tokens", json=request)
    assert missing.status_code == 403
    assert missing.json()["error"] == "csrf_failed"
    assert "missing CSRF token" in missing.json()["detail"]

    wrong = client.post("/api/auth/tokens", json=request, headers={"X-CSRF-Token": "forged"})
    assert wrong.status_code == 403
    assert wrong.json()["detail"] == "wrong CSRF token: reload the page and try again"

    assert client.post("/api/auth/tokens", json=request, headers={"X-CSRF-Token": csrf}).status_code == 201


def test_the_login_form_needs_its_csrf_token(app: FastAPI, add_user: Callable[..., None]) -> None:
    add_user("alice", "analyst")
    client = TestClient(app)
    client.get("/login")
    for token in (None, "forged"):
        data = {"username": "alice", "password": PASSWORD} | ({"csrf_token": token} if token else {})
        response = client.post("/login", data=data, follow_redirects=False)
        assert response.status_code == 403
        assert "页面已过期" in response.text
    assert client.get("/api/auth/me").status_code == 401


def test_signing_out(app: FastAPI, add_user: Callable[..., None]) -> None:
    add_user("alice", "analyst")
    client = TestClient(app)
    # A link that tries to send the person off-site after signing in lands on the start page instead.
    assert _sign_in(client, "alice", next_page="//evil.example/").headers["location"] == "/"
    csrf = client.get("/api/auth/me").json()["csrf_token"]

    forged = client.post("/logout", data={"csrf_token": "forged"}, follow_redirects=False)
    assert forged.status_code == 403
    assert client.get("/api/auth/me").status_code == 200  # still signed in

    out = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert out.status_code == 303
    assert client.get("/api/auth/me").status_code == 401
    # Signing out again (an old tab) just goes home.
    assert client.post("/logout", follow_redirects=False).status_code == 303


def test_a_forged_cookie_is_no_session(app: FastAPI, add_user: Callable[..., None]) -> None:
    add_user("alice", "analyst")
    payload = base64.b64encode(json.dumps({"uid": 1, "csrf": "x"}).encode())
    forged = TimestampSigner("a key the attacker guessed").sign(payload).decode()
    for cookie in (forged, payload.decode()):
        client = TestClient(app, cookies={SESSION_COOKIE: cookie})
        assert client.get("/api/auth/me").status_code == 401


def test_a_deactivated_user_is_signed_out(app: FastAPI, store: Store, add_user: Callable[..., None]) -> None:
    add_user("alice", "analyst")
    client = TestClient(app)
    _sign_in(client, "alice")
    with store.session() as session:
        session.execute(sa.update(User).values(active=False))
    assert client.get("/api/auth/me").status_code == 401
    again = client.post("/api/auth/login", json={"username": "alice", "password": PASSWORD})
    assert again.status_code == 401
    assert again.json()["error"] == "account_deactivated"


def test_an_older_hash_is_upgraded_at_sign_in(app: FastAPI, store: Store, add_user: Callable[..., None]) -> None:
    add_user("alice", "analyst")
    assert _stored_hash(store).startswith("$argon2id$v=19$m=1024,t=1,p=1$")
    assert _sign_in(TestClient(app), "alice").status_code == 303
    upgraded = _stored_hash(store)
    assert upgraded.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert _sign_in(TestClient(app), "alice").status_code == 303  # the new hash still takes the same password


def _stored_hash(store: Store) -> str:
    with store.engine.connect() as connection:
        stored: str = connection.execute(sa.text("SELECT password_hash FROM auth_users")).scalar_one()
    return stored


def test_passwords_are_never_stored_plain(app: FastAPI, store: Store, store_url: str, gazetteer: Gazetteer) -> None:
    secret = "bob's long password"
    with store.session() as session:
        create_user(session, "bob", roles=["citizen"], gazetteer=gazetteer, password=secret)
    assert TestClient(app).post("/api/auth/login", json={"username": "bob", "password": secret}).status_code == 200
    stored = _stored_hash(store)
    assert stored.startswith("$argon2id$")
    assert secret not in stored
    if store_url.startswith("sqlite"):
        store.dispose()
        app.state.store.dispose()
        database = Path(store_url.removeprefix("sqlite:///"))
        raw = b"".join(p.read_bytes() for p in database.parent.glob(database.name + "*"))
        assert secret.encode() not in raw


@pytest.mark.parametrize("password", ["", "1234567"])
def test_a_short_password_is_refused(store: Store, gazetteer: Gazetteer, password: str) -> None:
    with pytest.raises(InvalidInput, match="the password needs at least 8 characters"), store.session() as session:
        create_user(session, "shorty", roles=["citizen"], gazetteer=gazetteer, password=password)
    with store.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_the_login_page_has_an_english_switch(app: FastAPI) -> None:
    page = TestClient(app).get("/login?lang=en").text
    assert "Sign in to Fugong" in page
    assert "Username" in page
    assert "登录复工平台" not in page
