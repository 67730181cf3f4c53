"""CertLogic beyond the official suite: date arithmetic, errors with paths, extensions, and laws of and/if/!."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fugong.healthcode.certlogic import (
    DOMAIN_EXTENSIONS,
    CertLogicError,
    InvalidCertLogic,
    compile_expression,
    evaluate,
    truthiness,
    validate,
)


def _plus(value: str, amount: int, unit: str) -> dict[str, Any]:
    return {"plusTime": [value, amount, unit]}


def _same_instant(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return bool(evaluate({"and": [{"not-before": [a, b]}, {"not-after": [a, b]}]}, None))


@pytest.mark.parametrize(
    ("start", "amount", "unit", "result"),
    [
        ("2020-02-29", 1, "day", "2020-03-01"),
        ("2020-02-29", 1, "month", "2020-03-29"),
        ("2020-02-29", 1, "year", "2021-03-01"),
        ("2021-01-31", 1, "month", "2021-03-03"),
        ("2020-03-01", -1, "day", "2020-02-29"),
        ("2021-12-15", 1, "month", "2022-01-15"),
        ("2020-01-01T23:00:00Z", 2, "hour", "2020-01-02T01:00:00Z"),
    ],
)
def test_plus_time_follows_the_spec_leap_day_table(start: str, amount: int, unit: str, result: str) -> None:
    assert _same_instant(_plus(start, amount, unit), _plus(result, 0, "day"))


@pytest.mark.parametrize(
    ("text", "same_as"),
    [
        ("2021-06-01T01:00:00+02:00", "2021-05-31T23:00:00Z"),
        ("2021-06-01T01:00:00+0130", "2021-05-31T23:30:00Z"),
        ("2021-06-01T01:00:00-1", "2021-06-01T02:00:00Z"),
        ("2021-06-01T01:00:00", "2021-06-01T01:00:00Z"),
        ("2021-06-01T01:00:00.9999Z", "2021-06-01T01:00:00.999Z"),
        ("2004", "2004-12-31"),
        ("2004-02", "2004-02-29"),
    ],
)
def test_date_time_formats_and_offsets(text: str, same_as: str) -> None:
    assert _same_instant(_plus(text, 0, "hour"), _plus(same_as, 0, "hour"))


def test_sub_millisecond_digits_are_dropped_not_rounded() -> None:
    later = _plus("2021-06-01T01:00:00.9999Z", 0, "day")
    assert evaluate({"before": [later, _plus("2021-06-01T01:00:01Z", 0, "day")]}, None) is True
    assert evaluate({"after": [later, _plus("2021-06-01T01:00:00.998Z", 0, "day")]}, None) is True


@pytest.mark.parametrize(
    "bad", ["2021-02-30", "2021-13-01", "21-01-01", "2021-06-01T25:00:00Z", "2021-06-01T01:00:00+25:00", "yesterday"]
)
def test_an_impossible_date_is_an_error_naming_the_operation(bad: str) -> None:
    with pytest.raises(CertLogicError) as caught:
        evaluate({"and": [True, _plus(bad, 0, "day")]}, None)
    assert caught.value.field == "and[1].plusTime"
    assert repr(bad) in caught.value.detail


def test_equality_does_not_coerce() -> None:
    assert evaluate({"===": [1, True]}, None) is False
    assert evaluate({"===": [0, False]}, None) is False
    assert evaluate({"===": [{"var": "a"}, {"var": "b"}]}, {"a": None, "b": None}) is True
    assert evaluate({"===": [{"var": "a"}, {"var": "b"}]}, {"a": [1, "x"], "b": [1, "x"]}) is True
    assert evaluate({"in": [True, [1, 2]]}, None) is False


def test_integral_json_numbers_count_as_integers() -> None:
    assert evaluate({"<": [{"var": "x"}, 3]}, {"x": 2.0}) is True
    assert validate(42.0) == []


@pytest.mark.parametrize(
    ("expr", "data", "field", "words"),
    [
        ({"<": [1, {"var": "x"}]}, {"x": "2"}, "<", "operand 2 must be an integer, got string '2'"),
        ({"+": [1, {"var": "x"}]}, {"x": None}, "+", 'operand 2 of "+" must be an integer, got null'),
        ({"after": ["2021-01-01", "2020-01-01"]}, None, "after", "must be a date-time"),
        ({"!": [_plus("2021-01-01", 0, "day")]}, None, "!", "neither truthy nor falsy"),
        ({"if": [{"var": "x"}, 1, 2]}, {"x": 2.5}, "if", "neither truthy nor falsy"),
        ({"and": [True, {"var": "x"}]}, {"x": 0.5}, "and", "operand 2 is neither truthy nor falsy"),
        ({"in": ["a", {"var": "x"}]}, {"x": "abc"}, "in", 'right operand of "in" must be an array'),
        ({"reduce": [{"var": "x"}, 0, 0]}, {"x": 5}, "reduce", 'operand of "reduce" must be an array'),
        ({"extractFromUVCI": [{"var": "x"}, 0]}, {"x": 5}, "extractFromUVCI", "UCI must be a string or null"),
        ({"dccDateOfBirth": [{"var": "x"}]}, {"x": "2004-1"}, "dccDateOfBirth", "not a date of birth"),
    ],
)
def test_type_mismatches_raise_with_the_path(expr: Any, data: Any, field: str, words: str) -> None:
    with pytest.raises(CertLogicError) as caught:
        evaluate(expr, data)
    assert caught.value.field == field
    assert words in caught.value.detail


@pytest.mark.parametrize(
    ("expr", "path", "message"),
    [
        ({"and": [True, {"foo": [1]}]}, "and[1].foo", 'unrecognised operator: "foo"'),
        ({"if": [True, 1]}, "if", 'a "if" operation must have exactly 3 operands, but it has 2'),
        ({"and": [True]}, "and", 'a "and" operation must have at least 2 operands, but it has 1'),
        ({"<": [1, 2, 3, 4]}, "<", 'a "<" operation must have 2 to 3 operands, but it has 4'),
        ({"!": [1, 2]}, "!", 'a "!" operation must have exactly 1 operands, but it has 2'),
        ({"plusTime": ["2020-01-01", 1, "week"]}, "plusTime", 'must be one of "year", "month", "day", "hour"'),
        ({"plusTime": ["2020-01-01", {"var": "n"}, "day"]}, "plusTime", "must be an integer literal"),
        ({"if": [{"var": "x."}, 1, 2]}, "if[0].var", "data access path doesn't have a valid format: x."),
        ({"in": [1, [2, 2.5]]}, "in[1][1]", "2.5 is a non-integer number"),
    ],
)
def test_validation_issues_carry_paths(expr: Any, path: str, message: str) -> None:
    issues = validate(expr)
    assert [i.path for i in issues] == [path]
    assert message in issues[0].message


def test_an_invalid_expression_fails_before_anything_is_evaluated() -> None:
    # The first operand is falsy, so evaluation would stop there; validation still rejects the second.
    with pytest.raises(InvalidCertLogic) as caught:
        evaluate({"and": [False, {"if": [True, 1]}]}, None)
    assert caught.value.field == "and[1].if"
    assert "invalid CertLogic at and[1].if" in caught.value.detail


def test_every_issue_is_listed() -> None:
    with pytest.raises(InvalidCertLogic) as caught:
        compile_expression({"and": [{"nope": []}, 1.5, {"var": 3}]})
    assert [i.path for i in caught.value.issues] == ["and[0].nope", "and[1]", "and[2].var"]
    assert "(and 2 more)" in caught.value.detail


def test_extensions_are_not_certlogic_unless_switched_on() -> None:
    expr = {"daysBetween": ["2020-02-01", "2020-02-15"]}
    assert [i.message for i in validate(expr)] == ['unrecognised operator: "daysBetween"']
    assert evaluate(expr, None, DOMAIN_EXTENSIONS) == 14


@pytest.mark.parametrize(
    ("expr", "result"),
    [
        ({"daysBetween": ["2020-02-15", "2020-02-01"]}, -14),
        ({"daysBetween": [{"var": "missing"}, "2020-02-01"]}, None),
        ({"withinDays": ["2020-02-02", "2020-02-15", 14]}, True),
        ({"withinDays": ["2020-02-01", "2020-02-15", 14]}, False),
        ({"withinDays": ["2020-02-15", "2020-02-15", 14]}, True),
        ({"withinDays": ["2020-02-16", "2020-02-15", 14]}, False),
        ({"withinDays": [{"var": "missing"}, "2020-02-15", 14]}, None),
        ({"addDays": ["2020-02-20", 14]}, "2020-03-05"),
        ({"addDays": ["2020-03-01", -1]}, "2020-02-29"),
        ({"addDays": [{"var": "missing"}, 14]}, None),
        ({"latestDate": ["2020-02-03", {"var": "missing"}, "2020-02-10", "2020-01-31"]}, "2020-02-10"),
        ({"latestDate": [{"var": "missing"}]}, None),
    ],
)
def test_domain_extensions(expr: Any, result: Any) -> None:
    assert evaluate(expr, {}, DOMAIN_EXTENSIONS) == result


@pytest.mark.parametrize(
    ("expr", "words"),
    [
        ({"addDays": ["2020-02-30", 1]}, "addDays: '2020-02-30' is not a valid date"),
        ({"addDays": ["20200201", 1]}, "is not a date of the form YYYY-MM-DD"),
        ({"addDays": ["2020-02-01", "1"]}, "the number of days must be an integer"),
        ({"withinDays": [1, "2020-02-01", 14]}, "the date must be a date string YYYY-MM-DD, got number 1"),
    ],
)
def test_extension_errors_name_the_operation(expr: Any, words: str) -> None:
    with pytest.raises(CertLogicError) as caught:
        evaluate(expr, {}, DOMAIN_EXTENSIONS)
    assert words in caught.value.detail


def test_reduce_sees_the_outer_data() -> None:
    count = {"reduce": [{"var": "xs"}, {"+": [{"var": "accumulator"}, {"var": "data.step"}]}, 0]}
    assert evaluate(count, {"xs": [1, 2, 3], "step": 2}) == 6


# JSON values as a data context holds them; every one is truthy or falsy.
_json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.text(max_size=3),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=2), inner, max_size=2),
    max_leaves=6,
)


@settings(max_examples=150, deadline=None)
@given(a=_json_values, b=_json_values)
def test_and_returns_the_first_falsy_operand_or_the_last(a: Any, b: Any) -> None:
    data = {"a": a, "b": b}
    result = evaluate({"and": [{"var": "a"}, {"var": "b"}]}, data)
    assert result == (b if truthiness(a) else a)
    assert result == evaluate({"if": [{"var": "a"}, {"var": "b"}, {"var": "a"}]}, data)


@settings(max_examples=150, deadline=None)
@given(a=_json_values, x=st.integers(), y=st.integers())
def test_if_and_double_negation(a: Any, x: int, y: int) -> None:
    data = {"a": a}
    assert evaluate({"if": [{"var": "a"}, x, y]}, data) == (x if truthiness(a) else y)
    assert evaluate({"if": [{"!": [{"var": "a"}]}, y, x]}, data) == evaluate({"if": [{"var": "a"}, x, y]}, data)
    assert evaluate({"!": [{"!": [{"var": "a"}]}]}, data) is truthiness(a)


_expressions = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.floats(allow_nan=False) | st.sampled_from(["", "a", "x.0"]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(["var", "if", "and", "!", "===", "<", "in", "+", "reduce", "plusTime", "nope"]),
            inner | st.lists(inner, max_size=4),
            min_size=1,
            max_size=2,
        )
    ),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(expr=_expressions, data=_json_values)
def test_any_json_either_fails_validation_or_evaluates_or_raises_a_certlogic_error(expr: Any, data: Any) -> None:
    issues = validate(expr)
    if issues:
        with pytest.raises(InvalidCertLogic) as caught:
            evaluate(expr, data)
        assert caught.value.issues == issues
        return
    # A valid expression may meet a type mismatch in the data, but is never refused as invalid later,
    # and nothing but a CertLogicError ever escapes.
    outcome = "value"
    try:
        evaluate(expr, data)
    except InvalidCertLogic:
        outcome = "refused"
    except CertLogicError:
        outcome = "type mismatch"
    assert outcome != "refused"
