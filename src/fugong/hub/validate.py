"""Validate (校验): each column's standard value, the reason it fails (if any) and the fix applied (if any).

The checks for one source are one SQL statement in stages: clean the text (trim, null words), convert
directly, fall back to slower parses only where the direct conversion failed, check required values and
ranges, then mark the row rejected if any column failed. Raw text is kept only where a column failed or was
fixed, and masked for sensitive columns, so the quarantine never holds a readable ID number. Reasons, fix kinds
and raw text travel packed in one JSON column (``_issues``) of the few rows rejected or standardised.
"""

from __future__ import annotations

import itertools
import json

import duckdb

from fugong.hub.contracts.base import TYPED_KINDS, TYPED_SUFFIX, Column, Contract, Kind
from fugong.hub.sources import sql_name, sql_string
from fugong.hub.standardise import Standardised, Standardiser, clean

DATE_RANGE = ("1900-01-01", "2100-12-31")
_names = itertools.count()
ISSUES = "_issues"
"""Stage column holding, as JSON and only on rows rejected or standardised, their reasons, fix kinds and raw text."""
MAPPED_KINDS = frozenset({Kind.region, Kind.industry, Kind.id_number, Kind.credit_code, Kind.phone})
# Typed kinds come typed from the reader or as text cast directly, untrimmed (a cast ignores spaces): only the
# rows the cast fails pay for cleaning and the slower parses.
CAST_KINDS = TYPED_KINDS


def error_column(name: str) -> str:
    """Stage column holding ``name``'s failure reason."""
    return f"_e_{name}"


def fix_column(name: str) -> str:
    """Stage column holding the kind of fix applied to ``name``."""
    return f"_f_{name}"


def text_column(name: str) -> str:
    """Stage column holding ``name``'s raw text where it failed or was fixed."""
    return f"_r_{name}"


def issue_columns(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The columns packed in the stage's ``_issues`` (error and fix columns exist only where a check can fire;
    none when no row was rejected or standardised)."""
    found = con.execute(f"SELECT json_keys({ISSUES}) FROM stage WHERE {ISSUES} IS NOT NULL LIMIT 1").fetchall()
    return [str(name) for name in found[0][0]] if found else []


def unpacked(con: duckdb.DuckDBPyConnection, alias: str) -> str:
    """SQL: the columns packed in ``_issues`` of stage rows aliased ``alias``, as columns (all text)."""
    names = issue_columns(con)
    if not names:
        return ", ".join(f"NULL::VARCHAR AS {n}" for n in ("_malformed", "_raw"))
    structure = "{" + ", ".join(f'{json.dumps(n)}: "VARCHAR"' for n in names) + "}"
    return f"unnest(from_json({alias}.{ISSUES}, {sql_string(structure)}))"


def mask(expression: str) -> str:
    """SQL: text with all but its first four and last two characters starred."""
    return (
        f"CASE WHEN length({expression}) > 6 THEN left({expression}, 4) || repeat('*', length({expression}) - 6) "
        f"|| right({expression}, 2) ELSE repeat('*', length({expression})) END"
    )


def _range(column: Column, v: str) -> str:
    """SQL: 'below_minimum' / 'above_maximum' for values outside the column's range, else NULL."""
    low: str | None = None
    high: str | None = None
    if column.kind in (Kind.number, Kind.integer):
        low = None if column.minimum is None else repr(column.minimum)
        high = None if column.maximum is None else repr(column.maximum)
    elif column.kind in (Kind.date, Kind.timestamp):
        low, high = f"DATE '{DATE_RANGE[0]}'", f"DATE '{DATE_RANGE[1]}'"
    checks = []
    if low is not None:
        checks.append(f"WHEN {v} < {low} THEN 'below_minimum'")
    if high is not None:
        checks.append(f"WHEN {v} > {high} THEN 'above_maximum'")
    return f"CASE {' '.join(checks)} END" if checks else "NULL"


