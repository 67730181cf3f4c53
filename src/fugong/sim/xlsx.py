"""A streaming XLSX writer for large sheets: openpyxl builds the package, the rows are written as sheet XML directly.

openpyxl's write-only mode spends ~10 µs per cell, which made staff lists the slowest part of a province. Here
openpyxl writes a one-row workbook (so styles, workbook and relations are its own, including a date style), and the
sheet XML is replaced by rows written straight to disk: inline strings, numbers, and dates as serial numbers in that
date style. Archive timestamps are fixed so that the same rows give the same bytes.
"""

from __future__ import annotations

import io
import re
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import IO, Any

import openpyxl

_FIXED_ZIP_TIME = (2020, 1, 1, 0, 0, 0)
_FIXED_CORE_TIME = b"2020-01-01T00:00:00Z"
_EXCEL_EPOCH = date(1899, 12, 30)
_SHEET = "xl/worksheets/sheet1.xml"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + (
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
_TAIL = "</sheetData></worksheet>"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _letters(n: int) -> list[str]:
    out = []
    for k in range(n):
        name, k1 = "", k + 1
        while k1:
            k1, rest = divmod(k1 - 1, 26)
            name = chr(65 + rest) + name
        out.append(name)
    return out


class XlsxWriter:
    """One sheet of rows (text, integers, dates, None for an empty cell) streamed into an .xlsx file."""

    def __init__(self, path: Path, sheet: str, columns: Sequence[str]) -> None:
        self.path = path
        self.sheet = sheet
        self.letters = _letters(len(columns))
        self.rows = 0
        self._date_style = self._skeleton_date_style()
        self._body: IO[str] = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115 (closed in close())
        self._body.write(_HEAD)
        self.append([list(columns)])

    def _skeleton_date_style(self) -> str:
        book = openpyxl.Workbook(write_only=True)
        sheet = book.create_sheet(self.sheet)
        sheet.append([date(2020, 1, 1)])
        buffer = io.BytesIO()
        book.save(buffer)
        self._skeleton = buffer.getvalue()
        with zipfile.ZipFile(io.BytesIO(self._skeleton)) as archive:
            found = re.search(rb'<c r="A1" s="(\d+)"', archive.read(_SHEET))
        if found is None:
            raise RuntimeError("openpyxl wrote no date style")
        return found.group(1).decode()

    def append(self, rows: Iterable[Sequence[Any]]) -> None:
        """Write rows after those already written."""
        letters, style = self.letters, self._date_style
        parts: list[str] = []
        for row in rows:
            self.rows += 1
            r = self.rows
            cells = [f'<row r="{r}">']
            for letter, value in zip(letters, row, strict=True):
                if value is None:
                    continue
                if type(value) is str:
                    cells.append(f'<c r="{letter}{r}" t="inlineStr"><is><t>{_escape(value)}</t></is></c>')
                elif type(value) is date:
                    cells.append(f'<c r="{letter}{r}" s="{style}"><v>{(value - _EXCEL_EPOCH).days}</v></c>')
                elif type(value) is int or type(value) is float:
                    cells.append(f'<c r="{letter}{r}"><v>{value}</v></c>')
                else:
                    raise TypeError(f"cannot write {type(value).__name__} to a workbook")
            cells.append("</row>")
            parts.append("".join(cells))
        self._body.write("".join(parts))

    def close(self) -> None:
        """Assemble the package: openpyxl's parts, this sheet, fixed timestamps."""
        self._body.write(_TAIL)
        self._body.seek(0)
        source = zipfile.ZipFile(io.BytesIO(self._skeleton))
        with zipfile.ZipFile(self.path, "w", compression=zipfile.ZIP_DEFLATED) as target:
            for info in source.infolist():
                fixed = zipfile.ZipInfo(info.filename, date_time=_FIXED_ZIP_TIME)
                fixed.compress_type = zipfile.ZIP_DEFLATED
                fixed.external_attr = 0o600 << 16
                if info.filename == _SHEET:
                    with target.open(fixed, "w") as out:
                        while chunk := self._body.read(1 << 20):
                            out.write(chunk.encode("utf-8"))
                    continue
                content = source.read(info.filename)
                if info.filename == "docProps/core.xml":
                    content = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", _FIXED_CORE_TIME, content)
                target.writestr(fixed, content)
        self._body.close()
