"""人口库 — residents: registered home, residence, household, phone."""

from fugong.hub.contracts.base import Column, Contract, Kind

CONTRACT = Contract(
    name="persons",
    version="1.0",
    title="人口基础信息",
    owner="省公安厅（人口库）",
    update_frequency="weekly",
    mode="upsert",
    keys=("person_key",),
    formats=("csv", "xlsx"),
    description="One row per resident. Names are checked and dropped: the lake keeps pseudonymous keys only.",
    columns=(
        Column("person_key", Kind.id_number, "身份证号", required=True),
        Column("name", Kind.text, "姓名", keep=False, personal=True),
        Column("sex", Kind.code, "性别", codes={"男": "男", "女": "女"}),
        Column("birth_date", Kind.date, "出生日期", personal=True),
        Column("household_region", Kind.region, "户籍地", region_level="national"),
        Column("residence_code", Kind.region, "现住址", required=True),
        Column("community_code", Kind.text, "现住村社区"),
        Column("phone_key", Kind.phone, "手机号"),
        Column("smartphone", Kind.boolean, "智能手机"),
        Column("household_id", Kind.text, "户号", personal=True),
        Column(
            "household_relation",
            Kind.code,
            "与户主关系",
            codes={c: c for c in ("户主", "配偶", "子女", "父母", "孙子女", "其他")},
        ),
    ),
)
