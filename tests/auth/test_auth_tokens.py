"""API tokens as a department system and a data steward meet them: issued once, hashed, expiring, revocable."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from fugong.auth.roles import Role
from fugong.auth.tokens import authenticate_token, issue_token
from fugong.errors import Conflict, InvalidInput, NotFound, Unauthorized
from fugong.store import Store, utcnow


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_token_acts_as_its_user(app: FastAPI, token_for: Callable[..., str]) -> None:
    token = token_for("cdc-feed", Role.data_steward)
    me = TestClient(app).get("/api/auth/me", headers=_bearer(token)).json()
    assert (me["username"], me["roles"], me["via"], me["csrf_token"]) == ("cdc-feed", ["data_steward"], "token", None)


def test_only_the_hash_of_a_token_is_stored(store: Store, token_for: Callable[..., str]) -> None:
    token = token_for("cdc-feed", Role.data_steward)
    with store.engine.connect() as connection:
        row = connection.execute(sa.text("SELECT * FROM auth_api_tokens")).mappings().one()
    assert token not in " ".join(str(value) for value in row.values())
    assert row["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert token.startswith(row["prefix"])


def test_revoked_expired_and_unknown_tokens_are_refused(
    app: FastAPI, store: Store, clock: Callable[[], object], token_for: Callable[..., str]
) -> None:
    client = TestClient(app)
    root = token_for("root", Role.admin)
    feed = client.post("/api/auth/tokens", json={"username": "root", "name": "cdc", "days": 7}, headers=_bearer(root))
    assert feed.status_code == 201
    created = feed.json()
    assert created["expires_at"] == "2020-02-17T08:00:00Z"  # seven days after the test clock's now
    assert client.get("/api/auth/me", headers=_bearer(created["token"])).status_code == 200

    clock.advance(7 * 86400)  # type: ignore[attr-defined]
    expired = client.get("/api/auth/me", headers=_bearer(created["token"]))
    assert expired.status_code == 401
    assert expired.json()["detail"] == "the API token 'cdc' expired on 2020-02-17 08:00 UTC"

    revoked = client.delete(f"/api/auth/tokens/{created['id']}", headers=_bearer(root))
    assert revoked.json()["revoked_at"] is not None
    clock.advance(-86400)  # type: ignore[attr-defined]
    answer = client.get("/api/auth/me", headers=_bearer(created["token"]))
    assert answer.status_code == 401
    assert answer.json()["detail"] == "the API token 'cdc' was revoked"

    unknown = client.get("/api/auth/me", headers=_bearer("fgt_" + "x" * 43))
    assert unknown.json() == {"error": "unauthorized", "detail": "unknown API token", "field": None}


def test_a_token_of_a_deactivated_user_is_refused(store: Store, token_for: Callable[..., str]) -> None:
    token = token_for("grid-feed", Role.data_steward)
    with store.session() as session:
        session.execute(sa.text("UPDATE auth_users SET active = false"))
    with pytest.raises(Unauthorized, match="user 'grid-feed' is deactivated"), store.session() as session:
        authenticate_token(session, token, now=utcnow())


def test_stewards_and_admins_manage_tokens(app: FastAPI, token_for: Callable[..., str]) -> None:
    client = TestClient(app)
    steward = _bearer(token_for("steward", Role.data_steward))
    admin = _bearer(token_for("root", Role.admin))
    token_for("factory", Role.enterprise)
    token_for("other-steward", Role.data_steward)

    made = client.post("/api/auth/tokens", json={"username": "factory", "name": "erp"}, headers=steward)
    assert made.status_code == 201
    assert client.get("/api/auth/me", headers=_bearer(made.json()["token"])).json()["roles"] == ["enterprise"]

    # A steward cannot mint a way up (admin) or sideways (another steward); an admin can.
    for username in ("root", "other-steward"):
        refused = client.post("/api/auth/tokens", json={"username": username, "name": "x"}, headers=steward)
        assert refused.status_code == 403
        assert refused.json()["detail"] == "only an admin may manage API tokens of an admin or a data steward"
    assert (
        client.post("/api/auth/tokens", json={"username": "other-steward", "name": "x"}, headers=admin).status_code
        == 201
    )

    listed = client.get("/api/auth/tokens", params={"username": "factory"}, headers=steward).json()
    assert sorted((t["name"], t["created_by"] or "") for t in listed) == [("erp", "steward"), ("tests", "")]
    assert all("token" not in t for t in listed)


def test_others_may_not_manage_tokens(app: FastAPI, token_for: Callable[..., str]) -> None:
    client = TestClient(app)
    analyst = _bearer(token_for("numbers", Role.analyst))
    refused = client.post("/api/auth/tokens", json={"username": "numbers", "name": "x"}, headers=analyst)
    assert refused.status_code == 403
    assert client.get("/api/auth/tokens", headers=analyst).status_code == 403
    assert client.post("/api/auth/tokens", json={"username": "numbers", "name": "x"}).status_code == 401


@pytest.mark.parametrize(
    ("request_body", "status", "error", "field"),
    [
        ({"username": "nobody", "name": "x"}, 404, "not_found", "username"),
        ({"username": "factory", "name": "tests"}, 409, "conflict", "name"),
        ({"username": "factory", "name": "x", "days": 0}, 422, "invalid_input", "days"),
        ({"username": "factory", "name": "x", "days": 3651}, 422, "invalid_input", "days"),
        ({"username": "factory", "name": ""}, 422, "invalid_input", "name"),
        ({"username": "factory"}, 422, "invalid_input", "name"),
    ],
)
def test_bad_token_requests(
    app: FastAPI,
    token_for: Callable[..., str],
    request_body: dict[str, object],
    status: int,
    error: str,
    field: str,
) -> None:
    client = TestClient(app)
    admin = _bearer(token_for("root", Role.admin))
    token_for("factory", Role.enterprise)
    response = client.post("/api/auth/tokens", json=request_body, headers=admin)
    assert (response.status_code, response.json()["error"], response.json()["field"]) == (status, error, field)
    # Nothing else changed: the factory still has just its one token.
    listed = client.get("/api/auth/tokens", params={"username": "factory"}, headers=admin).json()
    assert [t["name"] for t in listed] == ["tests"]


def test_revoking_an_unknown_token_is_404(app: FastAPI, token_for: Callable[..., str]) -> None:
    response = TestClient(app).delete("/api/auth/tokens/999", headers=_bearer(token_for("root", Role.admin)))
    assert response.status_code == 404
    assert response.json()["detail"] == "no API token with id 999"


def test_issuing_checks_its_input(store: Store, token_for: Callable[..., str]) -> None:
    token_for("factory", Role.enterprise)
    with pytest.raises(InvalidInput, match="days must be between 1 and 3650, got 0"), store.session() as session:
        issue_token(session, "factory", name="erp", now=utcnow(), days=0)
    with pytest.raises(NotFound, match="no user 'ghost'"), store.session() as session:
        issue_token(session, "ghost", name="erp", now=utcnow())
    with pytest.raises(Conflict, match="already has a token named 'tests'"), store.session() as session:
        issue_token(session, "factory", name="tests", now=utcnow())
