"""The shape of a feed contract (数据契约): columns, kinds, code lists, keys, units, owner and cadence.

A contract is plain data. Every stage reads it: the reader maps headers to columns, the standardiser and
validator turn each column's kind into SQL, the lake partitions by its date column and dedupes by its keys,
and the catalog shows it to people.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Literal

from fugong.errors import InvalidInput

RESERVED_COLUMNS = frozenset({"date", "_source", "_line"})
"""Names the lake adds itself: the partition column and the lineage columns."""


class Kind(StrEnum):
    """What a column holds; each kind has its own standardisation and checks."""

    text = "text"
    code = "code"  # one of a code list
    integer = "integer"
    number = "number"
    boolean = "boolean"
    date = "date"
    timestamp = "timestamp"
    region = "region"  # GB/T 2260 division → current six-digit code
    industry = "industry"  # GB/T 4754 section letter, division or free text → section letter
    id_number = "id_number"  # resident ID (GB 11643) → keyed pseudonym
    credit_code = "credit_code"  # unified social credit code (GB 32100) → keyed pseudonym
    phone = "phone"  # mainland mobile number → keyed pseudonym
    person_key = "person_key"  # a key the sender already pseudonymised; kept as is


PSEUDONYMISED = frozenset({Kind.id_number, Kind.credit_code, Kind.phone})
TYPED_KINDS = frozenset({Kind.number, Kind.integer, Kind.date, Kind.timestamp})
"""Kinds a reader may deliver already typed (a typed CSV parse, a Parquet column); other kinds come as text."""
TYPED_SUFFIX = "__typed"
_PERSONAL_BY_DEFAULT = frozenset({Kind.id_number, Kind.phone, Kind.person_key})

SQL_TYPES: Mapping[Kind, str] = MappingProxyType(
    {
        Kind.text: "VARCHAR",
        Kind.code: "VARCHAR",
        Kind.integer: "BIGINT",
        Kind.number: "DOUBLE",
        Kind.boolean: "BOOLEAN",
        Kind.date: "DATE",
        Kind.timestamp: "TIMESTAMP",
        Kind.region: "VARCHAR",
        Kind.industry: "VARCHAR",
        Kind.id_number: "VARCHAR",
        Kind.credit_code: "VARCHAR",
        Kind.phone: "VARCHAR",
        Kind.person_key: "VARCHAR",
    }
)


@dataclass(frozen=True)
class KnownIn:
    """A register that says when an optional value must be present: ``dataset`` holds ``column`` for ``key``.

    An employee's phone may be empty (some people have none), but not when the population register holds a
    phone for that person: then the empty cell is a lost value, quarantined as ``missing_value``.
    """

    dataset: str
    key: str
    column: str


@dataclass(frozen=True)
class Column:
    """One column of a feed as the department sends it and as the lake keeps it."""

    name: str
    kind: Kind
    title: str = ""
    required: bool = False
    aliases: tuple[str, ...] = ()
    codes: Mapping[str, str] | None = None
    unit: str | None = None
    unit_factors: Mapping[str, float] = field(default_factory=dict)
    minimum: float | None = None
    maximum: float | None = None
    decimals: int | None = None
    region_level: Literal["county", "province", "national"] = "county"
    personal: bool | None = None
    keep: bool = True
    required_when_known: KnownIn | None = None
    description: str = ""

    @property
    def is_personal(self) -> bool:
        """Whether reading this column is a read of personal data (audited)."""
        return self.personal if self.personal is not None else self.kind in _PERSONAL_BY_DEFAULT

    @property
    def is_sensitive(self) -> bool:
        """Whether raw text of this column must not reach the lake, even in the quarantine (masked there)."""
        return self.is_personal or self.kind in PSEUDONYMISED or not self.keep

    @property
    def sql_type(self) -> str:
        """The DuckDB type the lake stores this column as."""
        if self.kind is Kind.number and self.decimals is not None:
            return f"DECIMAL(18, {self.decimals})"
        return SQL_TYPES[self.kind]

    def header_names(self) -> tuple[str, ...]:
        """Every header this column is recognised by: its name, its title and its aliases."""
        return tuple(dict.fromkeys(n for n in (self.name, self.title, *self.aliases) if n))


@dataclass(frozen=True)
class Contract:
    """A versioned promise about one department feed: what it holds, who owns it, how often it comes.

    ``mode`` says how a new file changes the dataset: ``append`` adds events (a key already in the lake is a
    duplicate); ``upsert`` updates a register (a row replaces the lake's row with the same key).
    """

    name: str
    version: str
    title: str
    owner: str
    update_frequency: str
    columns: tuple[Column, ...]
    keys: tuple[str, ...]
    partition_by: str | None = None
    mode: Literal["append", "upsert"] = "append"
    formats: tuple[str, ...] = ("csv", "xlsx", "jsonl", "parquet")
    description: str = ""

    def __post_init__(self) -> None:
        names = [c.name for c in self.columns]
        problems = []
        if len(set(names)) != len(names):
            problems.append("column names repeat")
        if clash := RESERVED_COLUMNS.intersection(names):
            problems.append(f"reserved column names {sorted(clash)}")
        if missing := [k for k in self.keys if k not in names]:
            problems.append(f"keys {missing} are not columns")
        if self.mode == "upsert" and self.partition_by is not None:
            problems.append("an upsert feed is kept whole and cannot be partitioned")
        if self.partition_by is not None:
            kind = self.column(self.partition_by).kind if self.partition_by in names else None
            if kind not in (Kind.date, Kind.timestamp) or not self.column(self.partition_by).required:
                problems.append(f"partition_by {self.partition_by!r} must be a required date or timestamp column")
        for c in self.columns:
            if c.kind is Kind.code and not c.codes:
                problems.append(f"code column {c.name!r} needs a code list")
            if c.name in self.keys and not c.required:
                problems.append(f"key column {c.name!r} must be required")
            if c.name in self.keys and not c.keep:
                problems.append(f"key column {c.name!r} must be kept")
        if problems:
            raise InvalidInput(f"contract {self.name!r}: " + "; ".join(problems), field="contract")

    @property
    def reference(self) -> str:
        """``name@version``, as reports and manifests name the contract."""
        return f"{self.name}@{self.version}"

    def column(self, name: str) -> Column:
        """The column called ``name``."""
        for c in self.columns:
            if c.name == name:
                return c
        raise InvalidInput(f"feed {self.name!r} has no column {name!r}", field="column")

    @property
    def required(self) -> tuple[Column, ...]:
        """Columns every file must have."""
        return tuple(c for c in self.columns if c.required)

    @property
    def kept(self) -> tuple[Column, ...]:
        """Columns written to the lake."""
        return tuple(c for c in self.columns if c.keep)

    @property
    def personal_columns(self) -> tuple[str, ...]:
        """Names of kept columns whose reading is audited."""
        return tuple(c.name for c in self.kept if c.is_personal)

    def match_headers(self, headers: Iterable[str]) -> dict[str, str]:
        """Map a file's headers to column names (case, spaces and full-width forms ignored)."""
        lookup: dict[str, str] = {}
        for c in self.columns:
            for name in c.header_names():
                lookup.setdefault(normalise_header(name), c.name)
        mapping: dict[str, str] = {}
        for header in headers:
            column = lookup.get(normalise_header(header))
            if column is not None and column not in mapping.values():
                mapping[header] = column
        return mapping


def normalise_header(text: str) -> str:
    """A header as compared: NFKC, lower case, without spaces, underscores, dashes or a byte-order mark."""
    folded = unicodedata.normalize("NFKC", text).strip().lower()
    return "".join(ch for ch in folded if ch not in " _-\t\ufeff")
