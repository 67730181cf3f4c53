"""``fugong demo`` builds an embedded install whose published logins work, and can be run again."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from fugong.cli import main
from fugong.demo import DEMO_PASSWORD, DEMO_USERS
from fugong.settings import Settings
from fugong.web.app import create_app


def test_demo_builds_store_and_logins_then_runs_again(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--no-serve", "--scale", "tiny"]) == 0
    out = capsys.readouterr().out
    assert f"{len(DEMO_USERS)} demo users created" in out
    assert (settings.data_dir / "fugong.db").exists()
    assert (settings.data_dir / "sim" / "tiny-2020" / "manifest.json").exists()
    assert "13 feeds" in out
    assert "failed:" not in out

    assert main(["demo", "--no-serve", "--scale", "tiny"]) == 0  # idempotent: a second run changes nothing
    again = capsys.readouterr().out
    assert f"0 demo users created, {len(DEMO_USERS)} already there" in again
    assert "cached in" in again  # the province is simulated once
    assert "the lake already holds" in again  # and ingested once

    client = TestClient(create_app(settings))
    for user in DEMO_USERS:
        response = client.post("/api/auth/login", json={"username": user.username, "password": DEMO_PASSWORD})
        assert response.status_code == 200, response.text
        me = response.json()
        assert sorted(me["roles"]) == sorted(user.roles)
        assert sorted(me["counties"]) == sorted(user.counties)
        client.cookies.clear()


def test_demo_refuses_a_wrong_password(settings: Settings) -> None:
    assert main(["demo", "--no-serve", "--scale", "tiny"]) == 0
    client = TestClient(create_app(settings))
    response = client.post("/api/auth/login", json={"username": "admin", "password": "admin"})
    assert response.status_code == 401
    assert response.json()["error"] == "wrong_credentials"


def test_demo_refuses_an_unknown_scale(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--no-serve", "--scale", "province"]) == 2
    assert "--scale" in capsys.readouterr().err
    assert not (settings.data_dir / "fugong.db").exists()
