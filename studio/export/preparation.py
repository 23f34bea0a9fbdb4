"""Emitters for the nodes that read and prepare rows: readers, column nodes, the split and
the fitted preprocessing (as ColumnTransformers of stock scikit-learn steps).

Each emitter writes the lines that compute its node's outputs from its inputs' variables.
Where a setting has no exact scikit-learn equivalent it raises `ExportError` naming the
node and the setting, rather than writing a script that would answer differently.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from studio.core.parameters import reference

from .script import literal, wrapped_list

if TYPE_CHECKING:
    from .emit import Emit

NUMBER_KINDS = ("number", "integer")

INPUTS_OF = '''
def inputs_of(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows without the target: what a fitted step learns from and a served model gets."""
    return rows.drop(columns=[TARGET], errors="ignore") if TARGET else rows
'''

TRANSFORMED = '''
def transformed(step, rows: pd.DataFrame) -> pd.DataFrame:
    """A fitted step applied to rows; the target, which no step touches, is carried along."""
    out = step.transform(inputs_of(rows))
    if TARGET and TARGET in rows.columns:
        out[TARGET] = rows[TARGET]
    return out
'''

PARTITION = '''
def partition(rows, method, column, train_fraction, validation_fraction, seed):
    """Train, test and validation rows, cut as the workflow's Partitioning node cuts them."""
    n, idx = len(rows), np.arange(len(rows))
    held = 1 - train_fraction
    if method == "time":
        order = np.argsort(rows[column].to_numpy(), kind="stable")
        n_train, n_val = round(n * train_fraction), round(n * validation_fraction)
        parts = order[:n_train], order[n_train + n_val :], order[n_train : n_train + n_val]
        return tuple(rows.iloc[p] for p in parts)
    if method == "grouped":
        groups = rows[column].to_numpy()
        cut = GroupShuffleSplit(n_splits=1, test_size=held, random_state=seed)
        train, rest = next(cut.split(idx, groups=groups))
        if validation_fraction == 0:
            return rows.iloc[train], rows.iloc[rest], rows.iloc[:0]
        cut = GroupShuffleSplit(n_splits=1, test_size=validation_fraction / held, random_state=seed)
        test, validation = next(cut.split(rest, groups=groups[rest]))
        return rows.iloc[train], rows.iloc[rest[test]], rows.iloc[rest[validation]]
    strata = None
    if method == "stratified":
        strata = rows[column]
        numeric = pd.api.types.is_numeric_dtype(strata) and not pd.api.types.is_bool_dtype(strata)
        if numeric and strata.nunique() > 20:  # a quantity: keep the shares of its deciles
            strata = pd.qcut(strata.rank(method="first"), 10, labels=False).fillna(-1).astype(int)
        strata = strata.to_numpy()
    train, rest = train_test_split(idx, test_size=held, random_state=seed, stratify=strata)
    if validation_fraction == 0:
        return rows.iloc[np.sort(train)], rows.iloc[np.sort(rest)], rows.iloc[:0]
    test, validation = train_test_split(
        rest,
        test_size=validation_fraction / held,
        random_state=seed,
        stratify=strata[rest] if strata is not None else None,
    )
    return tuple(rows.iloc[np.sort(p)] for p in (train, test, validation))
