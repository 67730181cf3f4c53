"""电力户号 — power accounts from the grid's meter data management system."""

from fugong.hub.contracts.base import Column, Contract, Kind
from fugong.hub.contracts.market_registry import DIVISIONS

CONTRACT = Contract(
    name="grid_accounts",
    version="1.0",
    title="电力用户档案",
    owner="国网浙江省电力有限公司",
    update_frequency="weekly",
    mode="upsert",
    keys=("account_id",),
    formats=("parquet", "csv"),
    description="One row per power account: its enterprise (if matched), county, industry, voltage, opening date.",
    columns=(
        Column("account_id", Kind.text, "户号", required=True),
        Column("enterprise_key", Kind.credit_code, "统一社会信用代码", aliases=("credit_code",)),
        Column("account_name", Kind.text, "户名"),
        Column("county_code", Kind.region, "所在县区", required=True),
        Column("industry_division", Kind.code, "行业代码", codes=DIVISIONS, aliases=("industry_code",)),
        Column("voltage_kv", Kind.number, "电压等级", unit="kV", minimum=0),
        Column("opened_on", Kind.date, "立户日期"),
    ),
)
