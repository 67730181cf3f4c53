"""The gate API under load from a second process on loopback, with PostgreSQL as the store.

    python bench/bench_gate.py [--seconds 10] [--connections 32] [--persons 400] [--workers 2]
                               [--retries 0.05] [--admin-url postgresql://postgres@127.0.0.1:5432/postgres]

Inputs: a fresh PostgreSQL database (made on ``--admin-url``, dropped afterwards) migrated to head, one place,
one guard with an API token, ``--persons`` persons (4 in 5 green, 1 in 5 yellow) and one signed code each.
The server is ``uvicorn`` with ``--workers`` processes in a subprocess; the load comes from another process:
``--connections`` keep-alive HTTP/1.1 connections (asyncio streams), each sending its next request as soon as
the answer arrives, for ``--seconds``. Each scan has a new scan id, except a share ``--retries`` that resends
an already answered scan id (what a gate does when an answer is lost). The baseline, measured in the same run
with the same server and load, is ``GET /healthz`` (no database, no signature). Afterwards the scans in the
database are counted against the answers: every answered scan id must be there once (zero lost, zero duplicated).

Other jobs share the machine, so requests per second swing with the load average; each run also reports the CPU
time spent per request by the server processes, by the load generator, and by the PostgreSQL backends of the
bench database (those connected at the start and end of the run: a lower bound), which depend far less on it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import psutil
import sqlalchemy as sa

GOAL_RPS = 500
GOAL_P99_MS = 50.0
PLACE = "BENCH-GATE-1"


@dataclass
class Load:
    """What one load run saw."""

    requests: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    answered: list[str] = field(default_factory=list)
    replayed: int = 0
    retried: int = 0
    admitted: int = 0
    client_cpu: float = 0.0
    server_cpu: float = 0.0
    database_cpu: float = 0.0

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else float("nan")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> tuple[int, bytes]:
    writer.write(request)
    status = int((await reader.readline()).split(b" ", 2)[1])
    length = 0
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    return status, await reader.readexactly(length)


async def _connection(port: int, job: dict[str, Any], deadline: float, seed: int, load: Load) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    rng = random.Random(seed)
    codes: list[str] = job.get("codes", [])
    mine: list[str] = []
    n = 0
    while time.perf_counter() < deadline:
        if job["kind"] == "healthz":
            request = b"GET /healthz HTTP/1.1\r\nHost: bench\r\n\r\n"
            scan_id = None
        else:
            retry = bool(mine) and rng.random() < job["retries"]
            scan_id = rng.choice(mine) if retry else f"{job['prefix']}{seed}-{n}-{uuid.uuid4().hex[:8]}"
            load.retried += retry
            n += 1
            body = json.dumps(
                {
                    "scan_id": scan_id,
                    "place_id": PLACE,
                    "temperature": rng.choice(("36.4", "36.8", "37.6")),
                    "code": codes[rng.randrange(len(codes))],
                }
            ).encode()
            request = (
                b"POST /api/gate/scans HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
                + f"Authorization: Bearer {job['token']}\r\nContent-Length: {len(body)}\r\n\r\n".encode()
                + body
            )
        started = time.perf_counter()
        status, answer = await _exchange(reader, writer, request)
        load.latencies.append(time.perf_counter() - started)
        load.statuses[status] = load.statuses.get(status, 0) + 1
        load.requests += 1
        if scan_id is not None and status == 200:
            decision = json.loads(answer)
            if decision["replayed"]:
                load.replayed += 1
            else:
                load.answered.append(scan_id)
                mine.append(scan_id)
            load.admitted += decision["admit"] and not decision["replayed"]
    writer.close()


def _generate(port: int, job: dict[str, Any], connections: int, seconds: float, out: Any) -> None:
    """The load generator's process: ``connections`` keep-alive connections for ``seconds``."""
    load = Load()

    async def run() -> None:
        deadline = time.perf_counter() + seconds
        await asyncio.gather(*(_connection(port, job, deadline, i, load) for i in range(connections)))

    started, cpu = time.perf_counter(), time.process_time()
    asyncio.run(run())
    load.seconds = time.perf_counter() - started
    load.client_cpu = time.process_time() - cpu
    out.put(load.__dict__)


