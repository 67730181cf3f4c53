"""The app contract: hooks with one-line docstrings; an outside app adds a feed, a dataset, a route, a panel."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from fugong.hub import hookspecs
from fugong.hub.errors import UnknownDataset
from fugong.hub.ingest import ingest
from fugong.hub.lake import relation
from fugong.hub.plugins import contracts, datasets, get_plugin_manager, install_cli, panels
from fugong.settings import Settings

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "mask_stocks"
HOOKS = ("register_feeds", "register_datasets", "register_routes", "register_cli", "dashboard_panels")


@pytest.fixture
def mask_stocks(monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """The example app registered with the plugin manager (as its entry point would), then removed."""
    monkeypatch.syspath_prepend(str(EXAMPLE / "src"))
    import mask_stocks.plugin as plugin

    manager = get_plugin_manager()
    manager.register(plugin, name="mask_stocks")
    yield plugin
    manager.unregister(name="mask_stocks")


def test_every_hook_has_a_one_line_docstring() -> None:
    for name in HOOKS:
        doc = inspect.getdoc(getattr(hookspecs, name))
        assert doc, name
        assert "\n" not in doc.strip(), name
    assert {n for n, f in inspect.getmembers(hookspecs, inspect.isfunction) if hasattr(f, "fugong_spec")} == set(HOOKS)


def test_the_hub_registers_its_own_feeds_and_routes_through_the_hooks() -> None:
    manager = get_plugin_manager()
    builtin = manager.get_plugin("fugong.hub.builtin")
    assert {h.name for h in manager.get_hookcallers(builtin) or []} == {
        "register_feeds",
        "register_routes",
        "dashboard_panels",
    }
    assert len(contracts()) == 13
    # Other built-in apps add panels of their own; the hub's comes first, in BUILTIN_PLUGINS order.
    ids = [p.id for p in panels()]
    assert ids[0] == "hub-quality"
    assert "riskmap-levels" in ids
    assert len(ids) == len(set(ids))


def test_the_example_declares_its_entry_point() -> None:
    text = (EXAMPLE / "pyproject.toml").read_text(encoding="utf-8")
    assert '[project.entry-points.fugong]\nmask_stocks = "mask_stocks.plugin"' in text


def test_an_outside_app_adds_a_feed_a_dataset_a_route_and_a_panel(mask_stocks: ModuleType, web: Any, case: Any) -> None:
    assert "mask_stocks" in contracts()
    assert "mask_stocks_by_county" in datasets()
    ids = [p.id for p in panels()]
    assert ids[0] == "hub-quality"
    assert "riskmap-levels" in ids
    assert ids[-1] == "mask-stocks"
    data = EXAMPLE / "data" / "mask_stocks_2020-02-10.csv"
    report = ingest("mask_stocks", [data], settings=web.settings)
    assert (report.read, report.accepted, report.by_reason) == (7, 6, {"below_minimum": 1})
    assert report.fixes == {"date_format": 1, "region_name": 4, "region_short_name": 1}

    from fugong.web.app import create_app

    app = create_app(web.settings)  # routes are installed when the app is built: a new app sees the new plugin
    try:
        from fastapi.testclient import TestClient

        with TestClient(app) as client:
            headers = web.token("jingxin", "analyst")
            latest = client.get("/api/apps/mask-stocks/latest", headers=headers)
            assert latest.status_code == 200, latest.text
            assert latest.json() == [
                {
                    "county_code": "330106",
                    "day": "2020-02-10",
                    "medical_masks": 139000,
                    "n95_masks": 7400,
                    "county_name": "西湖区",
                },
                {
                    "county_code": "330382",
                    "day": "2020-02-10",
                    "medical_masks": 52000,
                    "n95_masks": 2600,
                    "county_name": "乐清市",
                },
            ]
            assert client.get("/api/apps/mask-stocks/latest").status_code == 401
            catalog = {e["name"]: e for e in client.get("/api/hub/catalog", headers=headers).json()}
            derived = catalog["mask_stocks_by_county"]
            assert derived["kind"] == "derived"
            assert derived["inputs_snapshots"] == {"mask_stocks": report.snapshot_id}
            assert 'data-url="/api/apps/mask-stocks/latest"' in client.get("/hub/dashboard", headers=headers).text
    finally:
        app.state.store.dispose()


def test_an_outside_app_adds_a_command(mask_stocks: ModuleType, settings: Settings) -> None:
    ingest("mask_stocks", [EXAMPLE / "data" / "mask_stocks_2020-02-10.csv"], settings=settings)
    root = typer.Typer()

    @root.callback()
    def _root() -> None:
        """A root like ``fugong``'s."""

    install_cli(root)
    result = CliRunner().invoke(root, ["mask-stocks", "latest"])
    assert result.exit_code == 0, result.output
    assert "330382 乐清市 2020-02-10: 52000 / 2600" in result.output
    assert "(mask_stocks_by_county@d-" in result.output


def test_a_derived_dataset_needs_its_inputs(mask_stocks: ModuleType, settings: Settings) -> None:
    with pytest.raises(UnknownDataset, match="the lake has no dataset 'mask_stocks'"):
        relation("mask_stocks_by_county", settings)
