"""员工名单 — employees as enterprises upload them, with returns from outside the province."""

from fugong.hub.contracts.base import Column, Contract, Kind, KnownIn

CONTRACT = Contract(
    name="employees",
    version="1.0",
    title="企业员工名单",
    owner="企业（经县区复工专班）",
    update_frequency="on change",
    mode="upsert",
    keys=("enterprise_key", "person_key"),
    formats=("xlsx", "csv"),
    description="One row per employee of an enterprise; whether and when they came back from outside Zhejiang.",
    columns=(
        Column("enterprise_key", Kind.credit_code, "统一社会信用代码", required=True),
        Column("enterprise_name", Kind.text, "企业名称"),
        Column("name", Kind.text, "姓名", keep=False, personal=True),
        Column("person_key", Kind.id_number, "身份证号", required=True),
        # Some employees have no mobile phone; the cell must be filled when the population register has one.
        Column("phone_key", Kind.phone, "手机号", required_when_known=KnownIn("persons", "person_key", "phone_key")),
        Column("household_region", Kind.region, "户籍地", region_level="national"),
        Column("returned_from_outside", Kind.boolean, "是否省外返回"),
        Column("returned_from", Kind.region, "返回出发地", region_level="national"),
        Column("arrived_on", Kind.date, "抵达日期"),
    ),
)
