"""Catalog (数据目录): every dataset with its schema, owner, freshness, row count and quality by reason.

Quality is over every ingest of a dataset: rows read, accepted, quarantined (rejected or duplicate), the
share accepted, and how many rows each reason rejected. A row rejected for two reasons counts under both.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fugong.hub.contracts.base import Contract
from fugong.hub.lake import Version, get_lake, relation
from fugong.hub.plugins import contracts, datasets
from fugong.hub.specs import DatasetSpec
from fugong.settings import Settings

EXPECTED_EVERY: dict[str, timedelta] = {
    "daily": timedelta(days=1),
    "weekly": timedelta(days=7),
    "monthly": timedelta(days=31),
    "yearly": timedelta(days=366),
}
GRACE = timedelta(days=1)


def freshness(update_frequency: str, updated_at: datetime | None, now: datetime) -> str:
    """``never ingested``, ``fresh`` or ``stale`` (older than the feed's cadence plus a day of grace)."""
    if updated_at is None:
        return "never ingested"
    every = EXPECTED_EVERY.get(update_frequency)
    if every is None:
        return "fresh"
    return "fresh" if now - updated_at <= every + GRACE else "stale"


def _quality(totals: dict[str, Any]) -> dict[str, Any]:
    read = int(totals.get("read", 0))
    accepted = int(totals.get("accepted", 0))
    return {
        "read": read,
        "accepted": accepted,
        "quarantined": int(totals.get("quarantined", 0)),
        "duplicates": int(totals.get("duplicates", 0)),
        "accepted_share": round(accepted / read, 4) if read else None,
        "by_reason": dict(totals.get("by_reason", {})),
        "fixes": dict(totals.get("fixes", {})),
    }


def feed_entry(contract: Contract, version: Version | None, now: datetime) -> dict[str, Any]:
    """The catalog entry of a feed's dataset."""
    updated = datetime.fromisoformat(version.manifest["created_at"]) if version else None
    days = [e["date"] for e in version.manifest["data"] if e.get("date")] if version else []
    return {
        "name": contract.name,
        "kind": "feed",
        "title": contract.title,
        "owner": contract.owner,
        "description": contract.description,
        "contract": contract.reference,
        "update_frequency": contract.update_frequency,
        "mode": contract.mode,
        "keys": list(contract.keys),
        "partition_by": contract.partition_by,
        "columns": [
            {
                "name": c.name,
                "type": c.sql_type,
                "title": c.title,
                "kind": str(c.kind),
                "unit": c.unit,
                "required": c.required,
                "personal": c.is_personal,
            }
            for c in contract.kept
        ],
        "snapshot_id": version.snapshot_id if version else None,
        "version": version.number if version else None,
        "rows": version.rows if version else 0,
        "updated_at": updated.isoformat(timespec="seconds") if updated else None,
        "first_day": min(days, default=None),
        "last_day": max(days, default=None),
        "freshness": freshness(contract.update_frequency, updated, now),
        "quality": _quality(version.manifest["totals"] if version else {}),
        "last_ingest": _last_ingest(version),
    }


def _last_ingest(version: Version | None) -> dict[str, Any] | None:
    if version is None:
        return None
    ingest = version.manifest["ingest"]
    return {
        "snapshot_id": version.snapshot_id,
        "read": ingest["read"],
        "accepted": ingest["accepted"],
        "quarantined": ingest["quarantined"],
        "files": [s["name"] for s in ingest["sources"]],
        "late_files": [s["name"] for s in ingest["sources"] if s.get("late")],
    }


def derived_entry(spec: DatasetSpec, settings: Settings | None) -> dict[str, Any]:
    """The catalog entry of a derived dataset (its snapshot names its inputs' snapshots)."""
    entry: dict[str, Any] = {
        "name": spec.name,
        "kind": "derived",
        "title": spec.title,
        "owner": spec.owner,
        "description": spec.description,
        "inputs": list(spec.inputs),
        "sql": spec.sql,
    }
    lake = get_lake(settings)
    if all(lake.current(name) is not None for name in spec.inputs):
        found = relation(spec.name, settings)
        entry.update(
            snapshot_id=found.snapshot_id,
            inputs_snapshots={name: lake.require(name).snapshot_id for name in spec.inputs},
            columns=[{"name": c, "personal": c in found.personal_columns} for c in found.columns],
            freshness="fresh",
        )
    else:
        entry.update(snapshot_id=None, columns=[], freshness="never ingested")
    return entry


def catalog(settings: Settings | None = None, now: datetime | None = None) -> list[dict[str, Any]]:
    """Every feed dataset, then every derived dataset, with its current state."""
    moment = now or datetime.now(UTC)
    lake = get_lake(settings)
    entries = [feed_entry(c, lake.current(c.name), moment) for c in contracts().values()]
    entries += [derived_entry(spec, settings) for spec in datasets().values()]
    return entries


def entry(name: str, settings: Settings | None = None, now: datetime | None = None) -> dict[str, Any]:
    """The catalog entry of one dataset, with its version history."""
    from fugong.hub.errors import UnknownDataset

    moment = now or datetime.now(UTC)
    lake = get_lake(settings)
    feeds = contracts()
    if name in feeds:
        found = feed_entry(feeds[name], lake.current(name), moment)
        found["versions"] = [
            {
                "snapshot_id": v.snapshot_id,
                "created_at": v.manifest["created_at"],
                "rows": v.rows,
                "read": v.manifest["ingest"]["read"],
                "accepted": v.manifest["ingest"]["accepted"],
                "quarantined": v.manifest["ingest"]["quarantined"],
                "files": [s["name"] for s in v.manifest["ingest"]["sources"]],
            }
            for v in reversed(lake.versions(name))
        ]
        return found
    specs = datasets()
    if name in specs:
        return derived_entry(specs[name], settings)
    raise UnknownDataset(f"no dataset {name!r} in the catalog", field="dataset")


def quality_rows(settings: Settings | None = None) -> list[dict[str, Any]]:
    """One row per ingested feed dataset: name, title, accepted share, rows read and quarantined."""
    return [
        {
            "dataset": e["name"],
            "title": e["title"],
            "accepted_share": e["quality"]["accepted_share"],
            "read": e["quality"]["read"],
            "quarantined": e["quality"]["quarantined"],
            "snapshot_id": e["snapshot_id"],
        }
        for e in catalog(settings)
        if e["kind"] == "feed" and e["snapshot_id"] is not None
    ]
