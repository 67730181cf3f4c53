"""密切接触者 — close contacts of cases, under medical observation."""

from fugong.hub.contracts.base import Column, Contract, Kind

CONTRACT = Contract(
    name="cdc_contacts",
    version="1.0",
    title="密切接触者",
    owner="省疾病预防控制中心",
    update_frequency="daily",
    mode="upsert",
    keys=("contact_id",),
    formats=("csv", "xlsx"),
    description="One row per close contact of a case: last contact and the 14-day observation.",
    columns=(
        Column("contact_id", Kind.text, "密接编号", required=True),
        Column("case_id", Kind.text, "关联病例编号"),
        Column("person_key", Kind.id_number, "身份证号"),
        Column("relation", Kind.code, "关系", codes={c: c for c in ("家庭成员", "同事", "同乘", "朋友", "其他")}),
        Column("last_contact_on", Kind.date, "末次接触日期", required=True),
        Column("observation_from", Kind.date, "隔离开始日期"),
        Column("observation_to", Kind.date, "隔离解除日期"),
        Column("residence_code", Kind.region, "现住址", region_level="province"),
    ),
)
