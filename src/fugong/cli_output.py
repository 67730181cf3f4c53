"""Rendering rows on the command line: a rich table for people, CSV or JSON for programs."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any

from rich.console import Console
from rich.table import Table


class OutputFormat(StrEnum):
    """How a command prints rows."""

    table = "table"
    csv = "csv"
    json = "json"


def render(rows: Sequence[Mapping[str, Any]], fmt: OutputFormat, columns: Sequence[str] | None = None) -> None:
    """Print ``rows`` to standard output in ``fmt``; ``columns`` fixes their order (default: the first row's)."""
    names = list(columns or (rows[0].keys() if rows else []))
    if fmt is OutputFormat.json:
        json.dump([{c: row.get(c) for c in names} for row in rows], sys.stdout, ensure_ascii=False, default=str)
        sys.stdout.write("\n")
    elif fmt is OutputFormat.csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(names)
        writer.writerows([["" if row.get(c) is None else row.get(c) for c in names] for row in rows])
    else:
        table = Table(*names)
        for row in rows:
            table.add_row(*("" if row.get(c) is None else str(row.get(c)) for c in names))
        Console().print(table)
