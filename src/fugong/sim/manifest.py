"""The manifest of a simulated province: what was generated, with which parameters, in which files."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

FeedFormat = Literal["csv", "xlsx", "parquet", "jsonl"]
Scale = Literal["tiny", "demo", "province"]


@dataclass(frozen=True)
class FeedFile:
    """One file of one feed, as a department would deliver it."""

    feed: str
    path: Path
    format: FeedFormat
    encoding: str | None
    rows: int


@dataclass(frozen=True)
class Manifest:
    """Everything a run of the simulator produced; also written as ``out_dir/manifest.json``."""

    out_dir: Path
    scale: Scale
    seed: int
    period: tuple[date, date]
    dirt: float
    dirt_rates: dict[str, float]
    files: tuple[FeedFile, ...]
    truth: dict[str, Path] = field(default_factory=dict)
    late_files: tuple[Path, ...] = ()
    counties: tuple[str, ...] = ()

    def feed_files(self, feed: str) -> list[FeedFile]:
        """The files of one feed, in the order they were written."""
        return [f for f in self.files if f.feed == feed]

    def path(self, relative: Path | str) -> Path:
        """The absolute path of a file named relative to the output folder."""
        return self.out_dir / relative

    def as_json(self) -> dict[str, Any]:
        """The manifest as plain JSON types (paths relative to the output folder)."""
        return {
            "scale": self.scale,
            "seed": self.seed,
            "period": {"from": self.period[0].isoformat(), "to": self.period[1].isoformat()},
            "dirt": self.dirt,
            "dirt_rates": dict(sorted(self.dirt_rates.items())),
            "counties": list(self.counties),
            "files": [{**asdict(f), "path": f.path.as_posix()} for f in self.files],
            "late_files": [p.as_posix() for p in self.late_files],
            "truth": {k: v.as_posix() for k, v in sorted(self.truth.items())},
        }

    def write(self) -> Path:
        """Write ``manifest.json`` into the output folder and return its path."""
        target = self.out_dir / "manifest.json"
        target.write_text(json.dumps(self.as_json(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        return target
