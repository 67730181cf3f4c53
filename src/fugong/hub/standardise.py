"""Standardise (标准化) each column's text into the lake's form, and say when that changed or failed.

Cheap conversions (numbers, units, dates, booleans, code lists) are SQL expressions evaluated by DuckDB.
Conversions that need Python (regions through the gazetteer, industries, ID numbers and credit codes through
python-stdnum and the keyed pseudonym) run once per DISTINCT value and join back as a small mapping table.
Every column yields three expressions: the standard value, an error reason (or NULL) and a fix kind (or NULL,
when the value was standardised from another form: a region name, a date written 2020/2/1, …).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
from stdnum import numdb

from fugong.geo import Gazetteer, UnknownDivision, section, section_of_division, sections
from fugong.hub.contracts.base import Column, Kind
from fugong.hub.pseudonyms import InvalidIdentifier, Pseudonymiser
from fugong.hub.sources import load_table, sql_string

NULL_TOKENS = ("", "null", "none", "n/a", "na", "#n/a", "\\n", "-", "--", "—", "nan")
DATE_FORMATS = (
    "%Y/%m/%d",
    "%Y.%m.%d",
    "%Y%m%d",
    "%Y年%m月%d日",
    "%Y-%m-%d %H:%M:%S",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
)
TIMESTAMP_FORMATS = (
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%d %H:%M",
    "%Y%m%d%H%M%S",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
    "%Y-%m-%dT%H:%M:%S%z",
    "%Y-%m-%d",
    "%Y/%m/%d",
)
TRUE_WORDS = ("1", "true", "t", "yes", "y", "是", "有", "√")
FALSE_WORDS = ("0", "false", "f", "no", "n", "否", "无", "×")
# Free-text industry words that name no section outright; section names themselves are matched first.
INDUSTRY_WORDS: dict[str, str] = {
    "农": "A",
    "林": "A",
    "牧": "A",
    "渔": "A",
    "养殖": "A",
    "种植": "A",
    "矿": "B",
    "工业": "C",
    "制造": "C",
    "加工": "C",
    "工厂": "C",
    "纺织": "C",
    "服装": "C",
    "机械": "C",
    "化工": "C",
    "电力": "D",
    "热力": "D",
    "燃气": "D",
    "供水": "D",
    "水务": "D",
    "建筑": "E",
    "建设": "E",
    "施工": "E",
    "装修": "E",
    "批发": "F",
    "零售": "F",
    "商贸": "F",
    "贸易": "F",
    "超市": "F",
    "商店": "F",
    "运输": "G",
    "物流": "G",
    "仓储": "G",
    "快递": "G",
    "邮政": "G",
    "住宿": "H",
    "餐饮": "H",
    "酒店": "H",
    "饭店": "H",
    "软件": "I",
    "信息": "I",
    "互联网": "I",
    "电信": "I",
    "金融": "J",
    "银行": "J",
    "保险": "J",
    "证券": "J",
    "房地产": "K",
    "物业": "K",
    "租赁": "L",
    "商务服务": "L",
    "科研": "M",
    "科学研究": "M",
    "技术服务": "M",
    "水利": "N",
    "环境": "N",
    "公共设施": "N",
    "居民服务": "O",
    "修理": "O",
    "教育": "P",
    "学校": "P",
    "培训": "P",
    "卫生": "Q",
    "医院": "Q",
    "医疗": "Q",
    "社会工作": "Q",
    "文化": "R",
    "体育": "R",
    "娱乐": "R",
    "公共管理": "S",
    "社会保障": "S",
    "社会组织": "S",
    "国际组织": "T",
}


@dataclass(frozen=True)
class Standardised:
    """SQL for one column, in the placeholders ``{r}`` (cleaned text), ``{p}`` (direct value), ``{v}`` (value).

    ``direct`` is the cheap conversion every row takes; ``fallback`` parses only the rows it left NULL;
    ``error`` gives a reason (or NULL) and ``fix`` the kind of standardisation applied (or NULL). ``extras``
    are further columns computed beside ``direct`` (from joined mapping tables), named by their placeholders.
    """

    direct: str
    fallback: str | None = None
    error: str = "NULL"
    fix: str = "NULL"
    joins: tuple[str, ...] = field(default=())
    extras: dict[str, str] = field(default_factory=dict)


def clean(expression: str) -> str:
    """SQL: the text trimmed (of spaces, also full-width ones), with empty strings and null words as NULL."""
    tokens = ", ".join(sql_string(t) for t in NULL_TOKENS)
    short = max(len(t.encode()) for t in NULL_TOKENS) + 2
    # Most values are longer than any null word and start and end with a printable ASCII character, which trim
    # leaves alone: they pass as they are, sparing a trimmed copy of every value (a big share of the cost).
    # Null words are short: the length test spares the lower-casing of every other value.
    return (
        f"CASE WHEN strlen({expression}) > {short} AND ord({expression}) BETWEEN 33 AND 126 "
        f"AND ord(right({expression}, 1)) BETWEEN 33 AND 126 THEN {expression} "
        f"WHEN strlen({expression}) <= {short} "
        f"AND lower(trim({expression})) IN ({tokens}) THEN NULL ELSE nullif(trim({expression}), '') END"
    )


def _list(values: tuple[str, ...]) -> str:
    return "[" + ", ".join(sql_string(v) for v in values) + "]"


# The text of rows the direct conversion left NULL. DuckDB hoists an expression used twice out of the CASE or
# coalesce around it and runs it on every row: parses take this, so that on converted rows they see NULL (cheap).
_UNPARSED = "(CASE WHEN {p} IS NULL THEN {r} END)"


def _not_parsed(reason: str) -> str:
    return f"CASE WHEN {{r}} IS NOT NULL AND {{v}} IS NULL THEN '{reason}' END"


def _number(column: Column, target: str) -> Standardised:
    """Plain numbers cast directly; '1,234', '12.5 MWh' and the like go through a parse with unit factors."""
    factors = {column.unit or "": 1.0, **column.unit_factors} if column.unit else dict(column.unit_factors)
    pattern = r"^([-+]?[0-9][0-9,]*(\.[0-9]*)?([eE][-+]?[0-9]+)?)\s*(\S*)$"
    number = f"TRY_CAST(replace(regexp_extract({_UNPARSED}, {sql_string(pattern)}, 1), ',', '') AS DOUBLE)"
    unit = f"regexp_extract({_UNPARSED}, {sql_string(pattern)}, 4)"
    cases = " ".join(f"WHEN {sql_string(u.lower())} THEN {f!r}" for u, f in factors.items() if u)
    factor = f"CASE lower({unit}) WHEN '' THEN 1.0 {cases} END"
    scaled = f"({number} * {factor})"
    fallback = f"TRY_CAST({scaled} AS {target})"
    if target == "BIGINT":
        fallback = f"CASE WHEN {scaled} = round({scaled}) THEN TRY_CAST({scaled} AS BIGINT) END"
    # Not the unit expression of the parse: a shared expression would be hoisted and run on every row.
    fix = (
        "CASE WHEN {p} IS NULL AND {v} IS NOT NULL THEN "
        "CASE WHEN regexp_matches({r}, '[^0-9.,eE+\\-\\s]') THEN 'unit_converted' ELSE 'number_format' END END"
    )
    return Standardised(f"TRY_CAST({{r}} AS {target})", fallback, _not_parsed("not_a_number"), fix)


def _date() -> Standardised:
    serial = (
        f"CASE WHEN regexp_full_match({_UNPARSED}, '[1-6][0-9]{{4}}') THEN DATE '1899-12-30' "
        f"+ TRY_CAST({_UNPARSED} AS INTEGER) END"
    )
    fallback = f"coalesce(TRY_CAST(try_strptime({_UNPARSED}, {_list(DATE_FORMATS)}) AS DATE), {serial})"
    # A date is ISO only when its text is exactly YYYY-MM-DD: '2020/2/1' and '2020-2-1' cast, but are still fixes.
    fix = "CASE WHEN {v} IS NOT NULL AND NOT ({r} LIKE '____-__-__') THEN 'date_format' END"
    return Standardised("TRY_CAST({r} AS DATE)", fallback, _not_parsed("bad_date"), fix)


def _timestamp() -> Standardised:
    fallback = f"TRY_CAST(try_strptime({_UNPARSED}, {_list(TIMESTAMP_FORMATS)}) AS TIMESTAMP)"
    iso = "({r} LIKE '____-__-__ __:__:__' OR {r} LIKE '____-__-__T__:__:__' OR {r} LIKE '____-__-__ __:__')"
    fix = f"CASE WHEN {{v}} IS NOT NULL AND NOT {iso} THEN 'date_format' END"
    return Standardised("TRY_CAST({r} AS TIMESTAMP)", fallback, _not_parsed("bad_timestamp"), fix)


def _boolean() -> Standardised:
    words = f"WHEN lower({{r}}) IN {tuple(TRUE_WORDS)} THEN true WHEN lower({{r}}) IN {tuple(FALSE_WORDS)} THEN false"
    direct = f"CASE {words} END"
    # 是/否, Y/N and 1/0 are all ordinary ways to write a flag: no fix is recorded for them.
    return Standardised(direct, None, _not_parsed("not_a_boolean"))


def _code(column: Column) -> Standardised:
    assert column.codes is not None
    codes = {**{v: v for v in column.codes.values()}, **column.codes}
    cases = " ".join(f"WHEN {sql_string(k.lower())} THEN {sql_string(v)}" for k, v in codes.items())
    fix = "CASE WHEN {v} IS NOT NULL AND {r} <> {v} THEN 'code_alias' END"
    return Standardised(f"CASE lower({{r}}) {cases} END", None, _not_parsed("not_in_code_list"), fix)


Mapper = Callable[[str], tuple[str | None, str | None, str | None]]


class Standardiser:
    """Standardises the columns of one ingest; per-value results are cached across its sources."""

    def __init__(
        self, con: duckdb.DuckDBPyConnection, gazetteer: Gazetteer, pseudonymiser: Pseudonymiser, folder: Path
    ) -> None:
        self.con = con
        self.folder = folder
        self.gazetteer = gazetteer
        self.pseudonymiser = pseudonymiser
        self._cache: dict[tuple[str, str], tuple[str | None, str | None, str | None]] = {}
        self._tables = 0

    def column(self, column: Column, text: str, relation: str) -> Standardised:
        """The standardising SQL for ``column``, whose cleaned text is column ``text`` of ``relation``."""
        kind = column.kind
        if kind in (Kind.text, Kind.person_key):
            return Standardised("{r}")
        if kind is Kind.number:
            return _number(column, column.sql_type)
        if kind is Kind.integer:
            return _number(column, "BIGINT")
        if kind is Kind.date:
            return _date()
        if kind is Kind.timestamp:
            return _timestamp()
        if kind is Kind.boolean:
            return _boolean()
        if kind is Kind.code:
            return _code(column)
        return self._mapped(column, text, relation)

    def _mapper(self, column: Column) -> Mapper:
        mappers: dict[Kind, Mapper] = {
            Kind.region: lambda v: self._region(v, column.region_level),
            Kind.industry: self._industry,
            Kind.id_number: lambda v: self._identifier(v, self.pseudonymiser.person),
            Kind.credit_code: lambda v: self._identifier(v, self.pseudonymiser.enterprise),
            Kind.phone: lambda v: self._identifier(v, self.pseudonymiser.phone),
        }
        return mappers[column.kind]

    def _mapped(self, column: Column, text: str, relation: str) -> Standardised:
        """Map each distinct value once in Python and join the results back."""
        mapper = self._mapper(column)
        distinct = self.con.execute(f"SELECT DISTINCT {text} FROM {relation} AS l1 WHERE {text} IS NOT NULL").fetchall()
        values, results = [], []
        for (value,) in distinct:
            key = (f"{column.kind}:{column.region_level}", value)
            if key not in self._cache:
                self._cache[key] = mapper(value)
            values.append(value)
            results.append(self._cache[key])
        self._tables += 1
        table = f"map_{self._tables}"
        arrow = pa.table(
            {
                "raw": pa.array(values, pa.string()),
                "value": pa.array([v for v, _, _ in results], pa.string()),
                "error": pa.array([e for _, e, _ in results], pa.string()),
                "fix": pa.array([f for _, _, f in results], pa.string()),
            }
        )
        load_table(self.con, table, arrow, self.folder)
        return Standardised(
            direct=f"{table}.value",
            error="{me}",
            fix="{mf}",
            joins=(f"LEFT JOIN {table} ON {table}.raw = {text}",),
            extras={"me": f"{table}.error", "mf": f"{table}.fix"},
        )

    def _region(self, text: str, level: str) -> tuple[str | None, str | None, str | None]:
        try:
            division = self.gazetteer.lookup(text, level="county" if level == "county" else None)
        except UnknownDivision as exc:
            if level == "national" and national_region(text, self.gazetteer.province.code[:2]):
                return text, None, None
            return None, "ambiguous_region" if "ambiguous" in exc.detail else "unknown_region", None
        if text == division.code:
            return division.code, None, None
        if text.isdigit():
            return division.code, None, "old_region_code"
        if text == division.short_name:
            return division.code, None, "region_short_name"
        return division.code, None, "region_name"

    def _industry(self, text: str) -> tuple[str | None, str | None, str | None]:
        found = industry_section(text)
        if found is None:
            return None, "unknown_industry", None
        return found, None, None if text == found else "industry_text"

    @staticmethod
    def _identifier(text: str, pseudonymise: Callable[[str], str]) -> tuple[str | None, str | None, str | None]:
        try:
            return pseudonymise(text), None, None
        except InvalidIdentifier as exc:
            return None, exc.reason, None


def national_region(code: str, home_province: str) -> bool:
    """Whether a six-digit code outside the home province is a GB/T 2260 code (stdnum's national register)."""
    if len(code) != 6 or not code.isdigit() or code.startswith(home_province):
        return False
    parts = numdb.get("cn/loc").info(code)
    return len(parts) == 2 and all(props for _, props in parts)


def industry_section(text: str) -> str | None:
    """The GB/T 4754 section letter of a section letter, a division or class code, or industry words."""
    value = text.strip()
    if len(value) == 1 and value.isalpha():
        try:
            return section(value).code
        except Exception:
            return None
    if value.isdigit() and len(value) in (2, 3, 4):
        try:
            return section_of_division(value[:2]).code
        except Exception:
            return None
    if len(value) >= 2 and value[0].isalpha() and value[0].isascii() and value[1:].isdigit():
        return industry_section(value[1:])  # "C13", "C1310": section letter then code
    for s in sections():
        if value in (s.name_zh, s.name_en) or value.rstrip("业") == s.name_zh.rstrip("业"):
            return s.code
    matches = {letter for word, letter in INDUSTRY_WORDS.items() if word in value} | {
        s.code for s in sections() for part in _section_words(s.name_zh) if part in value
    }
    return matches.pop() if len(matches) == 1 else None


def _section_words(name: str) -> list[str]:
    parts = [name.rstrip("业")]
    for separator in ("、", "和"):
        parts = [p for part in parts for p in part.split(separator)]
    return [p.rstrip("业") for p in parts if len(p.rstrip("业")) >= 2]
