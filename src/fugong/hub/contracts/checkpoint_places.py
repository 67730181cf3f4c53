"""卡口场所 — places that scan codes: malls, stations, factory gates, village entrances, highway exits."""

from fugong.hub.contracts.base import Column, Contract, Kind

CONTRACT = Contract(
    name="checkpoint_places",
    version="1.0",
    title="卡口场所",
    owner="省大数据发展管理局",
    update_frequency="on change",
    mode="upsert",
    keys=("place_id",),
    formats=("csv", "xlsx"),
    description="One row per checkpoint place, with its county and, for factory gates, its enterprise.",
    columns=(
        Column("place_id", Kind.text, "场所编码", required=True),
        Column("name", Kind.text, "场所名称"),
        Column(
            "place_type",
            Kind.code,
            "场所类型",
            codes={c: c for c in ("商场超市", "交通站点", "企业厂区", "小区村口", "高速卡口")},
        ),
        Column("county_code", Kind.region, "县区"),
        Column("enterprise_key", Kind.credit_code, "关联企业信用代码"),
    ),
)
