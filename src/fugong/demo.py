"""The embedded demo: a migrated store with a demo user per role, ready to serve on the embedded default.

Demo users share one published password; they exist to be tried, never on a real install.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fugong.auth.users import create_user, find_user
from fugong.geo import load_gazetteer
from fugong.settings import Settings
from fugong.store import Store, migrate

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
)


@dataclass(frozen=True)
class DemoStep:
    """One step of building the demo, named for the progress bar."""

    label: str
    run: Callable[[Settings], str]


def _migrate(settings: Settings) -> str:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    migrate.upgrade(settings.store_url)
    return f"store at {migrate.current(settings.store_url)}"


def _users(settings: Settings) -> str:
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


DEMO_STEPS = (
    DemoStep("Migrating the operational store", _migrate),
    DemoStep("Creating demo users", _users),
)
