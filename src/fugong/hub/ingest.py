"""Ingest (数据接入): files of one feed → read, standardised, validated, deduplicated → a new lake version.

All files of one call land in one version or none: any error before the commit (a wrong header, an empty
file, a file over the size limit) leaves the lake as it was. Counts always add up: every record read is
either accepted or quarantined (rejected, or a duplicate), and the report says so per file.
"""

from __future__ import annotations

import hashlib
import shutil
import time
import uuid
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from fugong.geo import load_gazetteer
from fugong.hub import quarantine
from fugong.hub.contracts.base import Contract
from fugong.hub.errors import EmptyFile, FileTooLarge, UnreadableFile
from fugong.hub.lake import Lake, Version, get_lake, scan_sql
from fugong.hub.plugins import contracts, get_contract
from fugong.hub.pseudonyms import pseudonymiser
from fugong.hub.read import blank_lines, line_gaps, open_source, reader_rejects
from fugong.hub.sources import HeaderMismatch, MalformedRow, RawSource, Source, sql_string
from fugong.hub.standardise import Standardiser
from fugong.hub.validate import checks_in_file_order, create_stage, create_stage_in_file_order
from fugong.hub.write import replaced_rows, write_accepted, write_empty
from fugong.settings import Settings, get_settings

DEFAULT_MAX_BYTES = 1 << 30
"""Files over 1 GiB are refused before reading unless settings say otherwise (``hub_max_upload_bytes``)."""


@dataclass
class SourceReport:
    """What happened to one file."""

    id: str
    name: str
    bytes: int
    sha256: str
    format: str = ""
    encoding: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    ignored_headers: list[str] = field(default_factory=list)
    absent_columns: list[str] = field(default_factory=list)
    read: int = 0
    accepted: int = 0
    quarantined: int = 0
    duplicates: int = 0
    first_date: str | None = None
    last_date: str | None = None
    late: bool = False


