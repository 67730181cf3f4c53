"""Every endpoint declares the roles it admits: each role admitted or refused, on a tiny app and on the real one."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

from fugong.auth import SIGNED_IN, Principal, Role, public, require_roles, undeclared_routes
from fugong.auth.sessions import install_sessions
from fugong.errors import Forbidden, InvalidInput
from fugong.settings import Settings
from fugong.store import Store
from fugong.web.app import create_app
from fugong.web.errors import install_error_handlers

# The tiny app's routes and the roles each declares.
ROUTES: dict[str, tuple[str, ...]] = {
    "/health-status": (Role.citizen,),
    "/workforce": (Role.enterprise,),
    "/scan": (Role.checkpoint,),
    "/declarations": (Role.county_official,),
    "/cockpit": (Role.analyst,),
    "/feeds": (Role.data_steward,),
    "/settings": (Role.admin,),
    "/province-view": (Role.analyst, Role.county_official),
}


def tiny_app(store: Store, settings: Settings) -> FastAPI:
    app = FastAPI()
    app.state.store = store
    app.state.settings = settings
    install_error_handlers(app)
    install_sessions(app, settings)
    for path, roles in ROUTES.items():

        def endpoint(principal: Principal = Depends(require_roles(*roles))) -> dict[str, str]:
            return {"username": principal.username}

        app.add_api_route(path, endpoint, methods=["GET"])

    @app.post("/counties/{county}/act")
    def act(county: str, principal: Principal = Depends(require_roles(Role.county_official))) -> dict[str, str]:
        if not principal.may_act_in(county):
            raise Forbidden(f"{principal.username!r} does not act in county {county}", field="county")
        return {"acted_in": county}

    @app.get("/anyone-signed-in")
    def anyone(principal: Principal = Depends(SIGNED_IN)) -> dict[str, str]:
        return {"username": principal.username}

    @app.get("/open", dependencies=[Depends(public)])
    def open_to_all() -> dict[str, str]:
        return {"open": "yes"}

    @app.get("/forgotten")
    def forgotten() -> dict[str, str]:
        return {"declared": "nothing"}

    return app


@pytest.fixture
def client(store: Store, settings: Settings) -> TestClient:
    return TestClient(tiny_app(store, settings))


def test_each_role_is_admitted_exactly_where_declared(client: TestClient, token_for: Callable[..., str]) -> None:
    tokens = {
        role: token_for(
            f"user-{role.value.replace('_', '-')}", role, counties=("330382",) if role == "county_official" else ()
        )
        for role in Role
    }
    seen = {
        (role.value, path): client.get(path, headers={"Authorization": f"Bearer {token}"}).status_code
        for role, token in tokens.items()
        for path in ROUTES
    }
    expected = {
        (role.value, path): 200 if role in roles or role == Role.admin else 403
        for role in Role
        for path, roles in ROUTES.items()
    }
    assert seen == expected


def test_a_user_with_several_roles_gets_each(client: TestClient, token_for: Callable[..., str]) -> None:
    token = token_for("both", Role.analyst, Role.enterprise)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/cockpit", headers=headers).status_code == 200
    assert client.get("/workforce", headers=headers).status_code == 200
    assert client.get("/feeds", headers=headers).status_code == 403


def test_no_credentials_is_401_in_the_one_error_format(client: TestClient) -> None:
    response = client.get("/cockpit")
    assert response.status_code == 401
    assert response.json() == {
        "error": "unauthorized",
        "detail": "sign in, or send an API token in the header 'Authorization: Bearer <token>'",
        "field": None,
    }


@pytest.mark.parametrize("header", ["Basic YWxpY2U6cHc=", "Bearer", "Bearer    ", "token abc"])
def test_a_malformed_authorization_header_is_401(client: TestClient, header: str) -> None:
    response = client.get("/cockpit", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json()["detail"] == "the Authorization header must be 'Bearer <token>'"


def test_the_wrong_role_is_403_naming_the_roles(client: TestClient, token_for: Callable[..., str]) -> None:
    token = token_for("gate7", Role.checkpoint)
    response = client.get("/province-view", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403
    assert response.json() == {
        "error": "forbidden",
        "detail": "this needs one of the roles analyst, county_official; 'gate7' holds checkpoint",
        "field": None,
    }


def test_a_county_official_acts_only_in_their_counties(client: TestClient, token_for: Callable[..., str]) -> None:
    official = {"Authorization": f"Bearer {token_for('wenzhou', Role.county_official, counties=('乐清', '330381'))}"}
    admin = {"Authorization": f"Bearer {token_for('root', Role.admin)}"}
    analyst = {"Authorization": f"Bearer {token_for('numbers', Role.analyst)}"}
    assert client.post("/counties/330382/act", headers=official).json() == {"acted_in": "330382"}
    assert client.post("/counties/330381/act", headers=official).status_code == 200
    refused = client.post("/counties/330106/act", headers=official)
    assert refused.status_code == 403
    assert refused.json()["detail"] == "'wenzhou' does not act in county 330106"
    assert client.post("/counties/330106/act", headers=admin).status_code == 200
    assert client.post("/counties/330382/act", headers=analyst).status_code == 403


def test_may_act_in() -> None:
    official = Principal(1, "w", "W", frozenset({"county_official"}), frozenset({"330382"}), "session")
    scoped_elsewhere = Principal(2, "e", "E", frozenset({"enterprise"}), frozenset({"330382"}), "token")
    admin = Principal(3, "a", "A", frozenset({"admin"}), frozenset(), "token")
    assert official.may_act_in("330382")
    assert not official.may_act_in("330381")
    assert not scoped_elsewhere.may_act_in("330382")  # counties count only for a county official
    assert admin.may_act_in("330381")


def test_signed_in_admits_any_role_and_public_admits_everyone(
    client: TestClient, token_for: Callable[..., str]
) -> None:
    token = token_for("someone", Role.citizen)
    assert client.get("/anyone-signed-in", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert client.get("/anyone-signed-in").status_code == 401
    assert client.get("/open").json() == {"open": "yes"}


def test_an_unknown_role_in_a_declaration_fails_at_start_up() -> None:
    with pytest.raises(InvalidInput, match="unknown role 'mayor'; roles: citizen, enterprise, checkpoint"):
        require_roles("mayor")
    with pytest.raises(ValueError, match="use `public` for an open endpoint"):
        require_roles()


def test_routes_that_declare_nothing_are_found(store: Store, settings: Settings) -> None:
    assert undeclared_routes(tiny_app(store, settings)) == ["GET /forgotten"]


def test_the_real_app_declares_roles_on_every_auth_endpoint(settings: Settings) -> None:
    app = create_app(settings)
    auth_paths = ("/login", "/logout", "/api/auth/")
    assert [route for route in undeclared_routes(app) if route.split(" ", 1)[1].startswith(auth_paths)] == []
    app.state.store.dispose()


def test_each_role_on_the_real_app(app: FastAPI, token_for: Callable[..., str]) -> None:
    client = TestClient(app)
    seen: dict[str, tuple[int, int]] = {}
    for role in Role:
        counties = ("330382",) if role == Role.county_official else ()
        username = "real-" + role.value.replace("_", "-")
        headers = {"Authorization": f"Bearer {token_for(username, role, counties=counties)}"}
        seen[role.value] = (
            client.get("/api/auth/me", headers=headers).status_code,
            client.get("/api/auth/tokens", headers=headers).status_code,
        )
    managers = {"admin", "data_steward"}
    assert seen == {role.value: (200, 200 if role.value in managers else 403) for role in Role}
    assert (client.get("/api/auth/me").status_code, client.get("/api/auth/tokens").status_code) == (401, 401)
