"""Writing figures: CSV or Parquet, with the parameters beside them as ``<output>.params.json``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from fugong.power.definitions import Parameters, PowerInputError

FORMATS = (".csv", ".parquet", ".xlsx")


def params_path(out: Path) -> Path:
    """Where the parameters of ``out`` are written."""
    return out.with_name(out.name + ".params.json")


def check_output(out: Path) -> None:
    """Fail before any work when the output cannot be written."""
    if out.suffix.lower() not in FORMATS:
        raise PowerInputError(f"--out {out}: write .csv, .parquet or .xlsx", field="--out")
    if not out.parent.exists():
        raise PowerInputError(f"--out {out}: the folder {out.parent} does not exist", field="--out")


def write_frame(frame: pd.DataFrame, out: Path) -> None:
    """Write ``frame`` as CSV (UTF-8), Parquet or XLSX by the file's suffix."""
    suffix = out.suffix.lower()
    if suffix == ".csv":
        frame.to_csv(out, index=False, encoding="utf-8")
    elif suffix == ".parquet":
        frame.to_parquet(out, index=False)
    else:
        frame.to_excel(out, index=False, engine="openpyxl")


def write_output(frame: pd.DataFrame, out: Path, params: Parameters, extra: dict[str, Any] | None = None) -> Path:
    """Write the figures and their parameters; returns the parameters' path."""
    check_output(out)
    write_frame(frame, out)
    target = params_path(out)
    record = {"parameters": params.as_dict(), "output": str(out), "rows": len(frame), **(extra or {})}
    target.write_text(json.dumps(record, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")
    return target