def _cpu_seconds(processes: list[psutil.Process]) -> dict[int, float]:
    """User and system CPU seconds of each process still running, by process id."""
    found = {}
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        found[process.pid] = times.user + times.system
    return found


def _server_processes(server: subprocess.Popen[bytes]) -> list[psutil.Process]:
    main = psutil.Process(server.pid)
    return [main, *main.children(recursive=True)]


def _backend_processes(admin: sa.Engine, database: str) -> list[psutil.Process]:
    with admin.connect() as conn:
        query = sa.text("SELECT pid FROM pg_stat_activity WHERE datname = :db")
        pids: list[int] = list(conn.execute(query, {"db": database}).scalars())
    return [psutil.Process(pid) for pid in pids if psutil.pid_exists(pid)]


def _spent(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds spent between two readings (a process that started in between counts from zero)."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def _load(
    port: int,
    job: dict[str, Any],
    connections: int,
    seconds: float,
    server: subprocess.Popen[bytes] | None = None,
    admin: sa.Engine | None = None,
    database: str = "",
) -> Load:
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    process = context.Process(target=_generate, args=(port, job, connections, seconds, out))
    servers = _server_processes(server) if server is not None else []
    backends = _backend_processes(admin, database) if admin is not None else []
    server_before, backends_before = _cpu_seconds(servers), _cpu_seconds(backends)
    process.start()
    found = out.get(timeout=seconds + 120)
    process.join()
    load = Load(**found)
    load.server_cpu = _spent(server_before, _cpu_seconds(servers))
    if admin is not None:
        backends = list({p.pid: p for p in [*backends, *_backend_processes(admin, database)]}.values())
        load.database_cpu = _spent(backends_before, _cpu_seconds(backends))
    return load


def _seed(settings: Any, persons: int) -> tuple[str, list[str]]:
    """The guard's API token and one signed code per person."""
    from stdnum.cn import ric

    from fugong.auth.tokens import issue_token
    from fugong.auth.users import create_user
    from fugong.geo import load_gazetteer
    from fugong.healthcode import audit, registry
    from fugong.healthcode.gate.authority import Authority
    from fugong.healthcode.gate.places import create_place
    from fugong.hub.pseudonyms import pseudonymiser
    from fugong.store import Store, utcnow

    store = Store.from_settings(settings)
    pseudo = pseudonymiser(settings)
    codes = []
    with store.session() as session:
        gazetteer = load_gazetteer(settings.province, settings.reference_date)
        create_user(session, "bench-gate", roles=("checkpoint",), gazetteer=gazetteer)
        token = issue_token(session, "bench-gate", name="bench", now=utcnow()).token
        create_place(session, PLACE, "压测卡口", "bench", "交通站点", "330106")
        for i in range(persons):
            body = f"330102{1990 + i // 999}0215{i % 999 + 1:03d}"  # distinct for up to 29,970 persons
            reg = registry.Registration("测试", body + ric.calc_check_digit(body + "0"), "330106")
            person = registry.register_self(session, pseudo, reg, f"bench{i}")
            colour = "yellow" if i % 5 == 4 else "green"
            audit.set_colour(session, person.id, colour, date(2020, 2, 20), audit.Manual("a", "b", "bench"))
            codes.append(Authority.of(settings).issue(session, person).text)
    store.dispose()
    return token, codes


