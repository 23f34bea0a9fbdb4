"""A small, safe expression language for new columns and row filters.

Text is tokenized and parsed (Pratt parser) into an AST that is type-checked against a
table spec and evaluated vectorised on pandas Series. Nothing is ever handed to Python's
`eval`: the only operations are the operators and functions listed here.

    price * quantity                    col("unit price") * 1.2
    if(age >= 18, "adult", "minor")     lower(name) == "ada" and not isnull(score)
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from studio.core.errors import ConfigureError
from studio.core.ports import TableSpec

MAX_LENGTH = 10_000
MAX_NESTING = 50  # brackets, calls and prefix operators inside one another
MAX_DEPTH = 150  # depth of the parsed tree (a chain of 150 '+' is deep too)


class ExpressionError(ConfigureError):
    """An expression that cannot be parsed, type-checked or evaluated; names the position."""

    def __init__(self, message: str, position: int | None = None, *, where: str | None = "expression"):
        self.position = position
        self.raw = message
        text = f"at character {position + 1}: {message}" if position is not None else message
        super().__init__(text, where=where)


# ---------------------------------------------------------------- tokens
@dataclass(frozen=True)
class Token:
    kind: str  # number, string, name, op, end
    text: str
    pos: int
    value: Any = None


_OPS = ("**", "==", "!=", "<=", ">=", "<", ">", "+", "-", "*", "/", "%", "(", ")", ",", "=")
_NUMBER = re.compile(r"(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ESCAPES = {"n": "\n", "t": "\t", "\\": "\\", '"': '"', "'": "'"}


def tokenize(text: str) -> list[Token]:
    """Split the text into tokens; an unknown character or an open string is an error."""
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression longer than {MAX_LENGTH} characters")
    tokens: list[Token] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if ch.isascii() and (ch.isdigit() or (ch == "." and i + 1 < len(text) and text[i + 1].isdigit())):
            m = _NUMBER.match(text, i)
            assert m is not None
            tokens.append(Token("number", m.group(), i, float(m.group())))
            i = m.end()
            continue
        if ch.isalpha() and not ch.isascii():
            raise ExpressionError(f"unexpected character {ch!r}: write names with other letters as col(\"name\")", i)
        if ch.isascii() and (ch.isalpha() or ch == "_"):
            m = _NAME.match(text, i)
            assert m is not None
            tokens.append(Token("name", m.group(), i))
            i = m.end()
            continue
        if ch in "\"'":
            value, end = _read_string(text, i)
            tokens.append(Token("string", text[i:end], i, value))
            i = end
            continue
        op = next((o for o in _OPS if text.startswith(o, i)), None)
        if op is None:
            raise ExpressionError(f"unexpected character {ch!r}", i)
        if op == "=":
            raise ExpressionError("'=' is not an operator: compare with '=='", i)
        tokens.append(Token("op", op, i))
        i += len(op)
    tokens.append(Token("end", "", len(text)))
    return tokens


def _read_string(text: str, start: int) -> tuple[str, int]:
    quote = text[start]
    out: list[str] = []
    i = start + 1
    while i < len(text):
        ch = text[i]
        if ch == quote:
            return "".join(out), i + 1
        if ch == "\\":
            if i + 1 >= len(text):
                break
            nxt = text[i + 1]
            if nxt not in _ESCAPES:
                raise ExpressionError(f"unknown escape '\\{nxt}' in string (use \\\\, \\n, \\t, \\\" or \\')", i)
            out.append(_ESCAPES[nxt])
            i += 2
            continue
        out.append(ch)
        i += 1
    raise ExpressionError(f"string opened here is never closed (add a closing {quote})", start)


# ---------------------------------------------------------------- AST
@dataclass(frozen=True)
class Literal:
    value: Any  # float, str, bool or None
    pos: int


@dataclass(frozen=True)
class Column:
    name: str
    pos: int


@dataclass(frozen=True)
class Unary:
    op: str
    operand: Any
    pos: int


@dataclass(frozen=True)
class Binary:
    op: str
    left: Any
    right: Any
    pos: int


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Any, ...]
    pos: int


Node = Literal | Column | Unary | Binary | Call

# Binding powers: higher binds tighter. '**' is right-associative.
_INFIX = {
    "or": 1, "and": 2,
    "==": 4, "!=": 4, "<": 4, "<=": 4, ">": 4, ">=": 4,
    "+": 5, "-": 5, "*": 6, "/": 6, "%": 6, "**": 8,
}  # fmt: skip
_KEYWORDS = {"and", "or", "not", "true", "false", "null"}


class _Parser:
    def __init__(self, tokens: list[Token]):
        self.tokens = tokens
        self.i = 0
        self.depth = 0

    def peek(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def expect(self, text: str, context: str) -> Token:
        tok = self.peek()
        if tok.text != text or tok.kind not in ("op", "name"):
            raise ExpressionError(f"expected '{text}' {context}, found {_describe(tok)}", tok.pos)
        return self.take()

    def expression(self, min_power: int = 0) -> Node:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise ExpressionError(f"expression nested more than {MAX_NESTING} levels deep", self.peek().pos)
        left = self.prefix()
        while True:
            tok = self.peek()
            op = tok.text if tok.kind in ("op", "name") else ""
            power = _INFIX.get(op)
            if power is None or power <= min_power:
                break
            self.take()
            # '**' is right-associative: parse its right side at the same power.
            right = self.expression(power - 1 if op == "**" else power)
            left = Binary(op, left, right, tok.pos)
        self.depth -= 1
        return left

    def prefix(self) -> Node:
        tok = self.take()
        if tok.kind == "number":
            return Literal(tok.value, tok.pos)
        if tok.kind == "string":
            return Literal(tok.value, tok.pos)
        if tok.kind == "op" and tok.text == "(":
            inner = self.expression()
            self.expect(")", f"to close the '(' at character {tok.pos + 1}")
            return inner
        if tok.kind == "op" and tok.text in ("-", "+"):
            return Unary(tok.text, self.expression(7), tok.pos)
        if tok.kind == "name":
            word = tok.text
            if word == "not":
                return Unary("not", self.expression(3), tok.pos)
            if word in ("true", "false"):
                return Literal(word == "true", tok.pos)
            if word == "null":
                return Literal(None, tok.pos)
            if word in ("and", "or"):
                raise ExpressionError(f"'{word}' needs a value on its left", tok.pos)
            if self.peek().kind == "op" and self.peek().text == "(":
                return self.call(tok)
            return Column(word, tok.pos)
        if tok.kind == "end":
            raise ExpressionError("expression ends where a value was expected", tok.pos)
        raise ExpressionError(f"expected a value, found {_describe(tok)}", tok.pos)

    def call(self, name: Token) -> Node:
        self.take()  # "("
        args: list[Node] = []
        if not (self.peek().kind == "op" and self.peek().text == ")"):
            while True:
                args.append(self.expression())
                if self.peek().kind == "op" and self.peek().text == ",":
                    self.take()
                    continue
                break
        self.expect(")", f"to close the call of {name.text}() at character {name.pos + 1}")
        if name.text == "col":
            if len(args) != 1 or not isinstance(args[0], Literal) or not isinstance(args[0].value, str):
                raise ExpressionError('col() takes one quoted column name, e.g. col("unit price")', name.pos)
            return Column(args[0].value, name.pos)
        return Call(name.text, tuple(args), name.pos)


def _describe(tok: Token) -> str:
    if tok.kind == "end":
        return "the end of the expression"
    return f"{tok.text!r}"


def parse(text: str) -> Node:
    """Parse expression text into an AST; raise ExpressionError with the position."""
    if not text.strip():
        raise ExpressionError("the expression is empty")
    parser = _Parser(tokenize(text))
    tree = parser.expression()
    tok = parser.peek()
    if tok.kind != "end":
        raise ExpressionError(f"unexpected {_describe(tok)} after a complete expression (missing operator?)", tok.pos)
    if _depth(tree) > MAX_DEPTH:
        raise ExpressionError(f"expression too deep (more than {MAX_DEPTH} operations inside one another): split it over two Expression nodes")
    return tree


def _depth(tree: Node) -> int:
    """Tree depth without recursion, so a very long chain cannot exhaust the stack."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        n, d = stack.pop()
        deepest = max(deepest, d)
        stack.extend((c, d + 1) for c in _children(n))
    return deepest


