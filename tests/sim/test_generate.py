"""The simulator as a whole: manifest, files, formats, determinism, and refusing bad requests."""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from fugong.cli import main
from fugong.errors import InvalidInput
from fugong.sim import FEEDS, Manifest, generate, tiny_province


def _digests(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_every_feed_is_written_with_the_rows_the_manifest_states(tiny_province: Manifest, reader: Any) -> None:
    assert {f.feed for f in tiny_province.files} == set(FEEDS)
    for entry in tiny_province.files:
        assert len(reader.file(tiny_province, entry.path)) == entry.rows, entry.path
    stored = json.loads((tiny_province.out_dir / "manifest.json").read_text(encoding="utf-8"))
    assert stored["scale"] == "tiny"
    assert stored["period"] == {"from": "2019-10-01", "to": "2020-03-31"}
    assert stored["dirt"] == 0.01
    assert stored["dirt_rates"]["bad_check"] == 0.01
    assert [f["path"] for f in stored["files"]] == [f.path.as_posix() for f in tiny_province.files]
    assert tiny_province.counties == ("330106", "330382", "330727")


def test_departments_formats_and_encodings(tiny_province: Manifest) -> None:
    formats = {(f.feed, f.format, f.encoding) for f in tiny_province.files}
    assert ("cdc_cases", "csv", "gbk") in formats
    assert ("county_stats", "csv", "gbk") in formats
    assert ("cdc_contacts", "csv", "utf-8-sig") in formats
    assert ("market_registry", "xlsx", None) in formats
    assert ("market_registry", "csv", "gbk") in formats
    assert ("grid_readings", "parquet", None) in formats
    assert ("telecom_stays", "jsonl", "utf-8") in formats
    cases = (tiny_province.out_dir / "feeds/cdc/cases.csv").read_bytes()
    assert cases.decode("gbk").startswith("病例编号,身份证号,现住址,统计地区")
    with pytest.raises(UnicodeDecodeError):
        cases.decode("utf-8")
    assert (tiny_province.out_dir / "feeds/cdc/contacts.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_workbooks_have_chinese_headers_and_fixed_timestamps(tiny_province: Manifest, reader: Any) -> None:
    staff = tiny_province.feed_files("employees")[0]
    rows = reader.file(tiny_province, staff.path)
    assert list(rows[0])[:4] == ["统一社会信用代码", "企业名称", "姓名", "身份证号"]
    with zipfile.ZipFile(tiny_province.out_dir / staff.path) as book:
        assert {info.date_time for info in book.infolist()} == {(2020, 1, 1, 0, 0, 0)}
        assert b"2020-01-01T00:00:00Z" in book.read("docProps/core.xml")


def test_same_seed_same_bytes_other_seed_other_bytes(tiny_province: Manifest, tmp_path: Path) -> None:
    again = generate(tmp_path / "again", scale="tiny", seed=2020)
    assert _digests(again.out_dir) == _digests(tiny_province.out_dir)
    other = tiny_province_other = generate(tmp_path / "other", scale="tiny", seed=2021)
    first, second = _digests(tiny_province.out_dir), _digests(tiny_province_other.out_dir)
    differing = [name for name in first if name in second and first[name] != second[name]]
    assert "feeds/persons/persons.csv" in differing
    assert "feeds/grid/readings/readings_2020-02.parquet" in differing
    assert other.seed == 2021


def test_a_shorter_period_and_a_rerun_replace_the_folder(tmp_path: Path) -> None:
    manifest = tiny_province(tmp_path, seed=5)
    short = generate(
        tmp_path, scale="tiny", start=date(2019, 11, 1), end=date(2019, 12, 31), dirt=0.0, counties=["330727"]
    )
    months = sorted(f.path.name for f in short.feed_files("grid_readings"))
    assert months == ["readings_2019-11.parquet", "readings_2019-12.parquet"]
    assert not (tmp_path / "feeds/grid/readings/readings_2020-02.parquet").exists()
    assert short.feed_files("cdc_cases") == []  # no case before 2020
    assert short.counties == ("330727",)
    assert [f.path.name for f in short.feed_files("employees")] == ["employees_330727.xlsx"]
    assert manifest.seed == 5
    calibration = json.loads((tmp_path / "truth/calibration.json").read_text(encoding="utf-8"))
    assert "not calibrated" in calibration["targets"]["2020-02-10"]["note"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"scale": "huge"}, "unknown scale 'huge'; scales are tiny, demo, province"),
        ({"start": date(2020, 3, 1), "end": date(2020, 2, 1)}, "ends (2020-02-01) before it starts (2020-03-01)"),
        ({"dirt": 1.5}, "dirt rate must be between 0 and 1, got 1.5"),
        ({"dirt": -0.01}, "dirt rate must be between 0 and 1"),
        ({"dirt": float("nan")}, "dirt rate must be between 0 and 1"),
        ({"start": date(2003, 12, 31)}, "start 2003-12-31 is outside 2004-01-01..2026-12-31"),
        ({"end": date(2027, 1, 1)}, "end 2027-01-01 is outside 2004-01-01..2026-12-31"),
        ({"start": date(2004, 1, 1), "end": date(2026, 1, 1)}, "at most 731 are simulated"),
        ({"counties": ["330382", "339999"]}, "unknown county code(s) 339999"),
        ({"counties": []}, "unknown county code(s) (none given)"),
    ],
)
def test_bad_requests_are_refused_before_anything_is_written(
    tmp_path: Path, kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidInput, match=re.escape(message)):
        generate(tmp_path / "out", **kwargs)  # type: ignore[arg-type]
    assert not (tmp_path / "out").exists()


def test_cli_generates_and_reports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "sim",
            "generate",
            "--out",
            str(tmp_path),
            "--scale",
            "tiny",
            "--seed",
            "3",
            "--from",
            "2019-12-01",
            "--to",
            "2020-02-29",
            "--dirt",
            "0",
            "--no-progress",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "tiny province, seed 3, 2019-12-01..2020-02-29, dirt 0.0" in out
    assert json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))["seed"] == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scale", "huge"], "error: unknown scale 'huge'"),
        (["--from", "2020-03-01", "--to", "2020-02-01"], "error: the period ends (2020-02-01) before it starts"),
        (["--dirt", "2"], "error: dirt rate must be between 0 and 1, got 2.0"),
        (["--from", "2020-13-01"], "error: --from: '2020-13-01' is not a date in the form YYYY-MM-DD"),
        (["--to", "2030-01-01"], "error: end 2030-01-01 is outside 2004-01-01..2026-12-31"),
        (["--counties", "乐清"], "error: unknown county code(s) 乐清"),
    ],
)
def test_cli_bad_input_exits_2_with_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code = main(["sim", "generate", "--out", str(tmp_path / "out"), "--no-progress", *args])
    assert code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