def _report(name: str, load: Load) -> None:
    per = 1000 / load.requests if load.requests else float("nan")
    print(
        f"{name:<22} {load.rps:>8,.0f} req/s   p50 {load.percentile(0.5):6.1f} ms   p99 {load.percentile(0.99):6.1f} ms"
        f"   {load.requests:,} requests, statuses {dict(sorted(load.statuses.items()))}\n"
        f"{'':<22} CPU per request: server {load.server_cpu * per:.2f} ms, "
        f"PostgreSQL >= {load.database_cpu * per:.2f} ms, load generator {load.client_cpu * per:.2f} ms"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--persons", type=int, default=400)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--retries", type=float, default=0.05)
    parser.add_argument(
        "--admin-url",
        default=os.environ.get("FUGONG_TEST_POSTGRES_ADMIN", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"),
    )
    args = parser.parse_args()

    from fugong.settings import Settings
    from fugong.store import migrate

    admin = sa.create_engine(args.admin_url, isolation_level="AUTOCOMMIT")
    name = f"fugong_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = args.admin_url.rsplit("/", 1)[0] + f"/{name}"
    server: subprocess.Popen[bytes] | None = None
    try:
        with tempfile.TemporaryDirectory(prefix="bench-gate-") as folder:
            env = {
                **os.environ,
                "FUGONG_DATA_DIR": str(Path(folder) / "var"),
                "FUGONG_DATABASE_URL": url,
                "FUGONG_CONFIG": str(Path(folder) / "absent.toml"),
            }
            settings = Settings(data_dir=Path(folder) / "var", database_url=url)
            migrate.upgrade(url)
            token, codes = _seed(settings, args.persons)
            port = _free_port()
            command = [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "fugong.web.app:create_app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(args.workers),
                "--log-level",
                "warning",
                "--no-access-log",
            ]
            log = (Path(folder) / "server.log").open("wb")  # the access log, as a server keeps it
            server = subprocess.Popen(command, env=env, stdout=log, stderr=log)
            deadline = time.monotonic() + 60
            while True:
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=1):
                        break
                except OSError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise SystemExit("the server did not start") from None
                    time.sleep(0.2)
            print(
                f"fugong gate bench: PostgreSQL store {name}, uvicorn --workers {args.workers}, "
                f"{args.connections} connections, {args.seconds:g} s per run, {len(codes)} persons with codes, "
                f"retries {args.retries:.0%}, cpus {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}"
            )
            job = {"kind": "scan", "codes": codes, "token": token, "retries": args.retries, "prefix": "b"}
            _load(port, {**job, "prefix": "w", "retries": 0.0}, 4, 1.0)  # warm up
            baseline = _load(port, {"kind": "healthz"}, args.connections, args.seconds, server, admin, name)
            scans = _load(port, job, args.connections, args.seconds, server, admin, name)
            _report("GET /healthz (baseline)", baseline)
            _report("POST /api/gate/scans", scans)
            server.terminate()
            server.wait(timeout=30)
            log.close()
            errors = [
                line for line in (Path(folder) / "server.log").read_text("utf-8").splitlines() if " ERROR " in line
            ]
            if errors:
                print(f"server errors: {len(errors)}, first: {errors[0]}")
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            rows: list[str] = list(
                conn.execute(sa.text("SELECT scan_id FROM gate_scans WHERE scan_id LIKE 'b%'")).scalars()
            )
        engine.dispose()
        in_db = set(rows)
        answered = set(scans.answered)
        lost = len(answered - in_db)
        duplicated = len(rows) - len(in_db) + (len(scans.answered) - len(answered))
        unanswered = len(in_db - answered)
        print(
            f"scan records: {len(rows):,} in the store for {len(answered):,} answered scans "
            f"({scans.retried:,} retries answered from the record: {scans.replayed:,}); "
            f"lost {lost}, duplicated {duplicated}, recorded but unanswered {unanswered}; admitted {scans.admitted:,}"
        )
        cpu_ratio = (scans.server_cpu / scans.requests) / (baseline.server_cpu / baseline.requests)
        print(
            f"ratio to the baseline: {scans.rps / baseline.rps:.2f} of GET /healthz's requests/s; "
            f"server CPU per request {cpu_ratio:.1f} times GET /healthz's"
        )
        met = scans.rps >= GOAL_RPS and scans.percentile(0.99) <= GOAL_P99_MS and lost == 0 and duplicated == 0
        print(
            f"goal (>= {GOAL_RPS} req/s, p99 <= {GOAL_P99_MS:g} ms, zero lost or duplicated): "
            + ("met" if met else "not met")
        )
        return 0 if lost == 0 and duplicated == 0 else 1
    finally:
        if server is not None and server.poll() is None:
            server.kill()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    sys.exit(main())
