"""The lake (数据湖): Parquet datasets in immutable versions, switched atomically, read through DuckDB and Ibis.

Layout under ``settings.lake_path``::

    <dataset>/_current                 the committed version number (replaced atomically: the commit point)
    <dataset>/_versions/000003.json    version manifests: data files, schema, sources, counts, snapshot id
    <dataset>/v000003-<id>/date=2020-02-01/data_0.parquet   data files, never changed after commit
    <dataset>/v000003-<id>/quarantine.parquet, fixes.parquet
    _staging/<dataset>-<id>/           an ingest's files before commit

An ingest writes everything under ``_staging``, then, holding the dataset's lock, renames its folder into the
dataset, writes the manifest and finally replaces ``_current``. A process killed at any point before that last
step leaves ``_current`` naming the previous version, whose files are untouched: readers never see a partial
version. Each version's snapshot id (``v3-9f2c1a7b3e``) is what computed figures name as their input.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from fugong.hub.errors import LakeBusy, UnknownDataset
from fugong.hub.sources import sql_name, sql_string
from fugong.settings import Settings, get_settings

MANIFEST_FORMAT = 1
LOCK_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class Version:
    """One committed version of a dataset, as its manifest describes it."""

    dataset: str
    number: int
    snapshot_id: str
    manifest: dict[str, Any]
    folder: Path

    @property
    def reference(self) -> str:
        """``dataset@snapshot``, the name a figure gives its input."""
        return f"{self.dataset}@{self.snapshot_id}"

    @property
    def rows(self) -> int:
        """Rows in this version."""
        return int(self.manifest["rows"])

    def files(self, dates: set[str] | None = None) -> list[Path]:
        """The version's data files (optionally only those of some date partitions)."""
        return [
            self.folder / entry["path"]
            for entry in self.manifest["data"]
            if dates is None or entry.get("date") in dates
        ]

    def quarantine_files(self) -> list[Path]:
        """Quarantine files of every ingest this version holds."""
        return [self.folder / entry["path"] for entry in self.manifest["quarantine"]]

    def fix_files(self) -> list[Path]:
        """Files listing the standardisations applied to rows of this version."""
        return [self.folder / entry["path"] for entry in self.manifest["fixes"]]


