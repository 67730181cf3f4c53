"""市场监管企业名录 — the market regulator's register of enterprises."""

from fugong.geo import sections
from fugong.hub.contracts.base import Column, Contract, Kind

DIVISIONS = {d: d for s in sections() for d in s.divisions}

CONTRACT = Contract(
    name="market_registry",
    version="1.0",
    title="企业名录",
    owner="省市场监督管理局",
    update_frequency="weekly",
    mode="upsert",
    keys=("enterprise_key",),
    formats=("csv", "xlsx"),
    description="One row per registered enterprise: county, GB/T 4754 industry, size class, key-enterprise flags.",
    columns=(
        Column(
            "enterprise_key", Kind.credit_code, "统一社会信用代码", required=True, aliases=("credit_code", "信用代码")
        ),
        Column("name", Kind.text, "企业名称", required=True, aliases=("enterprise_name",)),
        Column("county_code", Kind.region, "所在地区", required=True, aliases=("county", "地区")),
        Column("industry_section", Kind.industry, "行业门类", aliases=("section",)),
        Column("industry_division", Kind.code, "行业代码", codes=DIVISIONS, aliases=("division",)),
        Column(
            "size_class",
            Kind.code,
            "规模",
            codes={"规上": "规上", "规下": "规下"},
            description="规上 = above designated size",
        ),
        Column("epidemic_supplies", Kind.boolean, "防疫物资"),
        Column("daily_necessities", Kind.boolean, "生活必需品"),
        Column("utilities", Kind.boolean, "公用事业"),
        Column("exporter", Kind.boolean, "外贸出口"),
        Column("key_project", Kind.boolean, "重点项目"),
        Column("employees", Kind.integer, "从业人数", minimum=0, unit="人"),
        Column("established_on", Kind.date, "成立日期"),
    ),
)
