"""县区统计 — population and GDP by sector (synthetic in the simulator, and labelled so)."""

from fugong.hub.contracts.base import Column, Contract, Kind

CONTRACT = Contract(
    name="county_stats",
    version="1.0",
    title="县区基本统计",
    owner="省统计局",
    update_frequency="yearly",
    mode="upsert",
    keys=("county_code",),
    formats=("csv", "xlsx"),
    description="One row per county: resident population and GDP with its three sectors.",
    columns=(
        Column("county_code", Kind.region, "县区代码", required=True),
        Column("county_name", Kind.text, "县区名称"),
        Column("year", Kind.integer, "年份", minimum=1949, maximum=2100),
        Column("population_10k", Kind.number, "常住人口（万人）", required=True, unit="万人", minimum=0, decimals=2),
        Column("gdp_100m_yuan", Kind.number, "地区生产总值（亿元）", unit="亿元", minimum=0, decimals=2),
        Column("primary_100m_yuan", Kind.number, "第一产业增加值（亿元）", unit="亿元", minimum=0, decimals=2),
        Column("secondary_100m_yuan", Kind.number, "第二产业增加值（亿元）", unit="亿元", minimum=0, decimals=2),
        Column("tertiary_100m_yuan", Kind.number, "第三产业增加值（亿元）", unit="亿元", minimum=0, decimals=2),
        Column("note", Kind.text, "备注"),
    ),
)