def _fill(template: str, names: dict[str, str]) -> str:
    for placeholder, name in names.items():
        template = template.replace("{" + placeholder + "}", name)
    return template


def _texts(contract: Contract) -> str:
    """SQL of each column's text as the checks take it: typed kinds raw and typed, other kinds cleaned."""
    return ", ".join(
        f"{sql_name(c.name)} AS {sql_name('_x_' + c.name)}, "
        f"{sql_name(c.name + TYPED_SUFFIX)} AS {sql_name('_y_' + c.name)}"
        if c.kind in CAST_KINDS
        else f"{clean(sql_name(c.name))} AS {sql_name('_t_' + c.name)}"
        for c in contract.columns
    )


def _declare_sources(con: duckdb.DuckDBPyConnection, ids: list[str]) -> str:
    """SQL turning ``_source`` into an ENUM of this ingest's source ids: one byte a row in the stage, and
    written to Parquet as the dictionary of its values (a text column that needs no hashing per row)."""
    con.execute(f"CREATE TYPE source_id AS ENUM ({', '.join(sql_string(i) for i in ids)})")
    return "CAST(_source AS source_id) AS _source"


def create_stage(
    con: duckdb.DuckDBPyConnection,
    contract: Contract,
    sources: list[tuple[str, str, str]],
    standardiser: Standardiser,
    registers: dict[str, str] | None = None,
) -> None:
    """Check every row of ``sources`` (each a source id, a select and the SQL of its rows' unshifted lines) into
    ``stage``.

    ``registers`` maps dataset names to SQL reading them, for columns ``required_when_known``; a column
    whose register is not in the lake yet is checked as an optional column.
    """
    texts = _texts(contract)
    source = _declare_sources(con, [i for i, _, _ in sources])
    selects = " UNION ALL ".join(
        f"SELECT {source}, _ord, {line} AS _line, _malformed, _raw, {texts} FROM ({select})"
        for _, select, line in sources
    )
    # Mapped columns scan their distinct values first; materialising saves reading the files twice.
    what = "TABLE" if any(c.kind in MAPPED_KINDS for c in contract.columns) else "VIEW"
    cleaned = f"cleaned_{next(_names)}"
    con.execute(f"CREATE OR REPLACE TEMP {what} {cleaned} AS {selects}")
    select = _stage_select(contract, cleaned, standardiser, registers or {})
    con.execute(f"CREATE TEMP TABLE stage AS {select}")


def checks_in_file_order(contract: Contract, registers: dict[str, str]) -> bool:
    """Whether the checks keep the rows in the order read (no join with a mapping table or a register)."""
    return not any(c.kind in MAPPED_KINDS for c in contract.columns) and not _known(contract, registers)


def create_stage_in_file_order(
    con: duckdb.DuckDBPyConnection, contract: Contract, sources: list[tuple[str, str, int]], standardiser: Standardiser
) -> None:
    """Check the rows of ``sources`` (each a source id, a select of its rows without ordinals, its line offset)
    into ``stage``, numbering each row by its place in the stage.

    Each file is read and checked in one statement, with no table of raw text in between. The stage keeps the
    order of the rows read (row ids, for contracts where :func:`checks_in_file_order`), so a row's ordinal is
    its row id less the rows of the sources before it; ordinals and lines are computed, not stored.
    """
    texts = _texts(contract)
    source = _declare_sources(con, [i for i, _, _ in sources])
    firsts, offsets, total = [], [], 0
    for index, (source_id, select, offset) in enumerate(sources):
        cleaned = f"cleaned_{next(_names)}"
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW {cleaned} AS "
            f"SELECT {source}, NULL::BIGINT AS _ord, NULL::BIGINT AS _line, _malformed, _raw, {texts} FROM ({select})"
        )
        checked = f"SELECT * EXCLUDE (_ord, _line) FROM ({_stage_select(contract, cleaned, standardiser, {})})"
        verb = "CREATE TEMP TABLE stage_rows AS" if index == 0 else "INSERT INTO stage_rows"
        firsts.append(f"WHEN {sql_string(source_id)} THEN {total}")
        offsets.append(f"WHEN {sql_string(source_id)} THEN {offset}")
        total += int(con.execute(f"{verb} {checked}").fetchall()[0][0])
    ordinal = f"(rowid + 1 - CASE _source {' '.join(firsts)} END)"
    con.execute(
        f"CREATE TEMP VIEW stage AS SELECT _source, {ordinal} AS _ord, "
        f"{ordinal} + CASE _source {' '.join(offsets)} END AS _line, * EXCLUDE (_source) FROM stage_rows"
    )


