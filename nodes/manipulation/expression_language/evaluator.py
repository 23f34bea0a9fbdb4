"""Vectorised evaluation of an expression AST on a DataFrame: whole columns at a time,
missing values propagate, and division by zero gives a missing value (reported through
`warn`, so a user learns why a column has gaps)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from .checker import check
from .syntax import COMPARE, Binary, Call, Column, ExpressionError, Literal, Node, Unary

# The one-argument math functions, on a Series here and on numpy columns in arrays.py.
UNARY_FUNCTIONS = {
    "abs": np.abs,
    "floor": np.floor,
    "ceil": np.ceil,
    "sqrt": np.sqrt,
    "log": np.log,
    "exp": np.exp,
}


def evaluate(tree: Node, df: pd.DataFrame, warn: Callable[[str], None] | None = None) -> pd.Series:
    """Evaluate the AST on every row at once; the result is aligned with `df`. `warn` hears
    how many result rows are missing because of a division by zero."""
    check(tree, None)  # arity and literal types, in case the caller skipped configure
    zeros = np.zeros(len(df), dtype=bool)  # rows where some division had a zero divisor
    with np.errstate(all="ignore"):
        try:
            out = _eval(tree, df, zeros)
        except ExpressionError:
            raise
        except (
            TypeError,
            ValueError,
            ArithmeticError,
            AttributeError,
            KeyError,
            IndexError,
        ) as exc:
            raise ExpressionError(f"cannot evaluate: {exc}", tree.pos) from None
    if not isinstance(out, pd.Series):
        if out is pd.NA:
            out = None
        out = pd.Series(
            [out] * len(df),
            index=df.index,
            dtype=object if out is None or isinstance(out, str) else None,
        )
    if pd.api.types.is_float_dtype(out):
        out = out.replace([np.inf, -np.inf], np.nan)  # division by zero gives a missing value
    # a guarded division (`if(b == 0, 0, a / b)`) leaves no gap, so only missing results count
    hit = int((zeros & out.isna().to_numpy(dtype=bool)).sum())
    if hit and warn is not None:
        warn(f"division by zero in {hit} row{'s' if hit != 1 else ''} gave missing values")
    return out


def _is_missing(v: Any) -> Any:
    if isinstance(v, pd.Series):
        return v.isna()
    return v is None or (isinstance(v, float) and math.isnan(v))


def _strings(v: Any, n: Node) -> Any:
    if isinstance(v, pd.Series):
        if not (
            pd.api.types.is_string_dtype(v)
            or pd.api.types.is_object_dtype(v)
            or isinstance(v.dtype, pd.CategoricalDtype)
        ):
            raise ExpressionError(f"expected text, got a column of {v.dtype}", n.pos)
        return v.astype("string")
    if v is not None and not isinstance(v, str):
        raise ExpressionError(f"expected text, got {v!r}", n.pos)
    return v


def _numbers(v: Any, n: Node) -> Any:
    if isinstance(v, pd.Series):
        if pd.api.types.is_bool_dtype(v):
            return v.astype(float)
        if not pd.api.types.is_numeric_dtype(v):
            raise ExpressionError(f"expected numbers, got a column of {v.dtype}", n.pos)
        return v.astype(float)
    if v is None:
        return np.nan
    if isinstance(v, str):
        raise ExpressionError(f"expected a number, got the text {v!r}", n.pos)
    return float(v)


def _booleans(v: Any, n: Node) -> Any:
    if isinstance(v, pd.Series):
        if pd.api.types.is_bool_dtype(v):
            return v.astype("boolean")
        raise ExpressionError(f"expected true/false values, got a column of {v.dtype}", n.pos)
    if v is None:
        return pd.NA
    if not isinstance(v, bool):
        raise ExpressionError(f"expected true or false, got {v!r}", n.pos)
    return v


def _eval(n: Node, df: pd.DataFrame, zeros: np.ndarray) -> Any:
    if isinstance(n, Literal):
        return n.value
    if isinstance(n, Column):
        if n.name not in df.columns:
            raise ExpressionError(f"no column {n.name!r} in the input table", n.pos)
        return df[n.name]
    if isinstance(n, Unary):
        v = _eval(n.operand, df, zeros)
        if n.op == "not":
            b = _booleans(v, n.operand)
            return pd.NA if b is pd.NA else ~b if isinstance(b, pd.Series) else not b
        x = _numbers(v, n.operand)
        return -x if n.op == "-" else x
    if isinstance(n, Binary):
        return _binary(n, _eval(n.left, df, zeros), _eval(n.right, df, zeros), zeros)
    return _call(n, [_eval(a, df, zeros) for a in n.args], df)


def _binary(n: Binary, a: Any, b: Any, zeros: np.ndarray) -> Any:
    op = n.op
    if op in ("and", "or"):
        x, y = _booleans(a, n.left), _booleans(b, n.right)
        if not isinstance(x, pd.Series) and not isinstance(y, pd.Series):
            if x is pd.NA or y is pd.NA:
                return None
            return (x and y) if op == "and" else (x or y)
        x = x if isinstance(x, pd.Series) else pd.Series(x, index=y.index, dtype="boolean")
        return (x & y) if op == "and" else (x | y)
    if op in COMPARE:
        if _text_like(a) or _text_like(b):
            a, b = _strings(a, n.left), _strings(b, n.right)
        else:
            a, b = _numbers(a, n.left), _numbers(b, n.right)
        if a is None or b is None:
            return None
        result = {
            "==": lambda: a == b,
            "!=": lambda: a != b,
            "<": lambda: a < b,
            "<=": lambda: a <= b,
            ">": lambda: a > b,
            ">=": lambda: a >= b,
        }[op]()
        if isinstance(result, pd.Series):
            missing = (
                _is_missing(a) if isinstance(a, pd.Series) else pd.Series(False, index=result.index)
            )
            if isinstance(b, pd.Series):
                missing = missing | b.isna()
            return result.astype("boolean").mask(missing)
        return bool(result)
    if op == "+" and (_text_like(a) or _text_like(b)):
        a, b = _strings(a, n.left), _strings(b, n.right)
        if a is None or b is None:
            return None
        return a + b
    x, y = _numbers(a, n.left), _numbers(b, n.right)
    if op == "+":
        return x + y
    if op == "-":
        return x - y
    if op == "*":
        return x * y
    if op in ("/", "%"):
        # mark the rows with a zero divisor (every row when both sides are scalars)
        zeros |= np.asarray(np.logical_and(y == 0, np.logical_not(_is_missing(x))), dtype=bool)
    if op == "/":
        return _safe(lambda: x / y)
    if op == "%":
        return _safe(lambda: x % y)
    return _safe(lambda: x**y)


def _safe(fn: Any) -> Any:
    """Scalar division by zero or overflow gives a missing value, like the vectorised case."""
    try:
        r = fn()
    except (ZeroDivisionError, OverflowError):
        return np.nan
    if isinstance(r, complex):
        return np.nan
    return r


def _text_like(v: Any) -> bool:
    if isinstance(v, str):
        return True
    if isinstance(v, pd.Series):
        return (
            not pd.api.types.is_numeric_dtype(v)
            and not pd.api.types.is_bool_dtype(v)
            and not pd.api.types.is_datetime64_any_dtype(v)
        )
    return False


def _call(n: Call, args: list[Any], df: pd.DataFrame) -> Any:
    name = n.name
    if name in UNARY_FUNCTIONS:
        x = _numbers(args[0], n.args[0])
        fn = UNARY_FUNCTIONS[name]
        r = fn(x)
        return r if isinstance(r, pd.Series) else float(r)
    if name == "round":
        x = _numbers(args[0], n.args[0])
        digits = _numbers(args[1], n.args[1]) if len(args) > 1 else 0.0
        if isinstance(digits, pd.Series) or not float(digits).is_integer() or abs(digits) > 15:
            raise ExpressionError(
                "round()'s second argument must be a whole number of digits between -15 and 15",
                n.args[1].pos,
            )
        return x.round(int(digits)) if isinstance(x, pd.Series) else float(np.round(x, int(digits)))
    if name in ("min", "max"):
        x, y = _numbers(args[0], n.args[0]), _numbers(args[1], n.args[1])
        fn = np.fmin if name == "min" else np.fmax
        r = fn(x, y)
        return r if isinstance(r, pd.Series) else float(r)
    if name in ("lower", "upper", "strip", "len"):
        s = _strings(args[0], n.args[0])
        if s is None:
            return None
        if isinstance(s, pd.Series):
            r = getattr(s.str, name)()
            return r.astype("Float64").astype(float) if name == "len" else r
        return {
            "lower": str.lower,
            "upper": str.upper,
            "strip": str.strip,
            "len": lambda t: float(len(t)),
        }[name](s)
    if name in ("contains", "startswith", "endswith"):
        s, sub = _strings(args[0], n.args[0]), _strings(args[1], n.args[1])
        if isinstance(sub, pd.Series):
            raise ExpressionError(
                f"the second argument of {name}() must be fixed text, not a column", n.args[1].pos
            )
        if s is None or sub is None:
            return None
        if isinstance(s, pd.Series):
            if name == "contains":
                return s.str.contains(sub, regex=False).astype("boolean")
            return getattr(s.str, name)(sub).astype("boolean")
        return {
            "contains": lambda: sub in s,
            "startswith": lambda: s.startswith(sub),
            "endswith": lambda: s.endswith(sub),
        }[name]()
    if name == "substr":
        s = _strings(args[0], n.args[0])
        start, length = args[1], args[2] if len(args) > 2 else None
        for v, a in ((start, n.args[1]), (length, n.args[2] if len(n.args) > 2 else None)):
            if a is not None and (
                not isinstance(v, float) or not v.is_integer() or v < 0 or v > 1e9
            ):
                raise ExpressionError(
                    "substr() takes a fixed whole-number start (from 0) and length", a.pos
                )
        lo = int(start)
        hi = None if length is None else lo + int(length)
        if s is None:
            return None
        return s.str.slice(lo, hi) if isinstance(s, pd.Series) else s[lo:hi]
    if name == "str":
        v = args[0]
        if isinstance(v, pd.Series):
            return v.map(lambda x: None if pd.isna(x) else _format(x)).astype("string")
        return None if v is None else _format(v)
    if name == "num":
        v = args[0]
        if isinstance(v, pd.Series):
            return (
                pd.to_numeric(v, errors="coerce").astype(float)
                if not pd.api.types.is_bool_dtype(v)
                else v.astype(float)
            )
        try:
            return float(v) if v is not None else np.nan
        except ValueError:
            return np.nan
    if name == "isnull":
        m = _is_missing(args[0])
        return m if isinstance(m, pd.Series) else bool(m)
    if name == "coalesce":
        a, b = args
        if isinstance(a, pd.Series):
            return a.where(a.notna(), b)
        return b if _is_missing(a) else a
    if name == "if":
        cond = _booleans(args[0], n.args[0])
        a, b = args[1], args[2]
        if not isinstance(cond, pd.Series):
            return None if cond is pd.NA else (a if cond else b)
        mask = cond.fillna(False).astype(bool)
        if _text_like(a) or _text_like(b):
            a, b = _strings(a, n.args[1]), _strings(b, n.args[2])
        out = pd.Series(
            np.where(mask, _as_array(a, len(mask)), _as_array(b, len(mask))), index=cond.index
        )
        out = out.infer_objects()
        return out.mask(cond.isna())
    raise ExpressionError(f"unknown function {name}()", n.pos)


def _as_array(v: Any, n: int) -> Any:
    if isinstance(v, pd.Series):
        if pd.api.types.is_numeric_dtype(v) and not pd.api.types.is_bool_dtype(v):
            return v.to_numpy(dtype=float, na_value=np.nan)
        return v.astype(object).where(v.notna(), None).to_numpy()
    return np.full(n, v, dtype=object if v is None or isinstance(v, str) else None)


def _format(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return str(v)
