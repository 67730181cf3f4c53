"""Province in a box: a calibrated synthetic Zhejiang that writes every department's feed, dirty, with ground truth.

``generate(out_dir, scale="tiny")`` writes ``out_dir/feeds``, ``out_dir/truth`` and ``out_dir/manifest.json``;
see docs/simulator.md for every feed, the dirt and the calibration.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from fugong.sim.dirt import DEFAULT_DIRT, KINDS
from fugong.sim.manifest import FeedFile, Manifest, Scale
from fugong.sim.scales import SCALES, InvalidCounties, InvalidDirt, InvalidPeriod, InvalidScale, check_request, restrict

DEFAULT_START, DEFAULT_END = date(2019, 10, 1), date(2020, 3, 31)
FEEDS = (
    "market_registry",
    "supply_links",
    "grid_accounts",
    "grid_readings",
    "cdc_cases",
    "cdc_contacts",
    "persons",
    "telecom_stays",
    "checkpoint_places",
    "checkpoint_scans",
    "employees",
    "county_stats",
    "org_units",
)


def generate(
    out_dir: Path,
    *,
    scale: Scale = "tiny",
    seed: int = 2020,
    start: date = DEFAULT_START,
    end: date = DEFAULT_END,
    dirt: float = DEFAULT_DIRT,
    progress: bool = False,
    counties: Sequence[str] | None = None,
) -> Manifest:
    """Simulate the province into ``out_dir`` (its feeds/ and truth/ are replaced); return the manifest.

    ``counties`` limits the simulated counties at the scale's density (for benchmarks); CDC cases, statistics and
    villages still cover the province.
    """
    from fugong.sim.build import run

    spec = check_request(scale, start, end, dirt)
    if counties is not None:
        spec = restrict(spec, counties, int(seed))
    return run(Path(out_dir), spec, int(seed), start, end, float(dirt), progress)


def tiny_province(out_dir: Path, seed: int = 2020, dirt: float = DEFAULT_DIRT) -> Manifest:
    """A tiny province (3 counties, ~200 enterprises) for tests: a few seconds."""
    return generate(out_dir, scale="tiny", seed=seed, dirt=dirt)


__all__ = [
    "DEFAULT_DIRT",
    "FEEDS",
    "KINDS",
    "SCALES",
    "FeedFile",
    "InvalidCounties",
    "InvalidDirt",
    "InvalidPeriod",
    "InvalidScale",
    "Manifest",
    "generate",
    "tiny_province",
]
