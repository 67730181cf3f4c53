"""The embedded demo: a migrated store, a demo user per role and a simulated province, ready to serve.

Demo users share one published password; they exist to be tried, never on a real install. The simulated province is
built once and cached under ``data_dir/sim/<scale>-<seed>``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from fugong.auth.users import create_user, find_user
from fugong.enterprise import demo as enterprise_demo
from fugong.geo import load_gazetteer
from fugong.healthcode import demo as healthcode_demo
from fugong.healthcode.gate import demo as gate_demo
from fugong.hub.folders import ingest_folder
from fugong.hub.lake import get_lake
from fugong.riskmap import demo as riskmap_demo
from fugong.settings import Settings
from fugong.sim import generate
from fugong.store import Store, migrate
from fugong.survey import demo as survey_demo

DEMO_SEED = 2020


class DemoScale(StrEnum):
    """Size of the demo's simulated province: all 90 counties, or 3 for a quick look."""

    demo = "demo"
    tiny = "tiny"


DEMO_PASSWORD = "fugong-demo"  # noqa: S105 - published in the README, for the demo only


@dataclass(frozen=True)
class DemoUser:
    """A demo login: name, roles, counties for a county official, and what it is for."""

    username: str
    display_name: str
    roles: tuple[str, ...]
    counties: tuple[str, ...] = ()


DEMO_USERS = (
    DemoUser("admin", "系统管理员", ("admin",)),
    DemoUser("analyst", "省大数据局分析员", ("analyst",)),
    DemoUser("steward", "数据管理员", ("data_steward",)),
    DemoUser("wenzhou", "乐清市、瑞安市干部", ("county_official",), ("330382", "330381")),
    DemoUser("factory", "企业联络员", ("enterprise",)),
    DemoUser("gate", "卡口工作人员", ("checkpoint",)),
    DemoUser("citizen", "市民", ("citizen",)),
    DemoUser("cunwei", "乐清市网格员", ("grassroots",)),
)


@dataclass(frozen=True)
class DemoOptions:
    """What the demo is built on: the settings and the scale of the simulated province."""

    settings: Settings
    scale: DemoScale = DemoScale.demo

    @property
    def province_folder(self) -> Path:
        """Where the simulated province's feeds are cached."""
        return self.settings.data_dir / "sim" / f"{self.scale}-{DEMO_SEED}"


@dataclass(frozen=True)
class DemoStep:
    """One step of building the demo, named for the progress bar."""

    label: str
    run: Callable[[DemoOptions], str]


def _migrate(options: DemoOptions) -> str:
    settings = options.settings
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    migrate.upgrade(settings.store_url)
    return f"store at {migrate.current(settings.store_url)}"


def _users(options: DemoOptions) -> str:
    settings = options.settings
    gazetteer = load_gazetteer(settings.province, settings.reference_date)
    store = Store.from_settings(settings)
    created = 0
    try:
        with store.session() as session:
            for user in DEMO_USERS:
                if find_user(session, user.username) is None:
                    create_user(
                        session,
                        user.username,
                        roles=user.roles,
                        counties=user.counties,
                        gazetteer=gazetteer,
                        password=DEMO_PASSWORD,
                        display_name=user.display_name,
                    )
                    created += 1
    finally:
        store.dispose()
    return f"{created} demo users created, {len(DEMO_USERS) - created} already there"


def _province(options: DemoOptions) -> str:
    folder = options.province_folder
    manifest = folder / "manifest.json"
    if manifest.exists():
        cached = json.loads(manifest.read_text(encoding="utf-8"))
        if (cached.get("scale"), cached.get("seed")) == (options.scale.value, DEMO_SEED):
            return f"cached in {folder}"
    result = generate(folder, scale=options.scale.value, seed=DEMO_SEED)
    return f"{sum(f.rows for f in result.files):,} rows in {len(result.files)} files, in {folder}"


def _ingest(options: DemoOptions) -> str:
    lake = get_lake(options.settings)
    if lake.datasets():
        return f"the lake already holds {len(lake.datasets())} datasets"
    result = ingest_folder(options.province_folder, options.settings)
    read = sum(r.read for r in result.reports)
    accepted = sum(r.accepted for r in result.reports)
    failed = "; ".join(f"{feed}: {why}" for feed, why in result.failures.items())
    feeds = len({r.feed for r in result.reports})
    outcome = f"{feeds} feeds, {read:,} rows read, {accepted:,} accepted, {read - accepted:,} quarantined"
    return outcome + (f"; failed: {failed}" if failed else "")


DEMO_STEPS = (
    DemoStep("Migrating the operational store", _migrate),
    DemoStep("Creating demo users", _users),
    DemoStep("Simulating the province (feeds with ground truth)", _province),
    DemoStep("Ingesting the feeds through the data hub", _ingest),
    DemoStep("Declarations, review and white list of the enterprise platform", enterprise_demo.seed),
    DemoStep("Checkpoints and the citizen's codes", gate_demo.demo_step),
    DemoStep("Health code persons in every colour and an open appeal", healthcode_demo.demo_step),
    DemoStep("Grassroots forms: assigned, submitted, late", survey_demo.seed),
    DemoStep("The cockpit's figures, computed once and kept", riskmap_demo.warm_step),
)