@dataclass
class IngestReport:
    """What one ingest did: counts that add up, reasons, fixes, and the snapshot it committed."""

    feed: str
    contract: str
    snapshot_id: str
    version: int
    read: int
    accepted: int
    quarantined: int
    duplicates: int
    replaced: int
    dataset_rows: int
    by_reason: dict[str, int]
    fixes: dict[str, int]
    sources: list[SourceReport]
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data."""
        return asdict(self)

    def summary(self) -> str:
        """A few lines a data steward reads after an ingest."""
        lines = [
            f"{self.feed} → {self.feed}@{self.snapshot_id} ({self.contract}): read {self.read} = accepted "
            f"{self.accepted} + quarantined {self.quarantined} (of which {self.duplicates} duplicates); "
            f"dataset now {self.dataset_rows} rows"
        ]
        if self.by_reason:
            lines.append("  quarantined by reason: " + ", ".join(f"{k} {v}" for k, v in self.by_reason.items()))
        if self.fixes:
            lines.append("  standardised: " + ", ".join(f"{k} {v}" for k, v in self.fixes.items()))
        for s in self.sources:
            extra = f"; ignored columns {', '.join(s.ignored_headers)}" if s.ignored_headers else ""
            late = " (late: older than data already in the lake)" if s.late else ""
            lines.append(
                f"  {s.name} [{s.format}{', ' + s.encoding if s.encoding else ''}]: read {s.read}, accepted "
                f"{s.accepted}, quarantined {s.quarantined}{late}{extra}"
            )
        return "\n".join(lines)


def max_upload_bytes(settings: Settings) -> int:
    """The size limit on one file: settings ``hub_max_upload_bytes``, else 1 GiB."""
    return settings.hub_max_upload_bytes or DEFAULT_MAX_BYTES


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(8 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def check_files(files: Sequence[tuple[Path, str]], limit: int) -> None:
    """Refuse missing, empty and oversized files before anything is read."""
    for path, name in files:
        if not path.is_file():
            raise UnreadableFile(f"{name}: no such file", field="file")
        size = path.stat().st_size
        if size == 0:
            raise EmptyFile(f"{name}: the file is empty (0 bytes); nothing was ingested", field="file")
        if size > limit:
            raise FileTooLarge(
                f"{name}: {size:,} bytes is over the limit of {limit:,} bytes; "
                "split the file or ask for a higher limit",
                field="file",
            )


def ingest(
    feed: str,
    files: Sequence[Path | tuple[Path, str]],
    *,
    settings: Settings | None = None,
    max_bytes: int | None = None,
) -> IngestReport:
    """Ingest ``files`` (paths, or (path, name as sent)) of ``feed`` into a new version of its dataset."""
    started = time.monotonic()
    settings = settings or get_settings()
    contract = get_contract(feed)
    named = [(f, f.name) if isinstance(f, Path) else f for f in files]
    if not named:
        raise UnreadableFile("no files given", field="file")
    check_files(named, max_bytes if max_bytes is not None else max_upload_bytes(settings))
    lake = get_lake(settings)
    with lake.lock(contract.name):
        lake.clean_leftovers(contract.name)
        staged = lake.staging(contract.name)
        try:
            report = _run(contract, named, lake, staged, settings)
        finally:
            shutil.rmtree(staged, ignore_errors=True)
    report.seconds = round(time.monotonic() - started, 3)
    return report


def _connect(staged: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(f"SET temp_directory = {sql_string(str(staged / 'spill'))}")
    con.execute("SET enable_progress_bar = false")
    return con


def _run(
    contract: Contract, files: list[tuple[Path, str]], lake: Lake, staged: Path, settings: Settings
) -> IngestReport:
    ingest_id = uuid.uuid4().hex[:10]
    work = staged / "work"
    work.mkdir()
    con = _connect(staged)
    # File digests and blank lines are found on side threads while DuckDB reads.
    side = ThreadPoolExecutor(max_workers=2, thread_name_prefix="ingest-side")
    try:
        standardiser = Standardiser(
            con, load_gazetteer(settings.province, settings.reference_date), pseudonymiser(settings), work
        )
        parent = lake.current(contract.name)
        opened = []
        digests: dict[str, Future[str]] = {}
        for index, (path, name) in enumerate(files):
            source = Source(f"{ingest_id}_{index:02d}", path, name, path.stat().st_size)
            digests[source.id] = side.submit(_sha256, path)
            opened.append(_open(con, contract, source, work))
        blanks = {
            raw.source.id: side.submit(blank_lines, raw.blank_lines_in) for raw, _ in opened if raw.blank_lines_in
        }
        registers = _registers(contract, lake)
        reports: list[SourceReport] = []
        malformed: list[quarantine.MalformedRecord] = []
        gaps: dict[str, tuple[int, list[int]]] = {}
        try:
            _check(con, contract, [raw for raw, _ in opened], standardiser, registers)
            quarantine.tally(con, contract)
            read = quarantine.rows_read(con)
            for raw, _ in opened:
                if raw.load_table is not None:  # its rows are in the stage now: free the memory
                    con.execute(f"DROP TABLE IF EXISTS {raw.load_table}")
            for raw, report in opened:
                if raw.source.id in blanks:
                    raw.blank_lines = [n for n in blanks[raw.source.id].result() if n > raw.line_offset]
                bad = reader_rejects(con, raw)
                gaps[raw.source.id] = (raw.line_offset, line_gaps(raw, [m.line for m in bad]))
                malformed.extend(_count_source(raw, report, read.get(raw.source.id, 0), bad))
                reports.append(report)
            quarantine.register_shifts(con, gaps, work)
        except duckdb.Error as exc:
            raise UnreadableFile(f"the files could not be read ({str(exc).splitlines()[0]})", field="file") from None
        for report in reports:
            report.sha256 = digests[report.id].result()
        return _finish(con, contract, lake, staged, parent, reports, malformed)
    finally:
        side.shutdown(cancel_futures=True)
        con.close()


def _check(
    con: duckdb.DuckDBPyConnection,
    contract: Contract,
    raws: list[RawSource],
    standardiser: Standardiser,
    registers: dict[str, str],
) -> None:
    """Read and check every file into the stage: straight from the files when the checks keep their order,
    else through a table per file; when a record cannot be split, read again keeping such records aside."""
    if all(raw.direct_sql for raw in raws) and checks_in_file_order(contract, registers):
        direct = [(raw.source.id, raw.direct_sql or "", raw.line_offset) for raw in raws]
        try:
            create_stage_in_file_order(con, contract, direct, standardiser)
        except duckdb.Error:
            for drop in ("VIEW IF EXISTS stage", "TABLE IF EXISTS stage_rows", "TYPE IF EXISTS source_id"):
                con.execute(f"DROP {drop}")
            direct = [(raw.source.id, raw.direct_sql_keeping_rejects or "", raw.line_offset) for raw in raws]
            create_stage_in_file_order(con, contract, direct, standardiser)
        return
    for raw in raws:
        _load(con, raw)
    sources = [(raw.source.id, raw.select_sql, f"_ord + {raw.line_offset}") for raw in raws]
    create_stage(con, contract, sources, standardiser, registers)


def _load(con: duckdb.DuckDBPyConnection, raw: RawSource) -> None:
    """Read a file into its table; when a record cannot be split, read it again keeping such records aside."""
    if raw.load_sql is None:
        return
    try:
        con.execute(raw.load_sql)
    except duckdb.Error:
        if raw.load_sql_keeping_rejects is None:
            raise
        con.execute(f"DROP TABLE IF EXISTS {raw.load_table}")
        con.execute(raw.load_sql_keeping_rejects)


def _registers(contract: Contract, lake: Lake) -> dict[str, str]:
    """SQL reading the registers the contract's columns refer to (those already in the lake)."""
    found = {}
    for c in contract.columns:
        if c.required_when_known is not None:
            version = lake.current(c.required_when_known.dataset)
            if version is not None:
                found[c.required_when_known.dataset] = scan_sql(version)
    return found


