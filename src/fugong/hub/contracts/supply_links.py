"""供应链 — upstream suppliers of each enterprise, from VAT invoices."""

from fugong.hub.contracts.base import Column, Contract, Kind

CONTRACT = Contract(
    name="supply_links",
    version="1.0",
    title="供应链关系",
    owner="省税务局",
    update_frequency="monthly",
    mode="upsert",
    keys=("buyer_key", "supplier_key"),
    description="One row per (buyer, supplier): the supplier's share of the buyer's purchases.",
    columns=(
        Column("buyer_key", Kind.credit_code, "企业信用代码", required=True),
        Column("supplier_key", Kind.credit_code, "供应商信用代码", required=True),
        Column("purchase_share", Kind.number, "采购占比", required=True, unit="%", minimum=0, maximum=100, decimals=1),
    ),
)
