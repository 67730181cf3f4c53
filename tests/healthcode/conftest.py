"""Fixtures of the health code tests: the shipped rule sets and an editable copy of the province default."""

from __future__ import annotations

import copy
import json
from datetime import date
from typing import Any

import pytest

from fugong.geo import Gazetteer, load_gazetteer
from fugong.healthcode.rules import RuleBook, RuleSet, load_rulebook, shipped_folder


@pytest.fixture
def envelope() -> dict[str, Any]:
    """A fresh copy of the province default's JSON, to edit in a test."""
    content: dict[str, Any] = json.loads((shipped_folder() / "330000-zhejiang-default.json").read_text("utf-8"))
    return copy.deepcopy(content)


@pytest.fixture(scope="session")
def gazetteer() -> Gazetteer:
    """Zhejiang's divisions as of early 2020."""
    return load_gazetteer()


@pytest.fixture(scope="session")
def book(gazetteer: Gazetteer) -> RuleBook:
    """The shipped rule sets."""
    return load_rulebook(gazetteer=gazetteer)


@pytest.fixture(scope="session")
def province(book: RuleBook) -> RuleSet:
    """The province default (Hangzhou's rules), as in force in Hangzhou's 西湖区 on 20 Feb 2020."""
    return book.for_region("330106", date(2020, 2, 20))


@pytest.fixture(scope="session")
def shaoxing(book: RuleBook) -> RuleSet:
    """Shaoxing's variant, as in force in 越城区 on 20 Feb 2020."""
    return book.for_region("330602", date(2020, 2, 20))