'''


def csv_reader(e: Emit) -> None:
    s = e.settings
    path = e.context().resolve_path(s.path)
    if not os.path.isfile(path):
        e.fail("a glob or folder of CSV files is not exported: point it at one file", "path")
    if not s.header:
        e.fail("a file without a header row is not exported (its columns are numbered)", "header")
    e.script.modules.add("import pandas as pd")
    args = [e.data_path(path)]
    if s.delimiter != ",":
        args.append(f"sep={literal(chr(9) if s.delimiter == chr(92) + 't' else s.delimiter)}")
    if s.encoding != "utf-8":
        args.append(f"encoding={e.value('encoding')}")
    if not s.guess_types:
        args.append("dtype=str")
    args += ["keep_default_na=False", f"na_values={e.value('na_values')}"]
    if s.date_columns:
        args.append(f"parse_dates={e.value('date_columns')}")
    if s.decimal != ".":
        args.append(f"decimal={e.value('decimal')}")
    e.assign("table", "pd.read_csv(\n        " + ",\n        ".join(args) + ",\n    )")


def parquet_reader(e: Emit) -> None:
    path = e.context().resolve_path(e.settings.path)
    if not os.path.isfile(path):
        e.fail("a glob or folder of Parquet files is not exported: point it at one file", "path")
    e.script.modules.add("import pandas as pd")
    columns = list(e.output("table").df.columns)
    e.assign("table", f"pd.read_parquet({e.data_path(path)}, columns={wrapped_list(columns, 8)})")


def column_filter(e: Emit) -> None:
    columns = [str(c) for c in e.output("table").df.columns]
    e.assign("table", f"{e.input('table')}[{wrapped_list(columns)}]")


def column_roles(e: Emit) -> None:
    roles = e.output("table").roles
    target = next((c for c, r in roles.items() if r == "target"), None)
    shown = ", ".join(f"{r} {c!r}" for c, r in roles.items()) or "none"
    e.script.comment(f"roles: {shown}")
    if target is not None:
        e.set_target(target)
    e.assign("table", e.input("table"))


MATCHES = '''
def matches(rows: pd.DataFrame, column: str, operator: str, value) -> pd.Series:
    """One Row Filter condition, tested as the workflow's node tests it: a value is read as
    a number, date or true/false when the column holds those, a gap never matches."""
    s = rows[column]
    if operator in ("is missing", "is not missing"):
        return s.isna() if operator == "is missing" else s.notna()
    if operator in ("contains", "starts with", "ends with"):
        text = s.astype("string").str
        found = {
            "contains": lambda: text.contains(str(value), regex=False),
            "starts with": lambda: text.startswith(str(value)),
            "ends with": lambda: text.endswith(str(value)),
        }[operator]()
        return found.fillna(False).astype(bool)

    def typed(v):
        if pd.api.types.is_bool_dtype(s):
            return str(v).strip().lower() in ("true", "1", "yes")
        if pd.api.types.is_numeric_dtype(s):
            return float(v)
        if pd.api.types.is_datetime64_any_dtype(s):
            return pd.Timestamp(v)
        return str(v)

    if operator == "in":
        return s.astype(object).isin([typed(v.strip()) for v in str(value).split(",")])
    v = typed(value)
    if isinstance(v, str):
        s = s.astype("string")
    compare = {"==": s.__eq__, "!=": s.__ne__, "<": s.__lt__, "<=": s.__le__}
    compare.update({">": s.__gt__, ">=": s.__ge__})
    result = compare[operator](v)
    if operator == "!=":
        return result.fillna(True).astype(bool) & s.notna()
    return result.fillna(False).astype(bool)
