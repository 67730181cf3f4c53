"""Fixtures of the simulator tests: a clean tiny province (dirt 0) and feed readers."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import openpyxl
import pyarrow.parquet as pq
import pytest

from fugong.sim import Manifest, generate


@pytest.fixture(scope="session")
def clean_tiny(tmp_path_factory: pytest.TempPathFactory) -> Manifest:
    """A tiny province without any dirt."""
    return generate(tmp_path_factory.mktemp("clean_tiny"), scale="tiny", seed=2020, dirt=0.0)


class FeedReader:
    """Reads simulated feed files the way a department's file must be read."""

    @staticmethod
    def file(manifest: Manifest, relative: Path) -> list[dict[str, Any]]:
        """Every record of one feed file as dicts."""
        return read_feed_file(manifest, relative)

    @staticmethod
    def feed(manifest: Manifest, feed: str) -> list[dict[str, Any]]:
        """Every record of every file of a feed."""
        return read_feed(manifest, feed)


@pytest.fixture
def reader() -> type[FeedReader]:
    """The feed reader."""
    return FeedReader


def read_feed_file(manifest: Manifest, relative: Path) -> list[dict[str, Any]]:
    """Every record of one feed file as dicts, read the way a department's file must be read."""
    entry = next(f for f in manifest.files if f.path == relative)
    path = manifest.out_dir / relative
    if entry.format == "csv":
        text = path.read_bytes().decode(entry.encoding or "utf-8")
        return list(csv.DictReader(io.StringIO(text, newline="")))
    if entry.format == "jsonl":
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    if entry.format == "parquet":
        return pq.read_table(path).to_pylist()
    book = openpyxl.load_workbook(path, read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    book.close()
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def read_feed(manifest: Manifest, feed: str) -> list[dict[str, Any]]:
    """Every record of every file of a feed."""
    return [row for f in manifest.feed_files(feed) for row in read_feed_file(manifest, f.path)]