def _open(
    con: duckdb.DuckDBPyConnection, contract: Contract, source: Source, work: Path
) -> tuple[RawSource, SourceReport]:
    """Open one file and check its header against the contract, before any row is read (its SHA-256 is set
    once computed)."""
    report = SourceReport(source.id, source.name, source.size, "")
    try:
        raw = open_source(con, contract, source, work)
    except HeaderMismatch as exc:
        raise _wrong_feed_hint(exc, contract) from None
    report.format, report.encoding = raw.format, raw.encoding
    report.columns, report.ignored_headers = raw.columns, raw.ignored_headers
    report.absent_columns = [c.name for c in contract.columns if c.name not in raw.columns]
    if missing := [c.name for c in contract.required if c.name not in raw.columns]:
        titles = ", ".join(f"{m} ({contract.column(m).title})" for m in missing)
        raise _wrong_feed_hint(
            HeaderMismatch(f"{source.name}: required columns missing for feed {contract.name}: {titles}", []),
            contract,
            headers=list(raw.columns.values()) + raw.ignored_headers,
        )
    return raw, report


def _count_source(
    raw: RawSource, report: SourceReport, checked: int, bad: list[MalformedRow]
) -> list[quarantine.MalformedRecord]:
    """The rows read from one file (``checked`` in the stage, or malformed); a file without any is an error."""
    source = raw.source
    report.read = checked + len(bad)
    if report.read == 0:
        raise EmptyFile(f"{source.name}: a header and no rows; nothing was ingested", field="file")
    return [quarantine.MalformedRecord(source.id, m.line, m.raw, m.reason, m.detail) for m in bad]


def _wrong_feed_hint(exc: HeaderMismatch, contract: Contract, headers: list[str] | None = None) -> HeaderMismatch:
    """Name the feed the file's headers fit best, when it is another one."""
    headers = headers if headers is not None else exc.headers
    best = max(
        (c for c in contracts().values() if c.name != contract.name),
        key=lambda c: len(c.match_headers(headers)),
        default=None,
    )
    if best is not None and len(best.match_headers(headers)) > len(contract.match_headers(headers)):
        return HeaderMismatch(f"{exc.detail}; the columns look like feed {best.name!r}", headers)
    return exc


