"""卡口扫码 — scans at checkpoints, with body temperature and the decision."""

from fugong.hub.contracts.base import Column, Contract, Kind

CONTRACT = Contract(
    name="checkpoint_scans",
    version="1.0",
    title="卡口扫码记录",
    owner="省大数据发展管理局",
    update_frequency="daily",
    mode="append",
    keys=("place_id", "person_key", "scanned_at"),
    partition_by="scanned_at",
    formats=("csv", "jsonl", "parquet"),
    description="One row per scan: place, person, time, temperature (37.3 °C and above is a fever), pass or refuse.",
    columns=(
        Column("place_id", Kind.text, "场所编码", required=True),
        Column("person_key", Kind.id_number, "身份证号", required=True),
        Column("scanned_at", Kind.timestamp, "扫码时间", required=True),
        Column("temperature", Kind.number, "体温", required=True, unit="°C", minimum=30, maximum=45, decimals=1),
        Column("result", Kind.code, "核验结果", codes={"通行": "通行", "劝返": "劝返"}),
    ),
)
