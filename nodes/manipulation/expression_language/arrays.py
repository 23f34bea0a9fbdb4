"""Arithmetic expressions evaluated on numpy columns, for a bundle's compiled plan.

`compile_numeric` turns the part of the language that is plain arithmetic on number
columns (+ - * /, unary minus, abs floor ceil sqrt log exp, min max, number literals)
into a function of numpy columns that computes exactly what `evaluate` computes on a
DataFrame: the same float64 operations in the same order (the DataFrame path converts
each column with `astype(float)` and applies the same numpy operations), then infinities
as missing values. It answers None, so the caller takes the DataFrame path, whenever
that path might do something more: a division with a zero divisor (which warns), a
column that is not an array of numbers, a result that is not a column.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from studio.core.node import Columns

from .evaluator import UNARY_FUNCTIONS
from .syntax import Binary, Call, Column, Literal, Node, Unary

_NUMBER_KINDS = frozenset("fiub")  # float, signed and unsigned integer, boolean arrays


class _Fallback(Exception):
    """These columns need the DataFrame evaluator."""


def compile_numeric(tree: Node) -> Callable[[Columns], np.ndarray | None] | None:
    """A numpy evaluator of `tree`, or None when the tree is not plain arithmetic."""
    if isinstance(tree, (Literal, Column)):
        return None  # a bare value or column: the DataFrame path keeps its dtype as it is
    step = _compile(tree)
    if step is None:
        return None

    def run(cols: Columns) -> np.ndarray | None:
        try:
            with np.errstate(all="ignore"):
                out = step(cols)
        except _Fallback:
            return None
        if not isinstance(out, np.ndarray) or out.dtype != np.float64:
            return None
        bad = np.isinf(out)
        if bad.any():
            out = np.where(bad, np.nan, out)  # as evaluate: division by zero gives a gap
        return out

    return run


def _column(cols: Columns, name: str) -> np.ndarray:
    values = cols.get(name)
    if not isinstance(values, np.ndarray) or values.dtype.kind not in _NUMBER_KINDS:
        raise _Fallback()
    return values.astype(float)  # as evaluate's _numbers: a float copy of the column


def _compile(n: Node) -> Callable[[Columns], Any] | None:
    if isinstance(n, Literal):
        if type(n.value) is not float:
            return None  # text, true/false or null: not arithmetic
        value = n.value
        return lambda cols: value
    if isinstance(n, Column):
        name = n.name
        return lambda cols: _column(cols, name)
    if isinstance(n, Unary):
        inner = _compile(n.operand)
        if inner is None or n.op != "-":
            return None
        return lambda cols: -inner(cols)
    if isinstance(n, Binary):
        return _binary(n)
    if isinstance(n, Call):
        return _call(n)
    return None


def _binary(n: Binary) -> Callable[[Columns], Any] | None:
    left, right = _compile(n.left), _compile(n.right)
    if left is None or right is None:
        return None
    if n.op == "+":
        return lambda cols: left(cols) + right(cols)
    if n.op == "-":
        return lambda cols: left(cols) - right(cols)
    if n.op == "*":
        return lambda cols: left(cols) * right(cols)
    if n.op == "/":

        def divide(cols: Columns) -> Any:
            x, y = left(cols), right(cols)
            if np.any(np.asarray(y) == 0):
                raise _Fallback()  # the DataFrame path counts these rows and warns
            return x / y

        return divide
    return None  # comparisons, and/or, %, **: the DataFrame path


def _call(n: Call) -> Callable[[Columns], Any] | None:
    args = [_compile(a) for a in n.args]
    if any(a is None for a in args):
        return None
    if n.name in UNARY_FUNCTIONS and len(args) == 1:
        fn, arg = UNARY_FUNCTIONS[n.name], args[0]

        def apply(cols: Columns) -> Any:
            r = fn(arg(cols))
            return r if isinstance(r, np.ndarray) else float(r)

        return apply
    if n.name in ("min", "max") and len(args) == 2:
        fn2 = np.fmin if n.name == "min" else np.fmax
        a, b = args

        def both(cols: Columns) -> Any:
            r = fn2(a(cols), b(cols))
            return r if isinstance(r, np.ndarray) else float(r)

        return both
    return None
