"""Feed contracts (数据契约): one module per department feed, each defining ``CONTRACT``."""

from fugong.hub.contracts import (
    cdc_cases,
    cdc_contacts,
    checkpoint_places,
    checkpoint_scans,
    county_stats,
    employees,
    grid_accounts,
    grid_readings,
    market_registry,
    org_units,
    persons,
    supply_links,
    telecom_stays,
)
from fugong.hub.contracts.base import Column, Contract, Kind

BUILTIN_CONTRACTS: tuple[Contract, ...] = tuple(
    m.CONTRACT
    for m in (
        market_registry,
        supply_links,
        grid_accounts,
        grid_readings,
        cdc_cases,
        cdc_contacts,
        persons,
        telecom_stays,
        checkpoint_places,
        checkpoint_scans,
        employees,
        county_stats,
        org_units,
    )
)

__all__ = ["BUILTIN_CONTRACTS", "Column", "Contract", "Kind"]