def _known(contract: Contract, registers: dict[str, str]) -> dict[str, tuple[str, str]]:
    """For columns required when a register knows them: the join bringing the register's flag, and its name."""
    found = {}
    for i, c in enumerate(contract.columns):
        ref = c.required_when_known
        if ref is None or ref.dataset not in registers:
            continue
        alias = f"known_{i}"
        join = (
            f"LEFT JOIN (SELECT {sql_name(ref.key)} AS k, bool_or({sql_name(ref.column)} IS NOT NULL) AS known "
            f"FROM ({registers[ref.dataset]}) GROUP BY 1) AS {alias} ON {alias}.k = l3.{sql_name(ref.key)}"
        )
        found[c.name] = (join, f"coalesce({alias}.known, false)")
    return found


def _shown(column: Column, where: str) -> str:
    """SQL: the column's text (masked if sensitive) on rows where ``where`` holds.

    Rows with no text (a typed value) show their value as text, converted only on those rows: DuckDB hoists an
    expression used twice out of the CASE around it and would convert every row's value.
    """
    value = f"CAST(CASE WHEN {where} THEN {sql_name(column.name)} END AS VARCHAR)"
    text = f"coalesce({sql_name('_t_' + column.name)}, {value})"
    return mask(text) if column.is_sensitive else text


