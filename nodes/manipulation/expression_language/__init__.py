"""A small, safe expression language for new columns and row filters.

Text is tokenized and parsed (Pratt parser) into an AST that is type-checked against a
table spec and evaluated vectorised on pandas Series. Nothing is ever handed to Python's
`eval`: the only operations are the operators and functions listed here.

    price * quantity                    col("unit price") * 1.2
    if(age >= 18, "adult", "minor")     lower(name) == "ada" and not isnull(score)
"""

from __future__ import annotations

from studio.core.ports import TableSpec

from .checker import FUNCTIONS, check
from .evaluator import evaluate
from .syntax import ExpressionError, Node, columns_used, parse, tokenize

__all__ = [
    "FUNCTIONS",
    "ExpressionError",
    "Node",
    "check",
    "columns_used",
    "compile_expression",
    "evaluate",
    "parse",
    "tokenize",
]


def compile_expression(
    text: str, spec: TableSpec | None = None, where: str = "expression"
) -> tuple[Node, str]:
    """Parse and type-check in one call: the AST and its result kind (for configure)."""
    try:
        tree = parse(text)
        return tree, check(tree, spec)
    except ExpressionError as exc:
        if where == exc.where:
            raise
        raise ExpressionError(exc.raw, exc.position, where=where) from None
