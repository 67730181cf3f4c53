"""The register from the lake and the demo: the tiny province's firms, declarations in every state, run twice."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from fugong.cli import app
from fugong.demo import DemoOptions, DemoScale, _migrate, _users
from fugong.enterprise import demo
from fugong.enterprise.models import EntAccount, EntDeclaration, EntEnterprise, EntStateChange
from fugong.hub.folders import ingest_folder
from fugong.settings import Settings
from fugong.store import Store


@pytest.fixture
def province(settings: Settings, tiny_province: Any) -> Settings:
    """The tiny province in the test's lake, a migrated store and the demo users."""
    ingest_folder(tiny_province.out_dir, settings)
    options = DemoOptions(settings, DemoScale.tiny)
    _migrate(options)
    _users(options)
    return settings


def test_the_demo_makes_declarations_in_every_state_once(province: Settings) -> None:
    options = DemoOptions(province, DemoScale.tiny)
    outcome = demo.seed(options)
    assert "factory bound to" in outcome
    store = Store.from_settings(province)
    try:
        with store.session() as session:
            registered = session.scalar(select(func.count()).select_from(EntEnterprise))
            assert registered is not None
            assert registered >= 150
            sources = set(session.scalars(select(EntEnterprise.source)))
            assert len(sources) == 1
            assert next(iter(sources)).startswith("market_registry@v")
            states = set(session.scalars(select(EntDeclaration.state)))
            assert states == {"draft", "submitted", "under_review", "approved", "returned", "rejected", "suspended"}
            assert session.scalar(select(func.count()).select_from(EntAccount)) == 1
            logged = session.scalar(select(func.count()).select_from(EntStateChange))
            prechecks = [json.loads(p) for p in session.scalars(select(EntDeclaration.precheck)) if p]
            power = [c for p in prechecks for c in p["checks"] if c["name"] == "power"]
            # The tiny province has grid readings: the pre-check reads the power index, naming its snapshots.
            assert {c["status"] for c in power} <= {"ok", "info", "unknown"}
            assert any(c["status"] in ("ok", "info") for c in power)
            assert "grid_readings@" in prechecks[0]["inputs"]["power"]
            made = session.scalar(select(func.count()).select_from(EntDeclaration))
        assert "already there" in demo.seed(options)
        with store.session() as session:
            assert session.scalar(select(func.count()).select_from(EntDeclaration)) == made
            assert session.scalar(select(func.count()).select_from(EntStateChange)) == logged
    finally:
        store.dispose()

    runner = CliRunner()
    synced = runner.invoke(app, ["enterprise", "sync-registry"])
    assert synced.exit_code == 0, synced.output
    assert '"added": 0' in synced.output
    suspended = runner.invoke(app, ["enterprise", "suspend"])
    assert suspended.exit_code == 0, suspended.output
    first = json.loads(suspended.output)
    assert first["source"].startswith("cdc_cases@")
    assert set(first) == {"suspended", "resumed", "source", "day", "counties"}
    again = json.loads(runner.invoke(app, ["enterprise", "suspend"]).output)
    assert (again["suspended"], again["resumed"]) == ([], [])  # the same grading twice: nothing more to do
    tasks = runner.invoke(app, ["enterprise", "supplier-tasks"])
    assert tasks.exit_code == 0, tasks.output
    shortfall = runner.invoke(app, ["enterprise", "shortfall-tasks"])
    assert shortfall.exit_code == 0, shortfall.output
    assert "grid_readings@" in shortfall.output


def test_sync_without_a_register_in_the_lake_is_a_clear_error(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    from fugong.cli import main
    from fugong.store import migrate

    migrate.upgrade(settings.store_url)
    assert main(["enterprise", "sync-registry"]) == 2
    assert "no market_registry dataset" in capsys.readouterr().err
