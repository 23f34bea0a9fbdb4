"""The expression language: parsing, type checks, vectorised evaluation, and fuzzing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nodes.manipulation.expression_language import (
    ExpressionError,
    check,
    columns_used,
    compile_expression,
    evaluate,
    parse,
)
from studio.core import ConfigureError, Table


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "a": [1.0, 2.0, None, 4.0],
            "b": [2, 0, 3, -1],
            "name": ["Ada", "bob", None, "Cy"],
            "unit price": [1.5, 2.0, 2.5, 3.0],
            "flag": [True, False, True, False],
        }
    )


def run(text: str, df: pd.DataFrame) -> list:
    return evaluate(parse(text), df).tolist()


def test_arithmetic_follows_usual_precedence(frame):
    assert run("1 + 2 * 3 - 4 / 2", frame) == [5.0] * 4
    assert run("2 ** 3 ** 2", frame) == [512.0] * 4  # right-associative
    assert run("-2 ** 2", frame) == [-4.0] * 4
    assert run("(1 + 2) * 3 % 4", frame) == [1.0] * 4


def test_columns_by_bare_name_and_by_col_with_spaces(frame):
    assert run('a * 2 + col("unit price")', frame)[:2] == [3.5, 6.0]
    assert columns_used(parse('a + col("unit price") + a')) == ["a", "unit price"]


def test_missing_values_propagate_and_division_by_zero_is_missing(frame):
    out = run("a / b", frame)
    assert out[0] == 0.5
    assert np.isnan(out[1]) and np.isnan(out[2])


def test_text_functions_and_concatenation(frame):
    assert run("upper(name)", frame)[:2] == ["ADA", "BOB"]
    assert run('lower(name) + "!"', frame)[:2] == ["ada!", "bob!"]
    assert run("len(name)", frame)[:2] == [3.0, 3.0]
    assert run('contains(lower(name), "b")', frame)[:2] == [False, True]
    assert run("substr(name, 0, 2)", frame)[0] == "Ad"
    assert run('str(b) + "x"', frame)[:2] == ["2x", "0x"]


def test_comparisons_and_boolean_logic_with_missing_values(frame):
    both = evaluate(parse("a > 1 and flag"), frame)
    assert both.isna().tolist() == [False, False, True, False]  # missing a: unknown, not False
    assert both.fillna(True).tolist() == [False, False, True, False]
    out = evaluate(parse("a >= 2 or flag"), frame)
    assert out.tolist() == [True, True, True, True]
    assert run("not flag", frame) == [False, True, False, True]
    assert run("isnull(a)", frame) == [False, False, True, False]


def test_if_picks_per_row_and_coalesce_fills(frame):
    assert run('if(b > 0, "pos", "non-pos")', frame) == ["pos", "non-pos", "pos", "non-pos"]
    assert run("coalesce(a, 0)", frame) == [1.0, 2.0, 0.0, 4.0]
    assert run('round(col("unit price") / 3, 2)', frame) == [0.5, 0.67, 0.83, 1.0]


@pytest.mark.parametrize(
    ("text", "position", "fragment"),
    [
        ("a +", 4, "ends where a value was expected"),
        ("(a + b", 7, "expected ')'"),
        ("a = 1", 3, "compare with '=='"),
        ('"open', 1, "never closed"),
        ("a $ b", 3, "unexpected character '$'"),
        ("a b", 3, "after a complete expression"),
        ("frobnicate(a)", 1, "unknown function frobnicate()"),
        ("round(a, 1, 2)", 1, "takes 1 to 2 argument(s)"),
        ("col(1)", 1, "col() takes one quoted column name"),
        ("abs(name)", 5, "must be a number"),
    ],
)
def test_errors_name_the_character_position(text, position, fragment, frame):
    with pytest.raises(ExpressionError) as err:
        check(parse(text), Table(frame).spec())
    assert err.value.position == position - 1
    assert f"at character {position}" in str(err.value)
    assert fragment in str(err.value)


def test_type_check_names_unknown_columns_with_the_available_ones(frame):
    with pytest.raises(
        ExpressionError, match=r"no column 'price'.*available: a, b, name, unit price, flag"
    ):
        compile_expression("price * 2", Table(frame).spec())


def test_compile_error_names_the_setting_and_is_a_configure_error(frame):
    with pytest.raises(ConfigureError) as err:
        compile_expression("a +", Table(frame).spec(), where="conditions")
    assert err.value.where == "conditions"


def test_python_is_never_executed():
    for attack in (
        '__import__("os").system("echo hi")',
        "a.__class__",
        "open('/etc/passwd')",
        "lambda: 1",
        "[x for x in a]",
    ):
        with pytest.raises(ExpressionError):
            check(parse(attack), None)


def test_deep_nesting_is_refused_cleanly():
    with pytest.raises(ExpressionError, match="nested"):
        parse("(" * 500 + "1" + ")" * 500)
    with pytest.raises(ExpressionError, match="too deep"):
        parse(" + ".join(["1"] * 2000))


# ---- property and fuzz tests -----------------------------------------------------------
FUZZ_FRAME = pd.DataFrame(
    {"a": [1.0, -2.5, None], "b": [0, 3, 7], "s": ["x", None, "Hello"], "t": [True, False, True]}
)
FUZZ_SPEC = Table(FUZZ_FRAME).spec()
ALPHABET = st.sampled_from(
    list("ab st()+-*/%<>=!,.\"'\\ 0123459eE_")
    + ["and", "or", "not", "if", "col", "abs", "len", "round", "**", "null", "true"]
)


def _exercise(text: str, typed: bool = True) -> None:
    """Parse, check and evaluate: anything but an ExpressionError is a bug. Untyped runs
    skip the spec check, so the evaluator itself meets every ill-typed combination."""
    try:
        tree = parse(text)
        check(tree, FUZZ_SPEC if typed else None)
        out = evaluate(tree, FUZZ_FRAME)
    except ExpressionError:
        return
    assert len(out) == len(FUZZ_FRAME)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=60))
def test_random_text_only_ever_raises_the_language_error(text):
    _exercise(text)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ALPHABET, max_size=25).map("".join))
def test_token_soup_only_ever_raises_the_language_error(text):
    _exercise(text)


LEAF = st.sampled_from(["a", "b", "s", "t", "1", "0", "2.5", '"x"', "null", "true", 'col("a")'])


def _expr(children):
    return st.one_of(
        st.tuples(
            children,
            st.sampled_from(["+", "-", "*", "/", "%", "**", "==", "<", ">=", "and", "or"]),
            children,
        ).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(
            st.sampled_from(["abs", "len", "lower", "isnull", "str", "num", "not ", "-"]), children
        ).map(lambda t: f"{t[0]}({t[1]})"),
        st.tuples(children, children, children).map(lambda t: f"if({t[0]}, {t[1]}, {t[2]})"),
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.recursive(LEAF, _expr, max_leaves=12))
def test_well_formed_expressions_parse_and_either_evaluate_or_fail_cleanly(text):
    parse(text)  # grammar-generated text always parses
    _exercise(text)
    _exercise(text, typed=False)


@settings(max_examples=200, deadline=None)
@given(
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6),
)
def test_arithmetic_agrees_with_numpy(x, y):
    df = pd.DataFrame({"x": [x], "y": [y]})
    assert evaluate(parse("x * y - x"), df).iloc[0] == pytest.approx(x * y - x)
    assert evaluate(parse("x > y"), df).iloc[0] == (x > y)
