"""Static type check of an expression against a table spec: wrong columns, functions and
types are reported at configure time, before any data is read."""

from __future__ import annotations

from studio.core.ports import TableSpec

from .syntax import COMPARE, Binary, Call, Column, ExpressionError, Literal, Node, Unary

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
    return (
        "number" if dtype in ("number", "integer") else "string" if dtype == "category" else dtype
    )


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
            return (
                "boolean"
                if isinstance(n.value, bool)
                else "string"
                if isinstance(n.value, str)
                else "number"
            )
        if isinstance(n, Column):
            if spec is None:
                return "any"
            col = spec.column(n.name)
            if col is None:
                raise ExpressionError(
                    f"no column {n.name!r} in the input table (available: {', '.join(spec.names) or 'none'})",
                    n.pos,
                )
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
                        raise ExpressionError(
                            f"'{n.op}' combines true/false values, not a {k}", _pos(side)
                        )
                return "boolean"
            if n.op in COMPARE:
                known = {a, b} - {"any", "null"}
                if len(known) == 2 and not known <= _NUMERIC:
                    raise ExpressionError(f"cannot compare a {a} with a {b}", n.pos)
                return "boolean"
            if n.op == "+" and "string" in (a, b):
                if {a, b} - {"string", "any", "null"}:
                    raise ExpressionError(
                        f"'+' joins two strings or adds two numbers, not a {a} and a {b} (use str() to convert)",
                        n.pos,
                    )
                return "string"
            for k in (a, b):
                if not fits(k, "number"):
                    raise ExpressionError(f"'{n.op}' needs numbers, not a {k}", n.pos)
            return "number"
        assert isinstance(n, Call)
        if n.name not in FUNCTIONS:
            raise ExpressionError(
                f"unknown function {n.name}() (known: {', '.join(sorted(FUNCTIONS))}, col)", n.pos
            )
        lo, hi, wanted, result = FUNCTIONS[n.name]
        if not lo <= len(n.args) <= hi:
            count = str(lo) if lo == hi else f"{lo} to {hi}"
            raise ExpressionError(f"{n.name}() takes {count} argument(s), got {len(n.args)}", n.pos)
        kinds = [visit(a) for a in n.args]
        for i, (k, w) in enumerate(zip(kinds, wanted, strict=False)):
            if not fits(k, w):
                raise ExpressionError(
                    f"argument {i + 1} of {n.name}() must be a {w}, not a {k}", _pos(n.args[i])
                )
        if result == "same":
            branches = [k for k in kinds[-2:] if k not in ("null",)]
            known = {k for k in branches if k != "any"}
            if len(known) > 1 and not known <= _NUMERIC:
                raise ExpressionError(
                    f"{n.name}() gives a {kinds[-2]} or a {kinds[-1]}: both must be of one type",
                    n.pos,
                )
            return known.pop() if len(known) == 1 else "any" if branches else "null"
        return result

    return visit(tree)


def _pos(n: Node) -> int:
    return n.pos
