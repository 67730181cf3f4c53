"""Ingest a whole delivery folder described by a ``manifest.json`` (what ``fugong sim generate`` writes).

Registers go first (they are what later feeds refer to), then events; each feed's files are one ingest, and
files the manifest marks as late arrive last, one ingest each, as they would have in the real province.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from fugong.errors import FugongError, InvalidInput, NotFound
from fugong.hub.ingest import IngestReport, ingest
from fugong.hub.plugins import contracts
from fugong.settings import Settings, get_settings

FEED_ORDER = (
    "org_units",
    "county_stats",
    "market_registry",
    "supply_links",
    "grid_accounts",
    "grid_readings",
    "persons",
    "cdc_cases",
    "cdc_contacts",
    "telecom_stays",
    "checkpoint_places",
    "checkpoint_scans",
    "employees",
)


@dataclass
class FolderResult:
    """The reports of every ingest made from a folder, and the feeds that failed with their error."""

    reports: list[IngestReport] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)


def read_manifest(folder: Path) -> tuple[dict[str, list[Path]], list[tuple[str, Path]]]:
    """Files per feed in the manifest's order, and the late files (feed, path) in the order they arrived."""
    path = folder / "manifest.json"
    if not path.is_file():
        raise NotFound(
            f"{folder}: no manifest.json (expected a folder written by `fugong sim generate`)", field="folder"
        )
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        late = {str(p) for p in manifest.get("late_files", [])}
        by_feed: dict[str, list[Path]] = {}
        late_files: list[tuple[str, Path]] = []
        for entry in manifest["files"]:
            target = folder / entry["path"]
            if entry["path"] in late:
                late_files.append((entry["feed"], target))
            else:
                by_feed.setdefault(entry["feed"], []).append(target)
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidInput(f"{path}: not a readable manifest ({exc})", field="folder") from None
    return by_feed, late_files


def ingest_folder(folder: Path, settings: Settings | None = None, feeds: list[str] | None = None) -> FolderResult:
    """Ingest every feed (or only ``feeds``) of the folder's manifest; a failing feed does not stop the others."""
    settings = settings or get_settings()
    by_feed, late = read_manifest(folder)
    known = contracts()
    order = [f for f in FEED_ORDER if f in by_feed] + sorted(f for f in by_feed if f not in FEED_ORDER)
    result = FolderResult()
    batches = [(feed, by_feed[feed]) for feed in order] + [(feed, [path]) for feed, path in late]
    for feed, paths in batches:
        if feeds is not None and feed not in feeds:
            continue
        if feed not in known:
            result.failures[feed] = f"no contract for feed {feed!r}; its files were not ingested"
            continue
        try:
            result.reports.append(ingest(feed, paths, settings=settings))
        except FugongError as exc:
            result.failures[feed] = exc.detail
    return result