def columns_used(tree: Node) -> list[str]:
    """Every column the expression reads, in order of first use."""
    out: list[str] = []

    def walk(n: Node) -> None:
        if isinstance(n, Column) and n.name not in out:
            out.append(n.name)
        for child in _children(n):
            walk(child)

    walk(tree)
    return out


def _children(n: Node) -> tuple[Node, ...]:
    if isinstance(n, Unary):
        return (n.operand,)
    if isinstance(n, Binary):
        return (n.left, n.right)
    if isinstance(n, Call):
        return n.args
    return ()


# ---------------------------------------------------------------- types
# Kinds: "number", "string", "boolean", "datetime", "null", "any" (unknown column type).
_ARITH = {"+", "-", "*", "/", "%", "**"}
_COMPARE = {"==", "!=", "<", "<=", ">", ">="}
_NUMERIC = {"number", "integer", "boolean"}

# name: (min args, max args, argument kinds (None: any), result kind or "same" as arg 2)
FUNCTIONS: dict[str, tuple[int, int, tuple[str | None, ...], str]] = {
    "abs": (1, 1, ("number",), "number"),
    "round": (1, 2, ("number", "number"), "number"),
    "floor": (1, 1, ("number",), "number"),
    "ceil": (1, 1, ("number",), "number"),
    "sqrt": (1, 1, ("number",), "number"),
    "log": (1, 1, ("number",), "number"),
    "exp": (1, 1, ("number",), "number"),
    "min": (2, 2, ("number", "number"), "number"),
    "max": (2, 2, ("number", "number"), "number"),
    "lower": (1, 1, ("string",), "string"),
    "upper": (1, 1, ("string",), "string"),
    "strip": (1, 1, ("string",), "string"),
    "len": (1, 1, ("string",), "number"),
    "contains": (2, 2, ("string", "string"), "boolean"),
    "startswith": (2, 2, ("string", "string"), "boolean"),
    "endswith": (2, 2, ("string", "string"), "boolean"),
    "substr": (2, 3, ("string", "number", "number"), "string"),
    "str": (1, 1, (None,), "string"),
    "num": (1, 1, (None,), "number"),
    "isnull": (1, 1, (None,), "boolean"),
    "coalesce": (2, 2, (None, None), "same"),
    "if": (3, 3, ("boolean", None, None), "same"),
}


