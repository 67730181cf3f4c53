"""日用电量 — daily consumption per power account."""

from fugong.hub.contracts.base import Column, Contract, Kind

# No account draws 10 GWh in a day (a 400 MW load round the clock); larger values are meter resets.
MAX_DAILY_KWH = 10_000_000

CONTRACT = Contract(
    name="grid_readings",
    version="1.0",
    title="日用电量",
    owner="国网浙江省电力有限公司",
    update_frequency="daily",
    mode="append",
    keys=("account_id", "day"),
    partition_by="day",
    formats=("parquet", "csv"),
    description="One row per account per day: kWh of that day, exact to 0.01. Negative or absurd readings are resets.",
    columns=(
        Column("account_id", Kind.text, "户号", required=True),
        Column("day", Kind.date, "日期", required=True, aliases=("reading_date", "数据日期")),
        Column(
            "kwh",
            Kind.number,
            "用电量",
            required=True,
            unit="kWh",
            unit_factors={"MWh": 1000.0, "万千瓦时": 10000.0, "千瓦时": 1.0},
            minimum=0,
            maximum=MAX_DAILY_KWH,
            decimals=2,
            aliases=("用电量(千瓦时)",),
        ),
    ),
)