def _stage_select(contract: Contract, cleaned: str, standardiser: Standardiser, registers: dict[str, str]) -> str:
    """SQL of the stage rows: values, errors, fixes and raw text of failing or fixed cells."""
    plans: list[tuple[Column, Standardised, dict[str, str]]] = []
    direct: list[str] = []
    joins: list[str] = []
    texts: list[str] = []
    for c in contract.columns:
        text = sql_name("_t_" + c.name)
        read_as = sql_name("_x_" + c.name) if c.kind in CAST_KINDS else text
        plan = standardiser.column(c, f"l1.{text}", cleaned)
        names = {"r": text, "p": sql_name("_p_" + c.name), "v": sql_name(c.name)}
        first = _fill(plan.direct, {"r": "l1." + read_as})
        if c.kind in CAST_KINDS:
            first = f"coalesce(l1.{sql_name('_y_' + c.name)}, {first})"
            if c.sql_type == "DOUBLE":  # 'nan' and 'inf' are doubles, but no measurement
                first = f"CASE WHEN isfinite({first}) THEN {first} END"
        direct.append(f"{first} AS {names['p']}")
        for extra, expression in plan.extras.items():
            names[extra] = sql_name(f"_{extra}_{c.name}")
            direct.append(f"{expression} AS {names[extra]}")
        if c.kind in CAST_KINDS:
            # Text exists only for rows that came as text; it is cleaned only where the direct cast failed.
            typed = sql_name("_y_" + c.name)
            texts.append(
                f"CASE WHEN {typed} IS NOT NULL THEN NULL WHEN {names['p']} IS NULL THEN {clean(read_as)} "
                f"ELSE {read_as} END AS {text}"
            )
        joins.extend(plan.joins)
        plans.append((c, plan, names))
    level2 = f"SELECT l1.*, {', '.join(direct)} FROM {cleaned} AS l1 {' '.join(joins)}"
    if texts:
        level2 = f"SELECT *, {', '.join(texts)} FROM ({level2})"
    values = ", ".join(
        f"{_fill(f'coalesce({{p}}, {plan.fallback})' if plan.fallback else '{p}', names)} AS {names['v']}"
        for _, plan, names in plans
    )
    level3 = f"SELECT *, {values} FROM ({level2})"
    known = _known(contract, registers)
    # Only columns that can fail (or be fixed) get error (fix) columns: a narrower stage is a faster one.
    checks, errors, fixes = [], [], []
    for c, plan, names in plans:
        needed = "true" if c.required else known[c.name][1] if c.name in known else None
        empty = f"{names['v']} IS NULL AND {names['r']} IS NULL"
        missing = f"CASE WHEN {empty} AND {needed} THEN 'missing_value' END" if needed else "NULL"
        parts = [p for p in (missing, _fill(plan.error, names), _range(c, names["v"])) if p != "NULL"]
        if parts:
            errors.append(c)
            checks.append(f"coalesce({', '.join(parts)}, NULL) AS {sql_name(error_column(c.name))}")
        if plan.fix != "NULL":
            fixes.append(c)
            checks.append(f"{_fill(plan.fix, names)} AS {sql_name(fix_column(c.name))}")
    registers_joined = " ".join(join for join, _ in known.values())
    level4 = f"SELECT l3.*, {', '.join(checks) or 'NULL AS _none'} FROM ({level3}) AS l3 {registers_joined}"
    rejected = " OR ".join(
        ["_malformed IS NOT NULL", *(f"{sql_name(error_column(c.name))} IS NOT NULL" for c in errors)]
    )
    outputs = ["_source", "_ord", "_line"] + [sql_name(c.name) for c in contract.columns]
    # What the quarantine and the fixes need (reasons, fix kinds, raw text) is packed as JSON on the few flagged
    # rows: one column mostly NULL is much cheaper to store than one per check.
    issues = [("_malformed", "_malformed")]
    issues += [(error_column(c.name), sql_name(error_column(c.name))) for c in errors]
    issues += [(fix_column(c.name), sql_name(fix_column(c.name))) for c in fixes]
    record = []
    for c in contract.columns:
        flags = [f"{sql_name(error_column(c.name))} IS NOT NULL" for x in errors if x is c]
        flags += [f"{sql_name(fix_column(c.name))} IS NOT NULL" for x in fixes if x is c]
        if flags:
            shown = " OR ".join(flags)
            issues.append((text_column(c.name), f"CASE WHEN {shown} THEN {_shown(c, shown)} END"))
        record.append(f"{sql_name(c.name)} := {_shown(c, rejected)}")
    sensitive = any(c.is_sensitive for c in contract.columns)
    withheld = "'<withheld: ' || length(_raw) || ' characters of a feed with personal data>'"
    issues.append(
        (
            "_raw",
            f"CASE WHEN _malformed IS NOT NULL THEN {withheld if sensitive else '_raw'} "
            f"WHEN {rejected} THEN CAST(to_json(struct_pack({', '.join(record)})) AS VARCHAR) END",
        )
    )
    outputs.append(f"({rejected}) AS _rejected")
    # One flag each for the rows the quarantine and the fixes list: a filter on one column skips the others' values.
    fixed = " OR ".join(f"{sql_name(fix_column(c.name))} IS NOT NULL" for c in fixes) or "false"
    outputs.append(f"({fixed}) AS _fixed")
    flagged = f"{rejected} OR {fixed}"
    packed = ", ".join(f"{sql_name(name)} := {expression}" for name, expression in issues)
    outputs.append(f"CASE WHEN {flagged} THEN CAST(to_json(struct_pack({packed})) AS VARCHAR) END AS {ISSUES}")
    return f"SELECT {', '.join(outputs)} FROM ({level4})"