def _kind_of_column(dtype: str) -> str:
    return "number" if dtype in ("number", "integer") else "string" if dtype == "category" else dtype


def check(tree: Node, spec: TableSpec | None) -> str:
    """Type-check the AST against the input spec (None: columns unknown) and return the
    result kind, so configure reports a wrong column or type before anything runs."""

    def fits(kind: str, wanted: str | None) -> bool:
        if wanted is None or kind in ("any", "null") or kind == wanted:
            return True
        return wanted == "number" and kind == "boolean"

    def visit(n: Node) -> str:
        if isinstance(n, Literal):
            if n.value is None:
                return "null"
            return "boolean" if isinstance(n.value, bool) else "string" if isinstance(n.value, str) else "number"
        if isinstance(n, Column):
            if spec is None:
                return "any"
            col = spec.column(n.name)
            if col is None:
                raise ExpressionError(f"no column {n.name!r} in the input table (available: {', '.join(spec.names) or 'none'})", n.pos)
            return _kind_of_column(col.dtype)
        if isinstance(n, Unary):
            k = visit(n.operand)
            wanted = "boolean" if n.op == "not" else "number"
            if not fits(k, wanted):
                raise ExpressionError(f"'{n.op}' needs a {wanted} value, not a {k}", n.pos)
            return wanted
        if isinstance(n, Binary):
            a, b = visit(n.left), visit(n.right)
            if n.op in ("and", "or"):
                for k, side in ((a, n.left), (b, n.right)):
                    if not fits(k, "boolean"):
                        raise ExpressionError(f"'{n.op}' combines true/false values, not a {k}", _pos(side))
                return "boolean"
            if n.op in _COMPARE:
                known = {a, b} - {"any", "null"}
                if len(known) == 2 and not known <= _NUMERIC:
                    raise ExpressionError(f"cannot compare a {a} with a {b}", n.pos)
                return "boolean"
            if n.op == "+" and "string" in (a, b):
                if {a, b} - {"string", "any", "null"}:
                    raise ExpressionError(f"'+' joins two strings or adds two numbers, not a {a} and a {b} (use str() to convert)", n.pos)
                return "string"
            for k in (a, b):
                if not fits(k, "number"):
                    raise ExpressionError(f"'{n.op}' needs numbers, not a {k}", n.pos)
            return "number"
        assert isinstance(n, Call)
        if n.name not in FUNCTIONS:
            raise ExpressionError(f"unknown function {n.name}() (known: {', '.join(sorted(FUNCTIONS))}, col)", n.pos)
        lo, hi, wanted, result = FUNCTIONS[n.name]
        if not lo <= len(n.args) <= hi:
            count = str(lo) if lo == hi else f"{lo} to {hi}"
            raise ExpressionError(f"{n.name}() takes {count} argument(s), got {len(n.args)}", n.pos)
        kinds = [visit(a) for a in n.args]
        for i, (k, w) in enumerate(zip(kinds, wanted, strict=False)):
            if not fits(k, w):
                raise ExpressionError(f"argument {i + 1} of {n.name}() must be a {w}, not a {k}", _pos(n.args[i]))
        if result == "same":
            branches = [k for k in kinds[-2:] if k not in ("null",)]
            known = {k for k in branches if k != "any"}
            if len(known) > 1 and not known <= _NUMERIC:
                raise ExpressionError(f"{n.name}() gives a {kinds[-2]} or a {kinds[-1]}: both must be of one type", n.pos)
            return known.pop() if len(known) == 1 else "any" if branches else "null"
        return result

    return visit(tree)


