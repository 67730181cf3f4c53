"""Figures kept on disk per lake snapshot ids and parameters, so a new process reads them instead of recomputing.

A figure that depends only on lake snapshots and parameters is written once under
``data_dir/cache/<app>/<key>.<parquet|json>``, where the key hashes the snapshot ids, the parameters and
:data:`FORMAT` (bumped when a computation changes). A new snapshot of any input means a new key; each folder keeps
the newest :data:`KEEP` files. Files are written to a temporary name and renamed, so a reader never sees half a
file; a file that cannot be read (corrupt, truncated, another format) is ignored, logged and recomputed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from fugong.settings import Settings

FORMAT = "fugong-figures-1"
KEEP = 16
_META = b"fugong"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FigureStore:
    """One app's folder of persisted figures, and what every key there also depends on (province, names)."""

    folder: str
    salt: str

    @classmethod
    def of(cls, settings: Settings, app: str) -> FigureStore:
        """The store of ``app`` under ``settings.data_dir / "cache"``."""
        salt = json.dumps([FORMAT, settings.province, settings.reference_date.isoformat()])
        return cls(str(settings.data_dir / "cache" / app), salt)

    def key(self, *parts: Any) -> str:
        """A file name for these parts (snapshot ids, parameters): a hash, the same in every process."""
        text = json.dumps([self.salt, *parts], sort_keys=True, default=str, ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]

    def path(self, key: str, suffix: str) -> Path:
        """Where the figure of ``key`` lives."""
        return Path(self.folder) / f"{key}.{suffix}"

    def read_frame(self, key: str) -> tuple[pd.DataFrame, dict[str, Any]] | None:
        """The frame and its metadata stored under ``key``, or None when absent or unreadable."""
        path = self.path(key, "parquet")
        if not path.exists():
            return None
        try:
            table = pq.read_table(path)
            meta = json.loads((table.schema.metadata or {})[_META])
            frame = table.replace_schema_metadata({k: v for k, v in table.schema.metadata.items() if k != _META})
            result = frame.to_pandas(), meta
        except Exception as exc:  # a corrupt or foreign file is recomputed, never trusted
            log.warning("ignoring unreadable cached figures %s: %s", path, exc)
            return None
        _touch(path)
        return result

    def write_frame(self, key: str, frame: pd.DataFrame, meta: dict[str, Any]) -> None:
        """Store ``frame`` with ``meta`` under ``key`` atomically, then drop the oldest files beyond KEEP."""
        table = pa.Table.from_pandas(frame, preserve_index=False)
        metadata = {**(table.schema.metadata or {}), _META: json.dumps(meta, default=str).encode("utf-8")}
        self._write(key, "parquet", lambda path: pq.write_table(table.replace_schema_metadata(metadata), path))

    def read_json(self, key: str) -> Any | None:
        """The JSON value stored under ``key``, or None when absent or unreadable."""
        path = self.path(key, "json")
        if not path.exists():
            return None
        try:
            value = json.loads(path.read_text(encoding="utf-8"))
        except Exception as exc:  # a corrupt file is recomputed, never trusted
            log.warning("ignoring unreadable cached figures %s: %s", path, exc)
            return None
        _touch(path)
        return value

    def write_json(self, key: str, value: Any) -> None:
        """Store a JSON value under ``key`` atomically, then drop the oldest files beyond KEEP."""
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        self._write(key, "json", lambda path: Path(path).write_text(text, encoding="utf-8"))

    def _write(self, key: str, suffix: str, write: Any) -> None:
        folder = Path(self.folder)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(prefix=f".{key}.", suffix=".tmp", dir=folder)
            os.close(handle)
            try:
                write(temporary)
                os.replace(temporary, self.path(key, suffix))
            finally:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(temporary)
            self.prune()
        except OSError as exc:  # a read-only or full disk costs speed, not figures
            log.warning("could not keep figures in %s: %s", folder, exc)

    def prune(self, keep: int = KEEP) -> list[Path]:
        """Remove all but the ``keep`` most recently used files; returns those removed."""
        files = [p for p in Path(self.folder).glob("*") if p.suffix in (".parquet", ".json")]
        files.sort(key=_used, reverse=True)
        removed = []
        for old in files[keep:]:
            with contextlib.suppress(FileNotFoundError):
                old.unlink()
                removed.append(old)
        return removed


def _used(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return 0.0


def _touch(path: Path) -> None:
    with contextlib.suppress(OSError):
        os.utime(path)
