"""The grassroots forms' demo data: forms assigned in 乐清市, some submitted on time, some late, some not started.

The demo worker ``cunwei`` (grassroots) holds the first township of 乐清市 and sees its villages' daily reports,
including open ones to fill. Figures are synthetic and follow the forms' rules. Idempotent: run again, it finds its
assignments and leaves them alone.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from fugong.auth.users import find_user, principal_of
from fugong.store import Store
from fugong.survey import aggregate, service
from fugong.survey.catalog import get_form
from fugong.survey.models import SurveyAssignment
from fugong.survey.orgunits import load_hierarchy

if TYPE_CHECKING:
    from fugong.demo import DemoOptions

COUNTY = "330382"  # 乐清市, one of the demo official wenzhou's counties
TOWNSHIPS = 4  # the demo covers this many of its townships, to stay quick
DAYS = (date(2020, 2, 10), date(2020, 2, 11), date(2020, 2, 12))
WORKER = "cunwei"


def _daily(rng: random.Random, total: int) -> dict[str, Any]:
    today = rng.randint(0, 6)
    key = rng.random() < 0.15
    checkpoints = rng.randint(1, 4)
    values: dict[str, Any] = {
        "returnees_total": total + today,
        "returnees_today": today,
        "from_key_areas": key,
        "home_observation": rng.randint(0, 8),
        "checkpoints": checkpoints,
        "checkpoints_staffed": checkpoints - (1 if rng.random() < 0.1 else 0),
        "issue": rng.choice(["none", "none", "none", "masks", "staff"]),
    }
    if key:
        values["key_area_returnees"] = min(today, 1)
    if values["issue"] != "none":
        values["issue_note"] = "口罩只够三天" if values["issue"] == "masks" else "夜间值守缺两人"
    return values


def _weekly(rng: random.Random) -> dict[str, Any]:
    total = rng.randint(5, 40)
    registered = total * rng.randint(80, 300)
    return {
        "enterprises_total": total,
        "enterprises_resumed": rng.randint(total // 3, total),
        "workers_registered": registered,
        "workers_returned": rng.randint(registered // 4, registered),
        "capacity_share": round(rng.uniform(20, 90), 1),
        "main_obstacle": rng.choice(["none", "workers", "supplies", "logistics"]),
    }


def seed(options: DemoOptions) -> str:
    """Assign the forms, submit most reports (some late), leave some open, and aggregate into the lake."""
    settings = options.settings
    hierarchy = load_hierarchy(settings)
    townships = [u.code for u in hierarchy.at_level("township", COUNTY)[:TOWNSHIPS]]
    store = Store.from_settings(settings)
    rng = random.Random(2020)  # noqa: S311 - synthetic demo figures, not secrets
    try:
        with store.session() as session:
            if session.scalar(select(SurveyAssignment.id).where(SurveyAssignment.unit_code.startswith(COUNTY))):
                return "the forms are already assigned"
            service.set_worker_units(session, hierarchy, WORKER, townships[:1])
            admin = find_user(session, "admin")
            assert admin is not None, "the demo users step runs first"
            reporter = principal_of(admin, via="token")
            daily, weekly = get_form(session, "village_daily"), get_form(session, "industry_weekly")
            submitted = late = 0
            for township in townships:
                service.assign(
                    session,
                    hierarchy,
                    daily,
                    township,
                    list(DAYS),
                    by="demo",
                    now=service.due_at(daily, DAYS[0]) - timedelta(days=1),
                )
                service.assign(
                    session,
                    hierarchy,
                    weekly,
                    township,
                    [DAYS[0]],
                    by="demo",
                    now=service.due_at(daily, DAYS[0]) - timedelta(days=1),
                )
            for unit in (u for t in townships for u in hierarchy.children(t)):
                total = rng.randint(10, 80)
                for n, day in enumerate(DAYS[:2]):
                    if rng.random() < (0.1 if n == 0 else 0.45):
                        continue  # not submitted: overdue
                    a = service.find_assignment(session, "village_daily", unit.code, day)
                    is_late = rng.random() < 0.2
                    when = a.due_at + timedelta(hours=3 if is_late else -2)
                    values = _daily(rng, total)
                    total = values["returnees_total"]
                    key = f"demo-{a.id}"
                    outcome = service.submit(
                        session, settings, hierarchy, reporter, a.id, values, a.form_version, key, now=when
                    )
                    submitted += outcome.status == "submitted"
                    late += is_late and outcome.status == "submitted"
            for township in townships[1:]:
                a = service.find_assignment(session, "industry_weekly", township, DAYS[0])
                service.submit(
                    session,
                    settings,
                    hierarchy,
                    reporter,
                    a.id,
                    _weekly(rng),
                    a.form_version,
                    f"demo-{a.id}",
                    now=a.due_at - timedelta(hours=5),
                )
            written = aggregate.aggregate(
                session, settings, hierarchy, ["village_daily", "industry_weekly"], trigger="demo", by="demo"
            )
    finally:
        store.dispose()
    datasets = ", ".join(f"{w.dataset} ({w.rows} rows)" for w in written)
    where = f"{len(townships)} townships of 乐清市"
    return f"{submitted} reports submitted ({late} late) in {where}; {datasets}; login {WORKER}"
