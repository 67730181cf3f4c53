"""Exports of the power tables for people: CSV (UTF-8 with a BOM, so spreadsheet programs read the Chinese) and
XLSX with a second sheet naming the parameters and lake snapshots the figures were computed from."""

from __future__ import annotations

import json
from io import BytesIO
from typing import Any

import pandas as pd

from fugong.power.definitions import PowerInputError

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def check_format(fmt: str) -> str:
    """``json``, ``csv`` or ``xlsx``; anything else is refused naming the choices."""
    if fmt not in ("json", *FORMATS):
        raise PowerInputError(f"format {fmt!r} is not one of json, csv, xlsx", field="format")
    return fmt


def _flat(parameters: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    for key, value in parameters.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            rows.extend(_flat(value, f"{name}."))
        elif isinstance(value, list | tuple):
            rows.append((name, json.dumps(value, ensure_ascii=False, default=str)))
        else:
            rows.append((name, "" if value is None else str(value)))
    return rows


def export_bytes(rows: pd.DataFrame, parameters: dict[str, Any], fmt: str) -> bytes:
    """The rows as a CSV or XLSX file (the XLSX with a ``parameters`` sheet)."""
    if fmt == "csv":
        return str(rows.to_csv(index=False)).encode("utf-8-sig")
    buffer = BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        rows.to_excel(writer, sheet_name="data", index=False)
        pd.DataFrame(_flat(parameters), columns=["parameter", "value"]).to_excel(
            writer, sheet_name="parameters", index=False
        )
    return buffer.getvalue()
