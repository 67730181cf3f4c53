"""乡镇村社 — townships and villages below the counties (reference data for grassroots forms)."""

from fugong.hub.contracts.base import Column, Contract, Kind

CONTRACT = Contract(
    name="org_units",
    version="1.0",
    title="乡镇街道与村社区",
    owner="省民政厅",
    update_frequency="yearly",
    mode="upsert",
    keys=("code",),
    formats=("csv", "xlsx"),
    description="One row per township (9-digit code) or village/community (12-digit code).",
    columns=(
        Column("code", Kind.text, "代码", required=True),
        Column("name", Kind.text, "名称"),
        Column("level", Kind.code, "层级", codes={"township": "township", "village": "village"}),
        Column("type", Kind.code, "类型", codes={c: c for c in ("街道", "镇", "乡", "社区", "村")}),
        Column("parent_code", Kind.text, "上级代码"),
        Column("county_code", Kind.region, "县区代码"),
        Column("households", Kind.integer, "户数", minimum=0),
        Column("residents", Kind.integer, "人数", minimum=0),
    ),
)
