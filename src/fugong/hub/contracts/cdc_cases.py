"""传染病报告病例 — the CDC's list of suspected and confirmed cases."""

from fugong.hub.contracts.base import Column, Contract, Kind

CONTRACT = Contract(
    name="cdc_cases",
    version="1.0",
    title="病例报告",
    owner="省疾病预防控制中心",
    update_frequency="daily",
    mode="upsert",
    keys=("case_id",),
    formats=("csv", "xlsx"),
    description="One row per person ever suspected or confirmed; dates of each stage; county of residence.",
    columns=(
        Column("case_id", Kind.text, "病例编号", required=True),
        Column("person_key", Kind.id_number, "身份证号"),
        Column("residence_code", Kind.region, "现住址", required=True, region_level="province"),
        Column("classification", Kind.code, "病例分类", codes={c: c for c in ("确诊病例", "疑似病例", "排除病例")}),
        Column(
            "infection_source",
            Kind.code,
            "感染来源",
            codes={c: c for c in ("本地感染", "湖北输入", "其他省份输入", "境外输入", "监所聚集")},
        ),
        Column("cluster_id", Kind.text, "聚集性疫情编号"),
        Column("onset_on", Kind.date, "发病日期"),
        Column("suspected_on", Kind.date, "疑似日期"),
        Column("confirmed_on", Kind.date, "确诊日期"),
        Column("excluded_on", Kind.date, "排除日期"),
        Column("removed_on", Kind.date, "核减日期"),
        Column("removal_reason", Kind.text, "核减原因", description="why the case left the county's count"),
    ),
)
