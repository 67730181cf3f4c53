"""The review queue's order (优先顺序) as data: a points rule shown to the reviewer, read from priority.json.

The default follows Zhejiang's policy of February 2020: epidemic-prevention supplies and daily necessities first,
then firms in low-risk counties, then by size. Terms are weighted so each one outranks everything after it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from fugong.enterprise.models import EntEnterprise
from fugong.errors import InvalidInput


@dataclass(frozen=True)
class PriorityRule:
    """A rule: its id, its title, the SLA for a review, and its terms (each a label and how it scores)."""

    id: str
    title: str
    sla_hours: int
    terms: tuple[dict[str, Any], ...]

    def score(self, enterprise: EntEnterprise, county_colour: str | None, workforce: int) -> int:
        """Points of a firm: the higher, the earlier it is reviewed."""
        total = 0
        for term in self.terms:
            if "flags" in term:
                total += term["points"] if any(getattr(enterprise, f) for f in term["flags"]) else 0
            elif "county_colour" in term:
                total += int(term["county_colour"].get(county_colour or "", 0))
            elif "size_class" in term:
                total += int(term["size_class"].get(enterprise.size_class or "", 0))
            elif "workforce_per" in term:
                total += min(int(term["max"]), max(workforce, 0) // int(term["workforce_per"]))
        return total

    def as_json(self) -> dict[str, Any]:
        """The rule as the reviewer sees it."""
        return {"id": self.id, "title": self.title, "sla_hours": self.sla_hours, "terms": list(self.terms)}


_KINDS = ("flags", "county_colour", "size_class", "workforce_per")


def parse_rule(text: str) -> PriorityRule:
    """A rule from its JSON text; a term of unknown kind is a clear error."""
    try:
        data = json.loads(text)
        terms = tuple(data["terms"])
        for n, term in enumerate(terms):
            if not any(kind in term for kind in _KINDS) or "label" not in term:
                raise InvalidInput(f"priority term {n + 1} needs a label and one of {', '.join(_KINDS)}", field="terms")
        return PriorityRule(str(data["id"]), str(data["title"]), int(data["sla_hours"]), terms)
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidInput(f"not a priority rule: {exc}", field="priority") from None


@lru_cache(maxsize=1)
def default_rule() -> PriorityRule:
    """The shipped rule (priority.json in this package)."""
    return parse_rule((resources.files("fugong.enterprise") / "priority.json").read_text(encoding="utf-8"))
