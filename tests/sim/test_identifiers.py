"""Resident IDs and credit codes: valid check characters except where the truth says otherwise; persons consistent."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

import pyarrow.parquet as pq
from stdnum.cn import ric, uscc

from fugong.sim import Manifest

ID_COLUMNS = {
    "persons": [("身份证号", ric)],
    "cdc_cases": [("身份证号", ric)],
    "cdc_contacts": [("身份证号", ric)],
    "employees": [("身份证号", ric), ("统一社会信用代码", uscc)],
    "checkpoint_scans": [("身份证号", ric)],
    "telecom_stays": [("id_number", ric)],
    "market_registry": [("统一社会信用代码", uscc)],
    "supply_links": [("企业信用代码", uscc), ("供应商信用代码", uscc)],
    "grid_accounts": [("credit_code", uscc)],
}


def _bad_checks(manifest: Manifest) -> set[tuple[str, int, str]]:
    truth = pq.read_table(manifest.out_dir / "truth/dirty_rows.parquet").to_pylist()
    return {(t["file"], t["record"], t["column"]) for t in truth if t["kind"] == "bad_check"}


def test_every_id_and_credit_code_validates_unless_the_truth_lists_it(tiny_province: Manifest, reader: Any) -> None:
    expected_bad = _bad_checks(tiny_province)
    seen_bad: set[tuple[str, int, str]] = set()
    checked = 0
    for feed, columns in ID_COLUMNS.items():
        for entry in tiny_province.feed_files(feed):
            for record, row in enumerate(reader.file(tiny_province, entry.path), start=1):
                for column, module in columns:
                    value = row[column]
                    if not value:
                        continue
                    checked += 1
                    key = (entry.path.as_posix(), record, column)
                    if module.is_valid(value):
                        assert key not in expected_bad, key
                    else:
                        assert key in expected_bad, (key, value)
                        seen_bad.add(key)
    assert checked > 50_000
    assert seen_bad == expected_bad
    assert len(expected_bad) > 100


def test_persons_agree_with_their_ids(clean_tiny: Manifest, reader: Any) -> None:
    persons = reader.feed(clean_tiny, "persons")
    assert len({p["身份证号"] for p in persons}) == len(persons)
    for p in persons:
        number = p["身份证号"]
        assert ric.get_birth_date(number) == date.fromisoformat(p["出生日期"])
        assert ("男" if int(number[16]) % 2 else "女") == p["性别"]
        region = number[:6]
        home = p["户籍地"]
        # The home county's code, or the code of that place in the birth year (predecessor, city or province).
        assert region == home or region in (home[:4] + "00", home[:2] + "0000") or region[:4] == home[:4]
    homes = Counter(p["户籍地"][:2] for p in persons)
    assert homes["33"] > 0.5 * len(persons)
    assert sum(n for prefix, n in homes.items() if prefix != "33") > 100  # migrant workers from other provinces
    elderly = [p for p in persons if int(p["出生日期"][:4]) <= 1954]
    assert any(p["智能手机"] == "否" for p in elderly)
    assert any(not p["手机号"] for p in elderly)
    households = Counter(p["户号"] for p in persons)
    assert max(households.values()) >= 4
    assert {p["与户主关系"] for p in persons} >= {"户主", "配偶", "子女", "父母"}


def test_everyone_named_in_other_feeds_is_a_registered_person(clean_tiny: Manifest, reader: Any) -> None:
    registered = {p["身份证号"] for p in reader.feed(clean_tiny, "persons")}
    for feed, column in (
        ("cdc_cases", "身份证号"),
        ("cdc_contacts", "身份证号"),
        ("employees", "身份证号"),
        ("checkpoint_scans", "身份证号"),
        ("telecom_stays", "id_number"),
    ):
        named = {r[column] for r in reader.feed(clean_tiny, feed)}
        assert named, feed
        assert named <= registered, feed
    enterprises = {r["统一社会信用代码"] for r in reader.feed(clean_tiny, "market_registry")}
    accounts = reader.feed(clean_tiny, "grid_accounts")
    matched = [a for a in accounts if a["credit_code"]]
    assert {a["credit_code"] for a in matched} <= enterprises
    assert len(matched) < len(accounts)  # some accounts match no enterprise
    per_enterprise = Counter(a["credit_code"] for a in matched)
    assert max(per_enterprise.values()) >= 2  # some enterprises have several accounts
    links = reader.feed(clean_tiny, "supply_links")
    assert {link["供应商信用代码"] for link in links} <= enterprises
