"""Expression: a new (or replaced) column computed from a safe expression language."""

from __future__ import annotations

from functools import lru_cache

import pandas as pd
from pydantic import Field

from studio.core import ConfigureError, KnotworkError, NodeSettings, NodeType, Port, PortType
from studio.core.node import TextField
from studio.core.ports import ColumnSpec, Table, TableSpec, dtype_kind

from .expression_language import (
    ExpressionError,
    Node,
    check,
    columns_used,
    compile_expression,
    evaluate,
    parse,
)
from .expression_language.arrays import compile_numeric

# Result kinds of the language mapped onto column dtypes of a spec.
SPEC_DTYPES = {"number": "number", "string": "string", "boolean": "boolean", "datetime": "datetime"}


@lru_cache(maxsize=512)
def _parsed(text: str) -> tuple[Node, tuple[str, ...]]:
    """The AST of an expression and the columns it reads (ASTs are immutable: shared)."""
    tree = parse(text)
    return tree, tuple(columns_used(tree))


def _checked(text: str, table: Table) -> Node:
    """compile_expression(text, table.spec()), checked against the spec of only the columns
    the expression reads (the checker looks at nothing else); any error is raised from
    the whole table's spec, so its wording (the available columns) is the same."""
    try:
        tree, used = _parsed(text)
    except ExpressionError:
        tree, used = None, ()
    df = table.df
    if tree is not None and df.columns.is_unique and all(c in df.columns for c in used):
        dtypes = df.dtypes
        spec = TableSpec(tuple(ColumnSpec(c, dtype_kind(dtypes[c])) for c in used))
        try:
            check(tree, spec)
            return tree
        except ExpressionError:
            pass
    return compile_expression(text, table.spec())[0]


class Settings(NodeSettings):
    column: str = Field(
        "result",
        min_length=1,
        description="Name of the new column (an existing name is replaced in place)",
    )
    expression: str = TextField(
        "",
        description='Arithmetic, text and comparison expression, e.g. bill_length_mm / bill_depth_mm or if(col("body mass") > 4000, "heavy", "light")',
    )


class Expression(NodeType):
    type_id = "manipulation.expression"
    name = "Expression"
    category = "Manipulation"
    description = "Adds a column computed row by row from an expression: arithmetic, text functions, comparisons, if()."
    keywords = ("formula", "calculate", "compute", "derive", "new column", "math", "string")
    inputs = (Port("table", PortType.TABLE),)
    outputs = (Port("table", PortType.TABLE),)
    Settings = Settings

    def configure(self, s: Settings, specs, ctx):
        spec: TableSpec | None = specs[0]
        if not s.expression.strip():
            raise ConfigureError("write an expression, e.g. price * quantity", where="expression")
        _, kind = compile_expression(s.expression, spec)
        new = ColumnSpec(s.column, SPEC_DTYPES.get(kind, "string"))
        if s.column in spec.names:
            cols = tuple(new if c.name == s.column else c for c in spec.columns)
        else:
            cols = (*spec.columns, new)
        return [TableSpec(cols, spec.roles)]

    def execute(self, s: Settings, inputs, ctx):
        table = inputs[0]
        tree = _checked(s.expression, table)
        values = evaluate(tree, table.df, lambda m: ctx.warn(f'expression "{s.expression}": {m}'))
        return [table.with_df(table.df.assign(**{s.column: values}))]

    def compile_arrays(self, s: Settings, state, inputs, ctx):
        # The bundle's rows always have the training types, which configure checked.
        tree, _ = compile_expression(s.expression, None)
        used = columns_used(tree)
        numeric = compile_numeric(tree)  # plain arithmetic: numpy on the columns themselves

        def compute(cols):
            if numeric is not None:
                values = numeric(cols)
                if values is not None:
                    return {**cols, s.column: values}
            n = len(next(iter(cols.values()))) if cols else 0
            df = pd.DataFrame({c: cols[c] for c in used}, index=pd.RangeIndex(n), copy=False)
            try:
                values = evaluate(tree, df, lambda m: ctx.warn(f'expression "{s.expression}": {m}'))
            except KnotworkError:
                return None  # the graph reports it, naming the node
            return {**cols, s.column: values.to_numpy()}

        return compute
