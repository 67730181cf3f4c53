"""运营商驻留 — where each phone stayed, and from when to when (signalling data)."""

from fugong.hub.contracts.base import Column, Contract, Kind

CONTRACT = Contract(
    name="telecom_stays",
    version="1.0",
    title="手机信令驻留",
    owner="通信运营商（移动、联通、电信）",
    update_frequency="daily",
    mode="append",
    keys=("phone_key", "region_code", "first_day"),
    partition_by="first_day",
    formats=("jsonl", "csv", "parquet"),
    description="One row per stay of a phone in a region (a Zhejiang county, or a city or province elsewhere).",
    columns=(
        Column("phone_key", Kind.phone, "手机号", required=True, aliases=("msisdn",)),
        Column("person_key", Kind.id_number, "身份证号", aliases=("id_number",)),
        Column("region_code", Kind.region, "地区", required=True, region_level="national"),
        Column("first_day", Kind.date, "首次出现日期", required=True),
        Column("last_day", Kind.date, "末次出现日期", required=True),
    ),
)
