"""The demo step of the county monitor: compute the cockpit's figures once after the ingest, kept on disk."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fugong.errors import FugongError

if TYPE_CHECKING:
    from fugong.demo import DemoOptions


def warm_step(options: DemoOptions) -> str:
    """Grade the lake's cases and compute the resumption figures, so the first view of /riskmap reads them."""
    from fugong.riskmap.cockpit import warm  # imported here: the demo module loads with every fugong command

    try:
        result = warm(options.settings)
    except FugongError as exc:  # no case data in this lake: the cockpit says so itself
        return f"nothing to warm: {exc.detail}"
    power = f"; resumption {result['resumption_days']} days from {result['power']}" if "power" in result else ""
    error = f"; no resumption figures: {result['resumption_error']}" if "resumption_error" in result else ""
    return f"{result['grades']:,} grades from {result['cases']}{power}{error}, kept under the data folder's cache/"
