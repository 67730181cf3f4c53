"""County resumption index: the GDP weighting, the forms' part, the bands, and inputs that cannot be combined."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from fugong.cli import main
from fugong.riskmap.resumption import (
    Band,
    IndustryRate,
    ResumptionConfig,
    ResumptionInputError,
    SectorGdp,
    SectorShare,
    county_index,
)
from fugong.settings import Settings

GDP = [SectorGdp("330382", Decimal(10), Decimal(60), Decimal(30))]


def _shares(primary: str, secondary: str, tertiary: str) -> list[SectorShare]:
    return [
        SectorShare("330382", "primary", Decimal(primary), Decimal(primary)),
        SectorShare("330382", "secondary", Decimal(secondary), Decimal(secondary)),
        SectorShare("330382", "tertiary", Decimal(tertiary), Decimal(tertiary)),
    ]


def test_sector_indices_are_weighted_by_the_gdp_shares() -> None:
    [r] = county_index(_shares("90", "40", "70"), GDP)
    assert r.weights == {"primary": Decimal("0.1"), "secondary": Decimal("0.6"), "tertiary": Decimal("0.3")}
    assert r.index == Decimal("54.0")  # 0.1 × 90 + 0.6 × 40 + 0.3 × 70
    assert r.band is Band.MEDIUM


def test_a_sector_index_is_the_mean_of_resumed_and_production_shares() -> None:
    shares = [SectorShare("330382", "第二产业", Decimal("57.60"), Decimal("45.28"))]
    [r] = county_index(shares, GDP)
    assert r.sector_index == {"secondary": Decimal("51.44")}
    assert r.index == Decimal("51.44")
    assert r.sectors_missing == ("primary", "tertiary")


def test_the_forms_industry_rate_enters_the_secondary_sector() -> None:
    [r] = county_index(_shares("90", "40", "70"), GDP, industry=[IndustryRate("330382", Decimal(80))])
    assert r.sector_index["secondary"] == Decimal(60)  # half power (40), half forms (80)
    assert r.index == Decimal("66.0")
    assert r.industry_rate == Decimal(80)


def test_figures_per_day_stay_apart() -> None:
    shares = [
        SectorShare("330382", "secondary", Decimal(20), Decimal(20), date(2020, 2, 10)),
        SectorShare("330382", "secondary", Decimal(90), Decimal(90), date(2020, 2, 24)),
    ]
    result = county_index(shares, GDP)
    assert [(r.day, r.band) for r in result] == [
        (date(2020, 2, 10), Band.VERY_LOW),
        (date(2020, 2, 24), Band.VERY_HIGH),
    ]


@pytest.mark.parametrize(
    ("index", "band"),
    [("29.99", Band.VERY_LOW), ("30", Band.LOW), ("50", Band.MEDIUM), ("70", Band.HIGH), ("85", Band.VERY_HIGH)],
)
def test_default_bands(index: str, band: Band) -> None:
    assert ResumptionConfig().band_of(Decimal(index)) is band


@pytest.mark.parametrize(
    ("shares", "gdp", "message"),
    [
        (_shares("90", "40", "70"), [], "no GDP by sector for: 330382"),
        ([SectorShare("330382", "quaternary", Decimal(1), Decimal(1))], GDP, "unknown sector 'quaternary'"),
        ([SectorShare("330382", "primary", Decimal(-1), Decimal(1))], GDP, "resumed_share -1 is outside"),
        ([SectorShare("330382", "primary", Decimal(1), Decimal(250))], GDP, "production_share 250 is outside"),
        (_shares("1", "1", "1") + _shares("1", "1", "1")[:1], GDP, "sector primary given twice"),
        (_shares("1", "1", "1"), [SectorGdp("330382", Decimal(0), Decimal(0), Decimal(0))], "adds up to 0"),
        (_shares("1", "1", "1"), [SectorGdp("330382", Decimal(-1), Decimal(5), Decimal(0))], "cannot be negative"),
    ],
)
def test_inputs_that_cannot_be_combined_are_refused(
    shares: list[SectorShare], gdp: list[SectorGdp], message: str
) -> None:
    with pytest.raises(ResumptionInputError, match=message):
        county_index(shares, gdp)


def test_band_cut_offs_must_rise() -> None:
    with pytest.raises(ResumptionInputError, match="must rise"):
        ResumptionConfig(medium_from=Decimal(20))
    with pytest.raises(ResumptionInputError, match="between 0 and 1"):
        ResumptionConfig(industry_weight=Decimal(2))


def test_cli_reads_the_statistics_bureau_file_in_gbk_with_county_names(
    settings: Settings, write_lines: Callable[[str, list[str]], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    stats = write_lines("stats.csv", [])
    stats.write_bytes(
        "县区代码,县区名称,年份,常住人口（万人）,地区生产总值（亿元）,第一产业增加值（亿元）,第二产业增加值（亿元）,第三产业增加值（亿元）,备注\n"
        "乐清市,乐清市,2019,145.20,1233.70,28.40,620.30,585.00,合成数据\n".encode("gbk")
    )
    power = write_lines(
        "power.csv",
        ["county,sector,resumed_share,production_share", "330382,secondary,60,40", "330382,tertiary,30,30"],
    )
    code = main(["riskmap", "resumption", "--power", str(power), "--stats", str(stats), "--format", "csv"])
    [row] = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert code == 0
    # weights 620.30 and 585.00 over 1205.30: 0.5146… × 50 + 0.4854… × 30
    assert (row["code"], row["name"], row["index"], row["band"], row["band_zh"]) == (
        "330382",
        "乐清市",
        "40.29",
        "low",
        "较低",
    )
    assert row["sectors_missing"] == "primary"


@pytest.mark.parametrize(
    ("power_lines", "message"),
    [
        (["county,sector,resumed_share", "330382,secondary,60"], "missing column(s) production_share"),
        (
            ["county,sector,resumed_share,production_share", "330382,secondary,sixty,40"],
            "resumed_share 'sixty' is not a number",
        ),
        (["county,sector,resumed_share,production_share", "火星县,secondary,60,40"], "火星县"),
        (["county,sector,resumed_share,production_share", "330106,secondary,60,40"], "no GDP by sector for: 330106"),
    ],
)
def test_cli_names_the_problem_in_bad_resumption_inputs(
    settings: Settings,
    write_lines: Callable[[str, list[str]], Path],
    capsys: pytest.CaptureFixture[str],
    power_lines: list[str],
    message: str,
) -> None:
    stats = write_lines("stats.csv", ["county,primary,secondary,tertiary", "330382,1,2,3"])
    power = write_lines("power.csv", power_lines)
    code = main(["riskmap", "resumption", "--power", str(power), "--stats", str(stats)])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