'''


def row_filter(e: Emit) -> None:
    s = e.settings
    if s.mode == "expression":
        e.fail("an expression filter is not exported: write it as conditions", "mode")
    e.script.modules.add("import pandas as pd")
    e.script.helper("matches", MATCHES)
    rows = e.input("table")
    tests = []
    for i, c in enumerate(s.conditions):
        raw = e.raw.get("conditions", [])[i] if i < len(e.raw.get("conditions", [])) else {}
        name = reference(raw.get("value")) if isinstance(raw, dict) else None
        value = e.exporter.parameter(name) if name else literal(c.value)
        tests.append(f"matches({rows}, {e.column(c.column)}, {literal(c.operator)}, {value})")
    joined = (" & " if s.combine == "all" else " | ").join(tests)
    if len(tests) > 1:
        joined = "(" + joined + ")"
    mask = e.script.variable(f"{e.base}_mask")
    e.script.line(f"{mask} = {joined}")
    e.assign("table", f"{rows}[{'' if s.keep_matching else '~'}{mask}.to_numpy()]")


def partitioning(e: Emit) -> None:
    s = e.settings
    column = s.column or (e.target if s.method == "stratified" else None)
    e.script.modules.update({"import numpy as np", "import pandas as pd"})
    e.script.use("sklearn.model_selection", "train_test_split", "GroupShuffleSplit")
    e.script.helper("partition", PARTITION)
    names = ", ".join(e.out(p) for p in ("train", "test", "validation"))
    call = (
        f"partition({e.input('table')}, {literal(s.method)}, {e.column(column) if column else 'None'}, "
        f"{e.value('train_fraction')}, {e.value('validation_fraction')}, seed={e.value('seed')})"
    )
    e.script.line(f"{names} = {call}")


# ---- fitted preprocessing: a ColumnTransformer per node ----------------------------------
def _column_transformer(e: Emit, parts: list[tuple[str, str, list[str]]]) -> None:
    """Fit `parts` (name, step source, columns) on the input rows, transform them, and name
    the fitted ColumnTransformer as the node's transform output."""
    e.script.use("sklearn.compose", "ColumnTransformer")
    e.script.helper("inputs_of", INPUTS_OF)
    e.script.helper("transformed", TRANSFORMED)
    e.ensure_target()
    rows = e.input("table")
    listed = "".join(
        f"            ({literal(n)}, {step}, {wrapped_list(cols, 12)}),\n"
        for n, step, cols in parts
    )
    fitted = e.out("transform")
    e.script.line(
        f"{fitted} = ColumnTransformer(\n        [\n{listed}        ],\n"
        '        remainder="passthrough",\n        verbose_feature_names_out=False,\n'
        f'    ).set_output(transform="pandas").fit(inputs_of({rows}))'
    )
    e.assign("table", f"transformed({fitted}, {rows})")


def missing_value(e: Emit) -> None:
    s = e.settings
    fills = e.output("transform").state["fills"]
    spec = e.input_value("table").spec()
    groups: dict[tuple[str, str], list[str]] = {}
    for col in fills:
        numeric = spec.column(col).dtype in NUMBER_KINDS
        strategy = s.numbers if numeric else s.text
        if strategy == "constant":
            fill = s.number_value if numeric else s.text_value
            step = f"SimpleImputer(strategy='constant', fill_value={literal(fill)})"
        else:
            step = f"SimpleImputer(strategy={literal(strategy)})"
        groups.setdefault((("numbers" if numeric else "text"), step), []).append(col)
    e.script.use("sklearn.impute", "SimpleImputer")
    _column_transformer(e, [(name, step, cols) for (name, step), cols in groups.items()])


def category_encoder(e: Emit) -> None:
    s = e.settings
    categories = e.output("transform").state["categories"]
    rows = e.input_value("table").df
    if s.unseen == "reserved":
        e.fail(
            "unseen='reserved' (a column for unseen values) has no scikit-learn encoder", "unseen"
        )
    gappy = [c for c in categories if rows[c].isna().any()]
    if gappy:
        e.fail(
            f"column(s) {', '.join(map(repr, gappy))} have missing values in the rows it is fitted "
            "on: scikit-learn's encoders make a gap a category of its own, this node does not; "
            "fill them first with a Missing Value node",
            "columns",
        )
    cols = list(categories)
    if s.method == "ordinal":
        if not all(isinstance(c, str) for cats in categories.values() for c in cats):
            e.fail(
                "ordinal codes of non-text categories follow another order in scikit-learn",
                "method",
            )
        unknown = (
            "handle_unknown='error'"
            if s.unseen == "error"
            else "handle_unknown='use_encoded_value', unknown_value=-1"
        )
        e.script.use("sklearn.preprocessing", "OrdinalEncoder")
        step = f"OrdinalEncoder({unknown})"
    else:
        unknown = "error" if s.unseen == "error" else "ignore"
        e.script.use("sklearn.preprocessing", "OneHotEncoder")
        step = f"OneHotEncoder(handle_unknown={literal(unknown)}, sparse_output=False)"
    _column_transformer(e, [("encode", step, cols)] if cols else [])


SCALERS = {"zscore": "StandardScaler", "minmax": "MinMaxScaler", "robust": "RobustScaler"}


def normalizer(e: Emit) -> None:
    columns = e.output("transform").state["columns"]
    scaler = SCALERS[e.settings.method]
    e.script.use("sklearn.preprocessing", scaler)
    _column_transformer(e, [("scale", f"{scaler}()", list(columns))] if columns else [])


def apply_transform(e: Emit) -> None:
    e.script.helper("inputs_of", INPUTS_OF)
    e.script.helper("transformed", TRANSFORMED)
    e.ensure_target()
    e.assign("table", f"transformed({e.input('transform')}, {e.input('table')})")


EMITTERS = {
    "io.csv_reader": csv_reader,
    "io.parquet_reader": parquet_reader,
    "manipulation.column_filter": column_filter,
    "manipulation.row_filter": row_filter,
    "manipulation.column_roles": column_roles,
    "validation.partitioning": partitioning,
    "preprocessing.missing_value": missing_value,
    "preprocessing.category_encoder": category_encoder,
    "preprocessing.normalizer": normalizer,
    "preprocessing.apply_transform": apply_transform,
}
