"""Definitions: the exact threshold, the published arithmetic, and the parameters people type."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from fugong.errors import InvalidInput
from fugong.power.definitions import Parameters, PowerInputError, Ratio, index_of, parse_baseline, share


def test_index_is_the_mean_of_the_published_shares() -> None:
    assert index_of(Decimal("57.60"), Decimal("45.28")) == Decimal("51.44")
    assert index_of(Decimal("60.15"), Decimal("47.27")) == Decimal("53.71")
    assert index_of(Decimal("19.37"), Decimal("31.47")) == Decimal("25.42")


def test_every_published_row_with_both_shares_is_their_mean(published_index: Path) -> None:
    with published_index.open(encoding="utf-8") as stream:
        rows = [r for r in csv.DictReader(stream) if r["resumed_user_share_pct"]]
    assert len(rows) == 4
    for row in rows:
        mean = index_of(Decimal(row["resumed_user_share_pct"]), Decimal(row["production_share_pct"]))
        assert mean.quantize(Decimal("0.01")) == Decimal(row["index"]), row["date"]


def test_the_10_february_counts_give_the_published_shares() -> None:
    # 64,590 of 333,427 users resumed; they drew 40,541.65 against a daily baseline of 128,807.02 (10k kWh)
    resumed = share(64_590, 333_427)
    production = share(Decimal("40541.65"), Decimal("128807.02"))
    assert resumed.quantize(Decimal("0.01")) == Decimal("19.37")
    assert production.quantize(Decimal("0.01")) == Decimal("31.47")
    assert index_of(resumed, production).quantize(Decimal("0.01")) == Decimal("25.42")


def test_a_reading_exactly_at_the_threshold_has_resumed_where_floats_say_not() -> None:
    threshold = Ratio.parse("0.3", "--threshold")
    # baseline 1.360 kWh on one day, reading 0.408 kWh = exactly 30 %: in floats 0.3 × 1.36 > 0.408
    assert not 0.408 >= 0.3 * 1.36
    assert threshold.reached(Decimal("0.408"), 1, Decimal("1.360"))
    assert not threshold.reached(Decimal("0.407"), 1, Decimal("1.360"))
    assert threshold.reached(408, 1, 1360)


def test_a_threshold_is_kept_as_an_exact_fraction() -> None:
    assert (Ratio.parse("0.3", "--threshold").numerator, Ratio.parse("0.3", "--threshold").denominator) == (3, 10)
    assert Ratio.parse("0.125", "--threshold").denominator == 8
    assert Ratio.parse(" 0.30 ", "--threshold").text == "0.3"


@pytest.mark.parametrize(
    ("text", "message"),
    [("abc", "not a decimal"), ("0", "above 0"), ("-0.3", "above 0"), ("0.12345", "more than 4 decimals"), ("nan", "")],
)
def test_a_bad_threshold_is_refused_with_its_option(text: str, message: str) -> None:
    with pytest.raises(PowerInputError, match="--threshold") as caught:
        Ratio.parse(text, "--threshold")
    assert message in caught.value.detail


def test_baseline_windows_quarters_and_lunar_alignment() -> None:
    december = parse_baseline("2019-12-01..2019-12-31")
    assert (december.start, december.end, december.days, december.rule) == (
        date(2019, 12, 1),
        date(2019, 12, 31),
        31,
        "window",
    )
    q4 = parse_baseline("2019Q4")
    assert (q4.start, q4.end, q4.rule) == (date(2019, 10, 1), date(2019, 12, 31), "quarter")
    lunar = parse_baseline("lunar", date(2020, 2, 10), date(2020, 2, 20))
    # 2020-02-10 is 16 days after Chinese New Year (25 Jan 2020); 16 days after 5 Feb 2019 is 21 Feb 2019
    assert (lunar.start, lunar.end, lunar.rule) == (date(2019, 2, 21), date(2019, 3, 3), "lunar")
    assert "2020-01-25 ↔ 2019-02-05" in lunar.describe()
    explicit = parse_baseline("lunar:2016-02-08..2016-02-14")
    assert (explicit.start, explicit.end) == (date(2015, 2, 19), date(2015, 2, 25))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2019-12-31..2019-12-01", "ends before it starts"),
        ("December", "not a range"),
        ("2019-02-30..2019-03-01", "day is out of range"),
        ("lunar", "needs --from and --to"),
        ("lunar:2030-01-01..2030-01-31", "known for 2003–2027"),
    ],
)
def test_a_bad_baseline_is_refused(text: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=r"baseline|Chinese New Year") as caught:
        parse_baseline(text)
    assert message in caught.value.detail


def test_parameters_survive_their_json_form(tmp_path: object) -> None:
    params = Parameters(parse_baseline("lunar", date(2016, 2, 1), date(2016, 2, 29)), first_day=date(2016, 2, 1))
    assert Parameters.from_dict(params.as_dict()) == params
    assert "lunar-aligned" in params.summary()
