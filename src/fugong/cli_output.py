"""Command-line edges: dates typed by people, rows rendered as a rich table, CSV or JSON."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Mapping, Sequence
from datetime import date
from enum import StrEnum
from typing import Any

from rich.console import Console
from rich.table import Table

from fugong.errors import InvalidInput


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


def parse_day(text: str | None, option: str) -> date | None:
    """A YYYY-MM-DD option value as a date (None stays None); anything else is a clear error naming the option."""
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{option}: {text!r} is not a date in the form YYYY-MM-DD", field=option) from None
