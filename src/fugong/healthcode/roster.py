"""A roster of persons to register in bulk: a CSV file in the hub's persons layout (姓名, 身份证号, 现住址, 手机号)."""

from __future__ import annotations

import csv
from pathlib import Path

from fugong.errors import InvalidInput
from fugong.healthcode.registry import Registration

COLUMNS = {"姓名": "name", "身份证号": "id_number", "现住址": "county", "手机号": "phone"}
"""Chinese header → field; the English field names are accepted as headers too."""


class InvalidRoster(InvalidInput):
    """A roster file that cannot be read, or lacks a required column."""

    code = "invalid_roster"


def read_roster(path: Path) -> list[Registration]:
    """The registrations of a roster file (UTF-8 CSV, with or without a BOM)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as exc:
        raise InvalidRoster(f"{path}: cannot read the file ({exc.strerror or exc})", field="file") from None
    except UnicodeDecodeError:
        raise InvalidRoster(f"{path}: not UTF-8 text; save the roster as UTF-8 CSV", field="file") from None
    if not rows:
        raise InvalidRoster(f"{path}: no rows under the header", field="file")
    header = {COLUMNS.get(h.strip(), h.strip()): h for h in rows[0] if h is not None}
    missing = [f"{zh} ({en})" for zh, en in COLUMNS.items() if en not in header and en != "phone"]
    if missing:
        raise InvalidRoster(f"{path}: missing column(s): {', '.join(missing)}", field="file")
    out = []
    for row in rows:
        value = {field: (row.get(original) or "").strip() for field, original in header.items()}
        out.append(Registration(value["name"], value["id_number"], value["county"], value.get("phone") or None))
    return out