def _pos(n: Node) -> int:
    return n.pos


# ---------------------------------------------------------------- evaluation
def evaluate(tree: Node, df: pd.DataFrame) -> pd.Series:
    """Evaluate the AST on every row at once; the result is aligned with `df`."""
    check(tree, None)  # arity and literal types, in case the caller skipped configure
    with np.errstate(all="ignore"):
        try:
            out = _eval(tree, df)
        except ExpressionError:
            raise
        except (TypeError, ValueError, ArithmeticError, AttributeError, KeyError, IndexError) as exc:
            raise ExpressionError(f"cannot evaluate: {exc}", _pos(tree)) from None
    if not isinstance(out, pd.Series):
        if out is pd.NA:
            out = None
        out = pd.Series([out] * len(df), index=df.index, dtype=object if out is None or isinstance(out, str) else None)
    if pd.api.types.is_float_dtype(out):
        out = out.replace([np.inf, -np.inf], np.nan)  # division by zero gives a missing value
    return out


def _is_missing(v: Any) -> Any:
    if isinstance(v, pd.Series):
        return v.isna()
    return v is None or (isinstance(v, float) and math.isnan(v))


def _strings(v: Any, n: Node) -> Any:
    if isinstance(v, pd.Series):
        if not (pd.api.types.is_string_dtype(v) or pd.api.types.is_object_dtype(v) or isinstance(v.dtype, pd.CategoricalDtype)):
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


def _eval(n: Node, df: pd.DataFrame) -> Any:
    if isinstance(n, Literal):
        return n.value
    if isinstance(n, Column):
        if n.name not in df.columns:
            raise ExpressionError(f"no column {n.name!r} in the input table", n.pos)
        return df[n.name]
    if isinstance(n, Unary):
        v = _eval(n.operand, df)
        if n.op == "not":
            b = _booleans(v, n.operand)
            return pd.NA if b is pd.NA else ~b if isinstance(b, pd.Series) else not b
        x = _numbers(v, n.operand)
        return -x if n.op == "-" else x
    if isinstance(n, Binary):
        return _binary(n, _eval(n.left, df), _eval(n.right, df))
    return _call(n, [_eval(a, df) for a in n.args], df)