def _finish(
    con: duckdb.DuckDBPyConnection,
    contract: Contract,
    lake: Lake,
    staged: Path,
    parent: Version | None,
    reports: list[SourceReport],
    malformed: list[quarantine.MalformedRecord],
) -> IngestReport:
    """Dedupe, write data, quarantine and fixes under ``staged``, check the counts, commit."""
    names = {r.id: r.name for r in reports} | (
        {k: v["name"] for k, v in parent.manifest["sources"].items()} if parent else {}
    )
    quarantine.register_sources(con, names, malformed, staged / "work")
    quarantine.find_duplicates(con, contract, parent)
    accepted = quarantine.accepted_rows(con)
    lines = quarantine.final_line(con, "s")
    own = write_accepted(con, contract, staged, parent, lines) if accepted else []
    replaced = replaced_rows(con, contract, parent, lines) if accepted and contract.mode == "upsert" else 0
    quarantined = quarantine.write_quarantine(con, contract, staged / "quarantine.parquet")
    fixed = quarantine.write_fixes(con, contract, staged / "fixes.parquet")
    per_source = quarantine.source_counts(con)
    for r in reports:
        counts = per_source.get(r.id, {})
        r.duplicates = counts.get("duplicates", 0)
        r.quarantined = counts.get("rejected", 0) + r.duplicates + sum(1 for m in malformed if m.source == r.id)
        r.accepted = r.read - r.quarantined
        r.first_date, r.last_date = counts.get("first_date"), counts.get("last_date")
    _mark_late(contract, parent, reports)
    read = sum(r.read for r in reports)
    total_accepted = sum(r.accepted for r in reports)
    total_quarantined = sum(r.quarantined for r in reports)
    if total_accepted != accepted or total_accepted + total_quarantined != read:
        raise RuntimeError(
            f"ingest counts do not add up: read {read}, accepted {accepted}, quarantined {total_quarantined}"
        )
    by_reason = quarantine.counts_by(con, staged / "quarantine.parquet", "reason")
    fixes = quarantine.counts_by(con, staged / "fixes.parquet", "fix")
    manifest = _manifest(contract, parent, staged, own, quarantined, fixed, reports)
    duplicates = sum(r.duplicates for r in reports)
    ingest_summary: dict[str, Any] = {
        "read": read,
        "accepted": total_accepted,
        "quarantined": total_quarantined,
        "duplicates": duplicates,
        "replaced": replaced,
        "by_reason": by_reason,
        "fixes": fixes,
        "sources": [asdict(r) for r in reports],
    }
    manifest["ingest"] = ingest_summary
    manifest["totals"] = _totals(parent, ingest_summary)
    # The work folder holds transcoded copies and per-value mapping tables with raw numbers: it never enters
    # the lake. Close DuckDB first (it spills under the staging folder too).
    con.close()
    for scratch in ("work", "spill"):
        shutil.rmtree(staged / scratch, ignore_errors=True)
    version = lake.commit(contract.name, staged, manifest)
    return IngestReport(
        feed=contract.name,
        contract=contract.reference,
        snapshot_id=version.snapshot_id,
        version=version.number,
        read=read,
        accepted=total_accepted,
        quarantined=total_quarantined,
        duplicates=duplicates,
        replaced=replaced,
        dataset_rows=version.rows,
        by_reason=by_reason,
        fixes=fixes,
        sources=reports,
        seconds=0.0,
    )


def _mark_late(contract: Contract, parent: Version | None, reports: list[SourceReport]) -> None:
    """A file is late when all its days are older than the newest day the lake held before this ingest."""
    if contract.partition_by is None:
        return
    seen = [e["date"] for e in parent.manifest["data"] if e.get("date")] if parent else []
    latest = max(seen, default=None)
    for r in reports:
        r.late = r.last_date is not None and latest is not None and r.last_date < latest


def _manifest(
    contract: Contract,
    parent: Version | None,
    staged: Path,
    own: list[dict[str, Any]],
    quarantined: int,
    fixed: int,
    reports: list[SourceReport],
) -> dict[str, Any]:
    """The new version's manifest (own paths relative to ``staged``, inherited ones marked)."""
    inherited = parent.manifest if parent else {"data": [], "quarantine": [], "fixes": [], "sources": {}}
    if not own:
        data = [{**e, "inherited": True} for e in inherited["data"]]
        if not data:  # a first ingest with no valid row still creates the dataset, empty but with its schema
            data = write_empty(contract, staged)
    elif contract.mode == "append":
        data = [{**e, "inherited": True} for e in inherited["data"]] + own
    else:
        data = own
    return {
        "contract": contract.reference,
        "title": contract.title,
        "owner": contract.owner,
        "mode": contract.mode,
        "keys": list(contract.keys),
        "partition_by": contract.partition_by,
        "schema": [
            {"name": c.name, "type": c.sql_type, "title": c.title, "unit": c.unit, "personal": c.is_personal}
            for c in contract.kept
        ]
        + [{"name": "_source", "type": "VARCHAR"}, {"name": "_line", "type": "BIGINT"}],
        "data": data,
        "rows": sum(int(e["rows"]) for e in data),
        "quarantine": [{**e, "inherited": True} for e in inherited["quarantine"]]
        + ([{"path": "quarantine.parquet", "rows": quarantined}] if quarantined else []),
        "fixes": [{**e, "inherited": True} for e in inherited["fixes"]]
        + ([{"path": "fixes.parquet", "rows": fixed}] if fixed else []),
        "sources": {
            **inherited["sources"],
            **{r.id: {k: v for k, v in asdict(r).items() if k != "columns"} for r in reports},
        },
    }


def _totals(parent: Version | None, ingest: dict[str, Any]) -> dict[str, Any]:
    """Counts over every ingest of the dataset so far."""
    before = parent.manifest["totals"] if parent else {}
    totals: dict[str, Any] = {}
    for key in ("read", "accepted", "quarantined", "duplicates"):
        totals[key] = int(before.get(key, 0)) + int(ingest[key])
    for key in ("by_reason", "fixes"):
        merged = dict(before.get(key, {}))
        for name, count in ingest[key].items():
            merged[name] = merged.get(name, 0) + count
        totals[key] = dict(sorted(merged.items()))
    return totals
