"""Arithmetic expressions on numpy columns (a bundle's compiled plan) compute bit for bit
what the DataFrame evaluator computes, and hand back to it whatever they cannot."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nodes.manipulation.expression_language import evaluate, parse
from nodes.manipulation.expression_language.arrays import compile_numeric

COLUMNS = ("a", "b", "n", "t")  # floats, floats, integers, booleans


def _same_bits(got: np.ndarray, want: np.ndarray) -> None:
    assert got.dtype == want.dtype == np.float64
    gaps = np.isnan(want)
    assert np.array_equal(np.isnan(got), gaps)
    assert np.array_equal(got[~gaps], want[~gaps])
    assert np.array_equal(np.signbit(got[~gaps]), np.signbit(want[~gaps]))  # -0.0 stays -0.0


def _columns(a, b, n, t) -> dict[str, np.ndarray]:
    return {
        "a": np.asarray(a, dtype=np.float64),
        "b": np.asarray(b, dtype=np.float64),
        "n": np.asarray(n, dtype=np.int64),
        "t": np.asarray(t, dtype=bool),
    }


def _both(text: str, cols: dict[str, np.ndarray]) -> tuple[np.ndarray | None, np.ndarray]:
    tree = parse(text)
    fast = compile_numeric(tree)
    assert fast is not None, text
    want = evaluate(tree, pd.DataFrame(cols)).to_numpy()
    return fast(cols), want


def test_arithmetic_on_columns_matches_the_dataframe_evaluator_with_gaps_and_infinities():
    cols = _columns(
        [1.5, np.nan, -2.0, np.inf, 0.0],
        [2.0, 3.0, np.nan, 1.0, -0.0],
        [1, 2, 3, 4, 5],
        [True, False, True, False, True],
    )
    for text in (
        "a * b + n",
        "-a - 2.5 * b",
        "a / b",
        "sqrt(a) + log(b) - exp(n) * abs(a)",
        "floor(a) + ceil(b) + min(a, b) - max(n, t)",
        "a * 1e308 * 10",  # overflow: infinity, then a gap, as the DataFrame path gives
    ):
        got, want = _both(text, cols)
        if got is not None:
            _same_bits(got, want)
    got, want = _both("a * b + n", cols)
    assert got is not None  # plain arithmetic is taken, not handed back


def test_a_zero_divisor_or_a_non_number_column_is_handed_back():
    cols = _columns([1.0, 2.0], [0.0, 1.0], [1, 2], [True, True])
    assert compile_numeric(parse("a / b"))(cols) is None  # the DataFrame path warns about it
    text = {**cols, "a": np.array(["x", "y"], dtype=object)}
    assert compile_numeric(parse("a + b"))(text) is None
    assert compile_numeric(parse("a + b"))({"b": cols["b"]}) is None  # a column it lacks


def test_what_is_not_plain_arithmetic_is_not_compiled():
    for text in (
        "a",
        "2",
        "a > b",
        "a % b",
        "a ** 2",
        "if(t, a, b)",
        'lower("X")',
        "a + null",
        "round(a)",
    ):
        assert compile_numeric(parse(text)) is None, text


def _expressions() -> st.SearchStrategy[str]:
    leaf = st.one_of(
        st.sampled_from(COLUMNS),
        st.sampled_from(["0", "1", "2.5", "1e300", "0.1"]),
    )

    def grow(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.one_of(
            st.tuples(inner, st.sampled_from(["+", "-", "*", "/"]), inner).map(
                lambda t: f"({t[0]} {t[1]} {t[2]})"
            ),
            inner.map(lambda x: f"-({x})"),
            st.tuples(st.sampled_from(["abs", "floor", "ceil", "sqrt", "log", "exp"]), inner).map(
                lambda t: f"{t[0]}({t[1]})"
            ),
            st.tuples(st.sampled_from(["min", "max"]), inner, inner).map(
                lambda t: f"{t[0]}({t[1]}, {t[2]})"
            ),
        )

    return st.recursive(leaf, grow, max_leaves=8)


_values = st.floats(allow_nan=True, allow_infinity=True, width=64)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    _expressions(),
    st.lists(
        st.tuples(_values, _values, st.integers(-1000, 1000), st.booleans()), min_size=1, max_size=6
    ),
)
def test_random_arithmetic_on_random_columns_is_bit_for_bit_the_dataframe_evaluators(text, rows):
    tree = parse(text)
    fast = compile_numeric(tree)
    if fast is None:  # a bare column or number: the DataFrame path, by design
        return
    a, b, n, t = zip(*rows, strict=True)
    cols = _columns(a, b, n, t)
    got = fast(cols)
    if got is None:
        return  # handed back (a zero divisor, a constant result): the DataFrame path answers
    want = evaluate(tree, pd.DataFrame(cols)).to_numpy()
    _same_bits(got, want)


def test_execute_checks_only_the_columns_read_and_words_errors_as_before():
    import pytest

    from nodes.manipulation.expression import _checked
    from nodes.manipulation.expression_language import ExpressionError, compile_expression
    from studio.core import Table

    table = Table(pd.DataFrame({"a": [1.0], "s": ["x"], "other": [2]}))
    tree = _checked("a * 2", table)
    assert tree == compile_expression("a * 2", table.spec())[0]
    for text in ("a + s", "nope * 2", "a +", "lower(a)"):
        with pytest.raises(ExpressionError) as fast:
            _checked(text, table)
        with pytest.raises(ExpressionError) as slow:
            compile_expression(text, table.spec())
        assert str(fast.value) == str(slow.value)
        assert fast.value.where == slow.value.where