def _binary(n: Binary, a: Any, b: Any) -> Any:
    op = n.op
    if op in ("and", "or"):
        x, y = _booleans(a, n.left), _booleans(b, n.right)
        if not isinstance(x, pd.Series) and not isinstance(y, pd.Series):
            if x is pd.NA or y is pd.NA:
                return None
            return (x and y) if op == "and" else (x or y)
        x = x if isinstance(x, pd.Series) else pd.Series(x, index=y.index, dtype="boolean")
        return (x & y) if op == "and" else (x | y)
    if op in _COMPARE:
        if _text_like(a) or _text_like(b):
            a, b = _strings(a, n.left), _strings(b, n.right)
        else:
            a, b = _numbers(a, n.left), _numbers(b, n.right)
        if a is None or b is None:
            return None
        result = {"==": lambda: a == b, "!=": lambda: a != b, "<": lambda: a < b, "<=": lambda: a <= b, ">": lambda: a > b, ">=": lambda: a >= b}[op]()
        if isinstance(result, pd.Series):
            missing = _is_missing(a) if isinstance(a, pd.Series) else pd.Series(False, index=result.index)
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
        return not pd.api.types.is_numeric_dtype(v) and not pd.api.types.is_bool_dtype(v) and not pd.api.types.is_datetime64_any_dtype(v)
    return False


def _call(n: Call, args: list[Any], df: pd.DataFrame) -> Any:
    name = n.name
    if name in ("abs", "floor", "ceil", "sqrt", "log", "exp"):
        x = _numbers(args[0], n.args[0])
        fn = {"abs": np.abs, "floor": np.floor, "ceil": np.ceil, "sqrt": np.sqrt, "log": np.log, "exp": np.exp}[name]
        r = fn(x)
        return r if isinstance(r, pd.Series) else float(r)
    if name == "round":
        x = _numbers(args[0], n.args[0])
        digits = _numbers(args[1], n.args[1]) if len(args) > 1 else 0.0
        if isinstance(digits, pd.Series) or not float(digits).is_integer() or abs(digits) > 15:
            raise ExpressionError("round()'s second argument must be a whole number of digits between -15 and 15", n.args[1].pos)
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
        return {"lower": str.lower, "upper": str.upper, "strip": str.strip, "len": lambda t: float(len(t))}[name](s)
    if name in ("contains", "startswith", "endswith"):
        s, sub = _strings(args[0], n.args[0]), _strings(args[1], n.args[1])
        if isinstance(sub, pd.Series):
            raise ExpressionError(f"the second argument of {name}() must be fixed text, not a column", n.args[1].pos)
        if s is None or sub is None:
            return None
        if isinstance(s, pd.Series):
            if name == "contains":
                return s.str.contains(sub, regex=False).astype("boolean")
            return getattr(s.str, name)(sub).astype("boolean")
        return {"contains": lambda: sub in s, "startswith": lambda: s.startswith(sub), "endswith": lambda: s.endswith(sub)}[name]()
    if name == "substr":
        s = _strings(args[0], n.args[0])
        start, length = args[1], args[2] if len(args) > 2 else None
        for v, a in ((start, n.args[1]), (length, n.args[2] if len(n.args) > 2 else None)):
            if a is not None and (not isinstance(v, float) or not v.is_integer() or v < 0 or v > 1e9):
                raise ExpressionError("substr() takes a fixed whole-number start (from 0) and length", a.pos)
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
            return pd.to_numeric(v, errors="coerce").astype(float) if not pd.api.types.is_bool_dtype(v) else v.astype(float)
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
        out = pd.Series(np.where(mask, _as_array(a, len(mask)), _as_array(b, len(mask))), index=cond.index)
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


def compile_expression(text: str, spec: TableSpec | None = None, where: str = "expression") -> tuple[Node, str]:
    """Parse and type-check in one call: the AST and its result kind (for configure)."""
    try:
        tree = parse(text)
        return tree, check(tree, spec)
    except ExpressionError as exc:
        if where == exc.where:
            raise
        raise ExpressionError(exc.raw, exc.position, where=where) from None
