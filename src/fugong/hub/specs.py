"""What apps hand the hub through the hooks, besides feed contracts: derived datasets and dashboard panels."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class DatasetSpec:
    """A dataset derived from lake datasets by one SQL query (DuckDB dialect), computed when read.

    ``sql`` names its inputs as tables (``SELECT county_code, sum(stock) FROM mask_stocks GROUP BY 1``);
    a read pins every input at its current snapshot, and the derived snapshot id names them all.
    """

    name: str
    title: str
    owner: str
    sql: str
    inputs: tuple[str, ...]
    description: str = ""
    personal_columns: tuple[str, ...] = ()


@dataclass(frozen=True)
class Panel:
    """A dashboard panel: a chart of JSON rows fetched from ``data_url``."""

    id: str
    title: str
    data_url: str
    chart: str = "bar"  # bar | line | table
    x: str = "label"
    y: tuple[str, ...] = ("value",)
    description: str = ""
    app: str = ""
    options: dict[str, str] = field(default_factory=dict)
