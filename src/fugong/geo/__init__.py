"""Geography: GB/T 2260 divisions with their history, county boundaries, GB/T 4754 industries and sectors."""

from fugong.geo.boundaries import load_boundaries
from fugong.geo.divisions import Division, Gazetteer, UnknownDivision, load_gazetteer, province_folder
from fugong.geo.industries import (
    IndustrySection,
    UnknownIndustry,
    section,
    section_of_division,
    sections,
    sector_of_division,
)

__all__ = [
    "Division",
    "Gazetteer",
    "IndustrySection",
    "UnknownDivision",
    "UnknownIndustry",
    "load_boundaries",
    "load_gazetteer",
    "province_folder",
    "section",
    "section_of_division",
    "sections",
    "sector_of_division",
]