def snapshot_token(manifest: dict[str, Any]) -> str:
    """A short content hash of a manifest's data and parent: the second half of the snapshot id."""
    material = json.dumps([manifest.get("parent"), manifest["data"], manifest["quarantine"]], sort_keys=True)
    return hashlib.sha256(material.encode()).hexdigest()[:10]


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Lake:
    """The Parquet lake under one folder."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def dataset_folder(self, dataset: str) -> Path:
        """The folder holding a dataset's versions."""
        if not dataset or "/" in dataset or dataset.startswith((".", "_")):
            raise UnknownDataset(f"{dataset!r} is not a dataset name", field="dataset")
        return self.root / dataset

    def datasets(self) -> list[str]:
        """Names of datasets with a committed version, sorted."""
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if (p / "_current").is_file())

    def current(self, dataset: str) -> Version | None:
        """The committed version of ``dataset``, or None if it has none."""
        pointer = self.dataset_folder(dataset) / "_current"
        try:
            number = int(pointer.read_text().strip())
        except FileNotFoundError:
            return None
        return self._load(dataset, number)

    def require(self, dataset: str, snapshot: str | None = None) -> Version:
        """The committed version of ``dataset`` (or the version with ``snapshot``); a clear error if none."""
        if snapshot is not None:
            for version in self.versions(dataset):
                if snapshot in (version.snapshot_id, version.reference):
                    return version
            raise UnknownDataset(f"dataset {dataset!r} has no snapshot {snapshot!r}", field="snapshot")
        current = self.current(dataset)
        if current is None:
            known = ", ".join(self.datasets()) or "none yet"
            raise UnknownDataset(f"the lake has no dataset {dataset!r} (datasets: {known})", field="dataset")
        return current

    def versions(self, dataset: str) -> list[Version]:
        """Every committed version up to the current one, oldest first."""
        current = self.current(dataset)
        if current is None:
            return []
        folder = self.dataset_folder(dataset) / "_versions"
        numbers = sorted(int(p.stem) for p in folder.glob("*.json") if p.stem.isdigit())
        found = []
        for number in numbers:
            if number > current.number:
                continue
            try:
                found.append(self._load(dataset, number))
            except FileNotFoundError:  # removed by a vacuum since the listing
                continue
        return found

    def _load(self, dataset: str, number: int) -> Version:
        folder = self.dataset_folder(dataset)
        manifest = json.loads((folder / "_versions" / f"{number:06d}.json").read_text(encoding="utf-8"))
        return Version(dataset, number, manifest["snapshot_id"], manifest, folder)

    @contextmanager
    def lock(self, dataset: str, timeout: float = LOCK_TIMEOUT_SECONDS) -> Iterator[None]:
        """Hold the dataset's write lock (released by the OS if the process dies)."""
        folder = self.dataset_folder(dataset)
        folder.mkdir(parents=True, exist_ok=True)
        with (folder / ".lock").open("a") as handle:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise LakeBusy(f"another ingest is writing dataset {dataset!r}; try again later") from None
                    time.sleep(0.1)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    def staging(self, dataset: str) -> Path:
        """A fresh folder for an ingest's files before commit."""
        folder = self.root / "_staging" / f"{dataset}-{uuid.uuid4().hex[:12]}"
        folder.mkdir(parents=True)
        return folder

    def clean_leftovers(self, dataset: str) -> None:
        """Remove what killed ingests of ``dataset`` left behind (call holding its lock)."""
        staging = self.root / "_staging"
        if staging.is_dir():
            for folder in staging.glob(f"{dataset}-*"):
                shutil.rmtree(folder, ignore_errors=True)
        current = self.current(dataset)
        committed = current.number if current else 0
        folder = self.dataset_folder(dataset)
        for path in folder.glob("v*-*"):
            number = path.name[1:].split("-", 1)[0]
            if path.is_dir() and number.isdigit() and int(number) > committed:
                shutil.rmtree(path, ignore_errors=True)

    def commit(self, dataset: str, staged: Path, manifest: dict[str, Any]) -> Version:
        """Make ``staged`` the next version of ``dataset`` (call holding its lock); return the new version.

        ``manifest`` gives paths relative to ``staged`` for this version's own files and relative to the
        dataset folder for inherited ones (marked ``"inherited": true``).
        """
        folder = self.dataset_folder(dataset)
        parent = self.current(dataset)
        number = (parent.number if parent else 0) + 1
        target = folder / f"v{number:06d}-{staged.name.rsplit('-', 1)[-1]}"
        for key in ("data", "quarantine", "fixes"):
            manifest[key] = [
                {**{k: v for k, v in entry.items() if k != "inherited"}, "path": entry["path"]}
                if entry.get("inherited")
                else {**entry, "path": f"{target.name}/{entry['path']}"}
                for entry in manifest[key]
            ]
        manifest.update(
            format=MANIFEST_FORMAT,
            dataset=dataset,
            version=number,
            parent=parent.snapshot_id if parent else None,
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        manifest["snapshot_id"] = f"v{number}-{snapshot_token(manifest)}"
        os.rename(staged, target)
        (folder / "_versions").mkdir(exist_ok=True)
        _write_atomically(folder / "_versions" / f"{number:06d}.json", json.dumps(manifest, ensure_ascii=False))
        _write_atomically(folder / "_current", f"{number:06d}\n")
        return self._load(dataset, number)


def get_lake(settings: Settings | None = None) -> Lake:
    """The lake of this install."""
    return Lake((settings or get_settings()).lake_path)


def scan_sql(version: Version, columns: list[str] | None = None) -> str:
    """SQL reading a version's rows (all columns, or only ``columns``)."""
    files = "[" + ", ".join(sql_string(str(p)) for p in version.files()) + "]"
    wanted = "*" if columns is None else ", ".join(sql_name(c) for c in columns)
    return f"SELECT {wanted} FROM read_parquet({files}, union_by_name=true)"


def connect(settings: Settings | None = None, datasets: list[str] | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with one view per dataset at its current version."""
    lake = get_lake(settings)
    con = duckdb.connect()
    for name in datasets if datasets is not None else lake.datasets():
        con.execute(f"CREATE VIEW {sql_name(name)} AS {scan_sql(lake.require(name))}")
    return con


def snapshot_id(dataset: str, settings: Settings | None = None) -> str:
    """The snapshot id of ``dataset``'s current version."""
    return get_lake(settings).require(dataset).snapshot_id


@dataclass(frozen=True)
class Relation:
    """What a read of one dataset scans: its SQL, the snapshot it names, its columns and personal columns."""

    dataset: str
    sql: str
    snapshot_id: str
    columns: tuple[str, ...]
    personal_columns: tuple[str, ...]
    derived: bool = False


def relation(dataset: str, settings: Settings | None = None, snapshot: str | None = None) -> Relation:
    """The current (or ``snapshot``) relation of a feed dataset, or of a derived dataset over current inputs."""
    from fugong.hub.plugins import datasets

    lake = get_lake(settings)
    specs = datasets()
    if dataset not in specs:
        version = lake.require(dataset, snapshot)
        schema = version.manifest["schema"]
        return Relation(
            dataset,
            scan_sql(version),
            version.snapshot_id,
            tuple(e["name"] for e in schema),
            tuple(e["name"] for e in schema if e.get("personal")),
        )
    spec = specs[dataset]
    inputs = {name: lake.require(name) for name in spec.inputs}
    ctes = ", ".join(f"{sql_name(name)} AS ({scan_sql(version)})" for name, version in inputs.items())
    sql = f"WITH {ctes} SELECT * FROM ({spec.sql})"
    references = "+".join(v.reference for v in inputs.values())
    snapshot_id = "d-" + hashlib.sha256(references.encode()).hexdigest()[:10]
    if snapshot is not None and snapshot != snapshot_id:
        raise UnknownDataset(f"derived dataset {dataset!r} is computed from current inputs only", field="snapshot")
    with duckdb.connect() as con:
        columns = tuple(str(row[0]) for row in con.execute(f"DESCRIBE {sql}").fetchall())
    return Relation(dataset, sql, snapshot_id, columns, spec.personal_columns, derived=True)


_local = threading.local()


def _ibis_backend() -> Any:
    import ibis

    if getattr(_local, "backend", None) is None:
        _local.backend = ibis.duckdb.connect()
    return _local.backend


def table(dataset: str, snapshot: str | None = None, *, backend: Any = None, settings: Settings | None = None) -> Any:
    """An Ibis table over ``dataset`` at its current version (or ``snapshot``), on DuckDB or ``backend``.

    Pin a snapshot for a figure with ``sid = snapshot_id(name)`` then ``table(name, sid)``: the table then
    reads exactly that version even if an ingest commits a newer one meanwhile. A derived dataset is the
    result of its SQL over its inputs' current versions.
    """
    target = backend if backend is not None else _ibis_backend()
    found = relation(dataset, settings, snapshot)
    if found.derived:
        return target.sql(found.sql)
    version = get_lake(settings).require(dataset, found.snapshot_id)
    name = f"{dataset}__{version.snapshot_id.replace('-', '_')}"
    return target.read_parquet([str(p) for p in version.files()], table_name=name)
