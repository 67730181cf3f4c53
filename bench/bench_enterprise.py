"""Enterprise platform under load on PostgreSQL: concurrent idempotent submissions, and the review queue page.

    python bench/bench_enterprise.py [--declarations 10000] [--queue 100000] [--concurrency 16] [--firms 100]
                                     [--server postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

Part 1: the web app runs in a uvicorn subprocess on loopback against a fresh PostgreSQL database; this process
submits ``--declarations`` declarations over HTTP, each twice at the same moment with the same Idempotency-Key,
``--concurrency`` requests in flight, spread over ``--firms`` enterprise accounts. Then the store is counted: zero
lost and zero duplicated is the bar. Throughput is reported against a baseline measured in the same run: the same
number of authenticated reads of ``/api/enterprise/me`` (the cost of a request that writes nothing).

Part 2: ``--queue`` declarations are bulk-inserted (submitted or under review, in the two counties of one
official), then the official's queue page ``/enterprise/review`` is fetched 100 times; p50 and p95 are reported
(goal: p95 < 300 ms) against ``/healthz`` fetched as often.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy import func, insert, select

from fugong.auth.tokens import issue_token
from fugong.auth.users import create_user
from fugong.enterprise import registry
from fugong.enterprise.models import EntDeclaration, EntEnterprise
from fugong.geo import load_gazetteer
from fugong.settings import get_settings
from fugong.store import Store, migrate

COUNTIES = ("330382", "330381")
GOAL_P95_MS = 300.0
PAGE_FETCHES = 100


def _declaration(n: int) -> dict[str, Any]:
    returning = 10 + n % 50
    return {
        "planned_on": (date.today() + timedelta(days=30)).isoformat(),
        "workforce_total": returning + 20,
        "workforce_returning": returning,
        "origin_in_county": returning,
        "origin_in_province": 0,
        "origin_out_of_province": 0,
        "origin_key_areas": 0,
        "mask_stock_days": 14,
        "temperature_checks": True,
        "disinfection": True,
        "canteen": "分餐",
        "isolation_room": True,
        "responsible_person": "王建国",
        "responsible_phone": "13805771234",
        "production_plan": "两班倒",
    }


def _database(server: str) -> tuple[str, sa.Engine]:
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    name = f"fugong_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    return server.rsplit("/", 1)[0] + f"/{name}", admin


def _seed(store: Store, firms: int, settings: Any) -> tuple[list[str], str]:
    """Firms with a bound account and a token each, and an official of the two counties; their tokens."""
    gazetteer = load_gazetteer(settings.province, settings.reference_date)
    now = datetime.now(UTC)
    tokens = []
    with store.session() as session:
        rows = [
            {"enterprise_key": f"{n:032x}", "name": f"压测企业{n}", "county_code": COUNTIES[n % 2], "employees": 50}
            for n in range(firms)
        ]
        registry.upsert(session, rows, "bench")
        from fugong.enterprise.models import EntAccount

        for n, enterprise in enumerate(session.scalars(select(EntEnterprise).order_by(EntEnterprise.id))):
            user = create_user(session, f"firm{n}", roles=("enterprise",), gazetteer=gazetteer)
            session.add(EntAccount(user_id=user.id, enterprise_id=enterprise.id, bound_at=now))
            tokens.append(issue_token(session, f"firm{n}", name="bench", now=now).token)
        create_user(session, "official", roles=("county_official",), counties=COUNTIES, gazetteer=gazetteer)
        official = issue_token(session, "official", name="bench", now=now).token
    return tokens, official


def _serve(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "uvicorn", "fugong.web.app:create_app", "--factory", "--port", str(port)]
    server = subprocess.Popen([*command, "--log-level", "warning"], env=env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return server, base
        except httpx.TransportError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("the web server did not start within 60 s")


RETRIES = {"count": 0}


async def _send(client: httpx.AsyncClient, method: str, path: str, **options: Any) -> httpx.Response:
    """A request, retried on a dropped connection (a retry with the same Idempotency-Key is what a client does)."""
    for attempt in range(4):
        try:
            return await client.request(method, path, **options)
        except httpx.TransportError:
            if attempt == 3:
                raise
            RETRIES["count"] += 1
            await asyncio.sleep(0.5 * (attempt + 1))
    raise AssertionError("unreachable")


async def _submit_all(base: str, tokens: list[str], count: int, concurrency: int) -> tuple[float, list[str]]:
    limit = asyncio.Semaphore(concurrency)
    problems: list[str] = []

    async def one(client: httpx.AsyncClient, n: int) -> int | None:
        headers = {"Authorization": f"Bearer {tokens[n % len(tokens)]}", "Idempotency-Key": f"bench-{n:08d}"}
        async with limit:
            response = await _send(
                client, "POST", "/api/enterprise/declarations", json=_declaration(n), headers=headers
            )
        if response.status_code != 201:
            problems.append(f"{n}: {response.status_code} {response.text[:200]}")
            return None
        return int(response.json()["id"])

    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        start = time.perf_counter()
        pairs = await asyncio.gather(*(asyncio.gather(one(client, n), one(client, n)) for n in range(count)))
        elapsed = time.perf_counter() - start
    problems += [f"{n}: two ids {a} and {b}" for n, (a, b) in enumerate(pairs) if a != b and a and b]
    return elapsed, problems


async def _reads(base: str, tokens: list[str], count: int, concurrency: int) -> float:
    limit = asyncio.Semaphore(concurrency)

    async def one(client: httpx.AsyncClient, n: int) -> None:
        async with limit:
            auth = {"Authorization": f"Bearer {tokens[n % len(tokens)]}"}
            response = await _send(client, "GET", "/api/enterprise/me", headers=auth)
            response.raise_for_status()

    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        start = time.perf_counter()
        await asyncio.gather(*(one(client, n) for n in range(count)))
        return time.perf_counter() - start


def _bulk_queue(store: Store, count: int) -> None:
    rng = random.Random(2020)
    now = datetime.now(UTC)
    with store.session() as session:
        firms = list(session.scalars(select(EntEnterprise.id)))
        counties = dict(session.execute(select(EntEnterprise.id, EntEnterprise.county_code)).all())
        base = _declaration(0)
        for start in range(0, count, 5000):
            rows = []
            for n in range(start, min(start + 5000, count)):
                firm = firms[n % len(firms)]
                submitted = now - timedelta(minutes=rng.randint(0, 60 * 72))
                rows.append(
                    {
                        **base,
                        "planned_on": date.today() + timedelta(days=30),
                        "enterprise_id": firm,
                        "county_code": counties[firm],
                        "state": "submitted" if n % 3 else "under_review",
                        "version": 1,
                        "idempotency_key": f"bulk-{n:08d}",
                        "suppliers": "[]",
                        "employee_ids": "[]",
                        "priority": rng.choice((0, 100, 600, 1000, 10_600, 11_100)) + rng.randint(0, 99),
                        "created_by": "bench",
                        "created_at": submitted,
                        "submitted_at": submitted,
                        "due_at": submitted + timedelta(hours=24),
                    }
                )
            session.execute(insert(EntDeclaration), rows)


def _timings(base: str, path: str, token: str | None) -> list[float]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    found = []
    with httpx.Client(base_url=base, timeout=60) as client:
        client.get(path, headers=headers).raise_for_status()  # warm
        for _ in range(PAGE_FETCHES):
            start = time.perf_counter()
            client.get(path, headers=headers).raise_for_status()
            found.append((time.perf_counter() - start) * 1000)
    return found


def _p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--declarations", type=int, default=10_000)
    parser.add_argument("--queue", type=int, default=100_000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--firms", type=int, default=100)
    parser.add_argument(
        "--server",
        default=os.environ.get("FUGONG_TEST_POSTGRES_ADMIN", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"),
    )
    args = parser.parse_args(argv)
    url, admin = _database(args.server)
    folder = Path(tempfile.mkdtemp(prefix="fugong-bench-enterprise-"))
    env = {**os.environ, "FUGONG_DATA_DIR": str(folder), "FUGONG_DATABASE_URL": url, "FUGONG_LOG_LEVEL": "WARNING"}
    env["FUGONG_CONFIG"] = str(folder / "absent.toml")
    os.environ.update(env)
    get_settings.cache_clear()
    settings = get_settings()
    server = None
    try:
        migrate.upgrade(url)
        store = Store.from_settings(settings)
        tokens, official = _seed(store, args.firms, settings)
        server, base = _serve(env)
        print(
            f"inputs: {args.declarations} declarations x2, {args.firms} firms, concurrency {args.concurrency}, "
            f"queue {args.queue}, PostgreSQL {url.rsplit('/', 1)[-1]}"
        )

        baseline = asyncio.run(_reads(base, tokens, 2 * args.declarations, args.concurrency))
        elapsed, problems = asyncio.run(_submit_all(base, tokens, args.declarations, args.concurrency))
        with store.session() as session:
            stored = session.scalar(select(func.count()).select_from(EntDeclaration)) or 0
            keys = session.scalar(select(func.count(func.distinct(EntDeclaration.idempotency_key)))) or 0
        lost, duplicated = args.declarations - keys, stored - keys
        rate = 2 * args.declarations / elapsed
        read_rate = 2 * args.declarations / baseline
        print(
            f"submissions: {2 * args.declarations} requests in {elapsed:.1f} s = {rate:.0f} req/s "
            f"({args.declarations / elapsed:.0f} declarations/s); baseline reads {read_rate:.0f} req/s; "
            f"ratio {rate / read_rate:.2f}"
        )
        print(
            f"stored {stored}, lost {lost}, duplicated {duplicated}, request problems {len(problems)}, "
            f"retried after a dropped connection {RETRIES['count']}"
        )
        for line in problems[:5]:
            print("  ", line)

        _bulk_queue(store, args.queue)
        with store.session() as session:
            session.execute(sa.text("ANALYZE ent_declarations"))
        page = _timings(base, "/enterprise/review", official)
        health = _timings(base, "/healthz", None)
        p95 = _p(page, 95)
        print(
            f"queue page over {args.queue + args.declarations} declarations: p50 {_p(page, 50):.1f} ms, "
            f"p95 {p95:.1f} ms (goal < {GOAL_P95_MS:.0f} ms); /healthz p95 {_p(health, 95):.1f} ms; "
            f"ratio {p95 / _p(health, 95):.1f}"
        )
        store.dispose()
        ok = lost == 0 and duplicated == 0 and not problems and p95 < GOAL_P95_MS
        print("PASS" if ok else "FAIL")
        if not ok:
            raise SystemExit(1)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[-1]}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
