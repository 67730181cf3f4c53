"""The plugin manager (应用商店): built-in apps and outside packages plug in through the same hooks.

Built-in plugins are listed in :data:`BUILTIN_PLUGINS`; outside packages declare an entry point in the
``fugong`` group (``[project.entry-points.fugong] mask_stocks = "mask_stocks.plugin"``). A package whose
plugin fails to import is reported by ``fugong hub apps`` and skipped, never taking the platform down.
"""

from __future__ import annotations

import importlib
import logging
from importlib.metadata import entry_points
from typing import TYPE_CHECKING

import pluggy

from fugong.errors import Conflict
from fugong.hub import hookspecs
from fugong.hub.errors import UnknownDataset, UnknownFeed

if TYPE_CHECKING:
    import typer
    from fastapi import FastAPI

    from fugong.hub.contracts.base import Contract
    from fugong.hub.specs import DatasetSpec, Panel

log = logging.getLogger("fugong.hub.plugins")
ENTRY_POINT_GROUP = "fugong"
BUILTIN_PLUGINS = (
    "fugong.hub.builtin",
    "fugong.riskmap.plugin",
    "fugong.survey.plugin",
    "fugong.healthcode.gate.plugin",
    "fugong.healthcode.plugin",
    "fugong.power.plugin",
    "fugong.enterprise.plugin",
)

_manager: pluggy.PluginManager | None = None
failed_plugins: dict[str, str] = {}


def get_plugin_manager() -> pluggy.PluginManager:
    """The process's plugin manager: hook specs, built-in plugins, then the ``fugong`` entry points."""
    global _manager
    if _manager is None:
        manager = pluggy.PluginManager(hookspecs.PROJECT)
        manager.add_hookspecs(hookspecs)
        for name in BUILTIN_PLUGINS:
            manager.register(importlib.import_module(name), name=name)
        for entry in entry_points(group=ENTRY_POINT_GROUP):
            if manager.has_plugin(entry.name):
                continue
            try:
                manager.register(entry.load(), name=entry.name)
            except Exception as exc:  # an outside package must not take the platform down
                failed_plugins[entry.name] = f"{type(exc).__name__}: {exc}"
                log.error("plugin %s (%s) failed to load: %s", entry.name, entry.value, exc)
        _manager = manager
    return _manager


def contracts() -> dict[str, Contract]:
    """Every feed contract of every plugin, by feed name."""
    found: dict[str, Contract] = {}
    for batch in get_plugin_manager().hook.register_feeds():
        for contract in batch or []:
            if contract.name in found and found[contract.name] != contract:
                raise Conflict(f"two apps register feed {contract.name!r}", field="feed")
            found[contract.name] = contract
    return dict(sorted(found.items()))


def get_contract(feed: str) -> Contract:
    """The contract of ``feed``; an unknown name is a clear error listing the known feeds."""
    known = contracts()
    if feed not in known:
        raise UnknownFeed(f"unknown feed {feed!r}; feeds are {', '.join(known)}", field="feed")
    return known[feed]


def datasets() -> dict[str, DatasetSpec]:
    """Every derived dataset of every plugin, by name (a name may not repeat a feed's)."""
    feeds = contracts()
    found: dict[str, DatasetSpec] = {}
    for batch in get_plugin_manager().hook.register_datasets():
        for spec in batch or []:
            if spec.name in feeds or (spec.name in found and found[spec.name] != spec):
                raise Conflict(f"dataset name {spec.name!r} is registered twice", field="dataset")
            found[spec.name] = spec
    return dict(sorted(found.items()))


def get_dataset_spec(name: str) -> DatasetSpec:
    """The derived dataset called ``name``."""
    found = datasets()
    if name not in found:
        raise UnknownDataset(f"no derived dataset {name!r}", field="dataset")
    return found[name]


def panels() -> list[Panel]:
    """Every dashboard panel of every plugin, in registration order."""
    return [panel for batch in reversed(get_plugin_manager().hook.dashboard_panels()) for panel in batch or []]


def install(app: FastAPI) -> None:
    """Add every plugin's routers to the web app (called once by ``create_app``)."""
    for batch in reversed(get_plugin_manager().hook.register_routes()):
        for router in batch or []:
            app.include_router(router)


def install_cli(cli: typer.Typer) -> None:
    """Let every plugin add its commands to ``cli`` (the root ``fugong`` command)."""
    get_plugin_manager().hook.register_cli(cli=cli)
