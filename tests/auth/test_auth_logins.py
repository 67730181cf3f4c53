"""Failed sign-ins are limited per username and address, in the store, so every server process agrees."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient

from fugong.settings import Settings
from fugong.web.app import create_app

PASSWORD = "correct horse battery"  # the password conftest's add_user gives every user


def _login(client: TestClient, username: str, password: str) -> tuple[int, dict[str, object]]:
    response = client.post("/api/auth/login", json={"username": username, "password": password})
    return response.status_code, response.json()


def test_the_limit_is_reached_then_resets_after_the_window(
    app: FastAPI, clock: Callable[[], object], add_user: Callable[..., None]
) -> None:
    add_user("alice", "analyst")
    client = TestClient(app)
    assert [_login(client, "alice", "guess")[0] for _ in range(2)] == [401, 401]

    # Now even the right password is refused until the window has passed.
    status, body = _login(client, "alice", PASSWORD)
    assert status == 429
    assert body == {
        "error": "too_many_logins",
        "detail": "too many failed sign-ins for 'alice' from testclient: 2 in the last 60 s; try again in 60 s",
        "field": "username",
    }
    clock.advance(30)  # type: ignore[attr-defined]
    status, body = _login(client, "ALICE", PASSWORD)
    assert status == 429
    assert str(body["detail"]).endswith("try again in 30 s")

    clock.advance(31)  # type: ignore[attr-defined]
    assert _login(client, "alice", PASSWORD)[0] == 200
    # A success clears the failures: a person who mistypes again is not locked out at once.
    assert _login(client, "alice", "guess")[0] == 401
    assert _login(client, "alice", PASSWORD)[0] == 200


def test_the_limit_is_per_address(app: FastAPI, add_user: Callable[..., None]) -> None:
    add_user("alice", "analyst")
    attacker = TestClient(app, client=("203.0.113.9", 40000))
    for _ in range(2):
        _login(attacker, "alice", "guess")
    assert _login(attacker, "alice", PASSWORD)[0] == 429
    assert _login(TestClient(app, client=("10.1.2.3", 40000)), "alice", PASSWORD)[0] == 200


def test_unknown_usernames_are_limited_too(app: FastAPI) -> None:
    client = TestClient(app)
    assert [_login(client, "ghost", "guess")[0] for _ in range(3)] == [401, 401, 429]


def test_every_server_process_sees_the_same_failures(
    app: FastAPI, app_settings: Settings, clock: Callable[[], object], add_user: Callable[..., None]
) -> None:
    add_user("alice", "analyst")
    second = create_app(app_settings)  # another worker behind the load balancer, on the same store
    second.state.clock = clock
    _login(TestClient(app), "alice", "guess")
    _login(TestClient(second), "alice", "guess")
    assert _login(TestClient(second), "alice", PASSWORD)[0] == 429
    second.state.store.dispose()


def test_the_login_form_says_when_to_try_again(app: FastAPI, add_user: Callable[..., None]) -> None:
    add_user("alice", "analyst")
    client = TestClient(app)
    for _ in range(2):
        _login(client, "alice", "guess")
    form = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token is not None
    page = client.post("/login", data={"username": "alice", "password": PASSWORD, "csrf_token": token.group(1)})
    assert page.status_code == 429
    assert "登录失败次数过多，请在 60 秒后再试。" in page.text
