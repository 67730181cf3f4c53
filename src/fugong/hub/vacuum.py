"""Vacuum (清理): remove old versions of lake datasets, never the current one, never a file a kept version uses.

Every ingest commits a new version and keeps the old ones, so a dataset grows with each delivery. ``vacuum``
keeps the newest ``keep`` versions (by default the current one and the one before, so a reader that resolved
the previous snapshot just before the last commit can finish) and, with ``older_than_days``, also every
version younger than that. For each older version it first deletes the manifest (from then on no reader can
resolve that snapshot), then its folder: moved aside with one rename and deleted. Versions share files (an
append version lists its parent's files), so a file a kept version still lists is never deleted; such a folder
loses only the files no kept version uses. A figure that names a removed snapshot can no longer be reproduced.
"""

from __future__ import annotations

import shutil
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fugong.hub.errors import InvalidOption
from fugong.hub.lake import Lake, Version, get_lake
from fugong.settings import Settings

DEFAULT_KEEP = 2
"""Versions kept by default: the current one and the previous one."""
TRASH = "_trash"


@dataclass(frozen=True)
class RemovedVersion:
    """One version vacuum removed: its snapshot, when it was made, and what was deleted."""

    snapshot_id: str
    version: int
    created_at: str
    files: int
    bytes: int


@dataclass
class VacuumReport:
    """What vacuum did to one dataset."""

    dataset: str
    current: str
    kept: list[str]
    removed: list[RemovedVersion] = field(default_factory=list)
    shared_files: int = 0

    @property
    def bytes_freed(self) -> int:
        """Bytes of the files deleted."""
        return sum(r.bytes for r in self.removed)

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data."""
        return {**asdict(self), "bytes_freed": self.bytes_freed}

    def summary(self) -> str:
        """One line per dataset, and one per removed version."""
        kept = ", ".join(self.kept)
        if not self.removed:
            return f"{self.dataset}: nothing to remove (kept {kept}; current {self.current})"
        lines = [
            f"{self.dataset}: removed {len(self.removed)} version(s), {self.bytes_freed:,} bytes; "
            f"kept {kept}; current {self.current}"
        ]
        lines += [
            f"  removed {self.dataset}@{r.snapshot_id} (version {r.version}, {r.created_at}): "
            f"{r.files} file(s), {r.bytes:,} bytes"
            for r in self.removed
        ]
        if self.shared_files:
            lines.append(f"  {self.shared_files} file(s) of removed versions kept: later versions still list them")
        return "\n".join(lines)


def check_options(keep: int, older_than_days: float | None) -> None:
    """Refuse a keep below 1 (the current version is always kept) and a negative age."""
    if isinstance(keep, bool) or not isinstance(keep, int) or keep < 1:
        raise InvalidOption(
            f"--keep must be a whole number of versions, at least 1 (the current version is always kept); got {keep!r}",
            field="keep",
        )
    if older_than_days is not None and not older_than_days >= 0:
        raise InvalidOption(
            f"--older-than must be a number of days, 0 or more; got {older_than_days!r}", field="older_than"
        )


def vacuum(
    datasets: list[str] | None = None,
    *,
    keep: int = DEFAULT_KEEP,
    older_than_days: float | None = None,
    settings: Settings | None = None,
    now: datetime | None = None,
) -> list[VacuumReport]:
    """Remove old versions of ``datasets`` (default: every dataset in the lake); one report per dataset."""
    check_options(keep, older_than_days)
    lake = get_lake(settings)
    names = datasets if datasets else lake.datasets()
    for name in names:
        lake.require(name)  # an unknown dataset is an error before anything is removed
    moment = now or datetime.now(UTC)
    cutoff = None if older_than_days is None else moment - timedelta(days=older_than_days)
    return [_vacuum_dataset(lake, name, keep, cutoff) for name in names]


def _removable(versions: list[Version], keep: int, cutoff: datetime | None) -> list[Version]:
    """Versions beyond the newest ``keep`` (and, with a cutoff, made before it)."""
    older = versions[:-keep]
    if cutoff is None:
        return older
    return [v for v in older if datetime.fromisoformat(v.manifest["created_at"]) < cutoff]


def _vacuum_dataset(lake: Lake, dataset: str, keep: int, cutoff: datetime | None) -> VacuumReport:
    with lake.lock(dataset):  # no ingest commits meanwhile
        lake.clean_leftovers(dataset)
        folder = lake.dataset_folder(dataset)
        shutil.rmtree(folder / TRASH, ignore_errors=True)
        versions = lake.versions(dataset)
        removed = _removable(versions, keep, cutoff)
        gone = {v.number for v in removed}
        kept = [v for v in versions if v.number not in gone]
        used = {entry["path"] for v in kept for key in ("data", "quarantine", "fixes") for entry in v.manifest[key]}
        report = VacuumReport(dataset, versions[-1].snapshot_id, [v.snapshot_id for v in kept])
        for version in removed:
            files, size, shared = _remove(folder, version, used)
            report.removed.append(
                RemovedVersion(version.snapshot_id, version.number, version.manifest["created_at"], files, size)
            )
            report.shared_files += shared
        return report


def _remove(folder: Path, version: Version, used: set[str]) -> tuple[int, int, int]:
    """Delete a version's manifest, then its files no kept version lists; return files and bytes deleted, and
    files left because a kept version lists them."""
    (folder / "_versions" / f"{version.number:06d}.json").unlink(missing_ok=True)
    files = size = shared = 0
    for own in folder.glob(f"v{version.number:06d}-*"):
        if not own.is_dir():
            continue
        contents = [p for p in own.rglob("*") if p.is_file()]
        keep = [p for p in contents if p.relative_to(folder).as_posix() in used]
        doomed = [p for p in contents if p not in keep]
        files += len(doomed)
        size += sum(p.stat().st_size for p in doomed)
        shared += len(keep)
        if not keep:  # the whole folder goes at once: renamed aside, then deleted
            trash = folder / TRASH
            trash.mkdir(exist_ok=True)
            aside = trash / f"{own.name}-{uuid.uuid4().hex[:8]}"
            own.rename(aside)
            shutil.rmtree(aside, ignore_errors=True)
            continue
        for path in doomed:
            path.unlink(missing_ok=True)
    return files, size, shared
