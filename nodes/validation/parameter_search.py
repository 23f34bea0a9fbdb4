"""Parameter Search: try a learner's settings over a grid (or a random sample of it) with
cross-validation, so the settings are chosen on folds rather than on the test rows."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field, TypeAdapter, ValidationError, field_validator
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV

from nodes.learners.base import LearnerNode, learner_base
from studio.core import (
    Catalog,
    ConfigureError,
    Metrics,
    Model,
    NodeExecutionError,
    NodeSettings,
    NodeType,
    Port,
    PortType,
    Table,
)
from studio.core.fingerprint import fit_fingerprint
from studio.core.node import ColumnField
from studio.core.ports import ColumnSpec, ModelSpec, TableSpec, dtype_name
from studio.core.scalars import python_scalar
from studio.core.setting_messages import setting_error

from .resampling import (
    FoldMethod,
    ScoreName,
    fold_plan,
    model_rows,
    public_score,
    require_fold_column,
    require_model_columns,
    require_supervised,
    score_choice,
    sklearn_scorer,
    splitter,
)

ParamValue = int | float | str | bool | None


class Settings(NodeSettings):
    search_space: dict[str, list[ParamValue]] = Field(
        default_factory=dict,
        description='Estimator parameters and the values to try, e.g. {"C": [0.1, 1, 10]}',
    )
    mode: Literal["grid", "random"] = Field(
        "grid", description="grid tries every combination; random tries n_iter of them"
    )
    n_iter: int = Field(10, ge=1, le=10_000, description="Combinations tried in random mode")
    method: FoldMethod = Field(
        "stratified", description="How rows are cut into folds (as in Cross-Validation)"
    )
    folds: int = Field(5, ge=2, le=100, description="Number of folds")
    column: str | None = ColumnField(
        None, port=1, description="Group column (group) or time column (time_series)"
    )
    scoring: ScoreName = Field(
        "auto",
        description="Score to maximise (errors are minimised); auto: balanced accuracy or R²",
    )
    seed: int = Field(42, ge=0, description="Random seed for the folds and the random sample")
    n_jobs: int = Field(
        1,
        ge=-1,
        le=256,
        description="Fits in parallel (-1: all cores, or all workers of a Dask cluster)",
    )

    @field_validator("search_space")
    @classmethod
    def _non_empty_lists(cls, v: dict[str, list[Any]]) -> dict[str, list[Any]]:
        empty = [k for k, vals in v.items() if not vals]
        if empty:
            raise ValueError(f"give at least one value for {', '.join(map(repr, empty))}")
        return v

    @field_validator("n_jobs")
    @classmethod
    def _nonzero(cls, v: int) -> int:
        if v == 0:
            raise ValueError("n_jobs must be -1 (all cores) or a positive number")
        return v


RESULT_COLUMNS = ("candidate", "rank", "mean_score", "std_score")


def _param_dtype(values: list[Any]) -> str:
    """The column kind of one parameter's tried values (mixed kinds become text)."""
    if None in values:
        return "string"
    kinds = {dtype_name(pd.Series([v])) for v in values}
    if kinds == {"integer", "number"}:
        return "number"
    return kinds.pop() if len(kinds) == 1 else "string"


def _param_column(values: list[Any], tried: list[Any]) -> pd.Series:
    kind = _param_dtype(tried)
    if kind == "string":
        return pd.Series(["None" if v is None else str(v) for v in values], dtype=object)
    return pd.Series(values, dtype=float if kind == "number" else None)


def check_search_space(space: dict[str, list[Any]], learner: str, catalog: Catalog) -> None:
    """Hold each value tried against the learner's own settings model (type, bounds,
    choices), so a bad value is named here rather than deep inside scikit-learn.
    Only settings the learner hands unchanged to its estimator are checked: others (a
    boolean `class_weight` that becomes "balanced") mean something else as estimator
    parameters."""
    if not learner or learner not in catalog:
        return
    node_type = catalog.get(learner)
    if not issubclass(node_type, LearnerNode):  # a third-party model node: sklearn judges
        return
    defaults = node_type.Settings()
    params = node_type().build(defaults).get_params()
    fields = node_type.Settings.model_fields
    for key, values in space.items():
        field = fields.get(key)
        if field is None or key not in params or params[key] != getattr(defaults, key):
            continue
        adapter = TypeAdapter(Annotated[field.annotation, field])
        for value in values:
            try:
                adapter.validate_python(value)
            except ValidationError as exc:
                said = setting_error(node_type.Settings, {**exc.errors()[0], "loc": (key,)})
                raise ConfigureError(
                    f"{key}={value!r} is not valid for {node_type.name}: {said.message}",
                    where="search_space",
                ) from None


class ParameterSearch(NodeType):
    type_id = "validation.parameter_search"
    name = "Parameter Search"
    category = "Split and validate"
    long_running = True
    description = "Grid or random search of a learner's parameters with cross-validation; outputs the best settings, all results and the refitted model."
    keywords = (
        "grid search",
        "random search",
        "hyperparameter",
        "tuning",
        "optimise",
        "cross validation",
    )
    inputs = (
        Port(
            "model", PortType.MODEL, description="A learner's model: its estimator is the template"
        ),
        Port(
            "table",
            PortType.TABLE,
            description="Training rows, with the model's features and target",
        ),
    )
    outputs = (
        Port(
            "best", PortType.METRICS, description="Best parameters and their cross-validated score"
        ),
        Port(
            "results",
            PortType.TABLE,
            description="One row per candidate: parameters, mean and std score, rank",
        ),
        Port(
            "model",
            PortType.MODEL,
            description="The template refitted on all rows with the best parameters",
        ),
    )
    Settings = Settings

    def configure(self, s: Settings, specs, ctx):
        model: ModelSpec | None = specs[0]
        table: TableSpec | None = specs[1]
        if not s.search_space:
            raise ConfigureError(
                'give the parameters to search, e.g. {"C": [0.1, 1, 10]}', where="search_space"
            )
        require_supervised(model)
        require_model_columns(model, table, "input port 'table'")
        require_fold_column(s.method, s.column, table)
        if model is not None:
            score_choice(s.scoring, model.task)
            check_search_space(s.search_space, model.learner, ctx.catalog)
        cols = [
            ColumnSpec(c, "integer" if c in ("candidate", "rank") else "number")
            for c in RESULT_COLUMNS
        ]
        cols += [ColumnSpec(f"param_{k}", _param_dtype(v)) for k, v in s.search_space.items()]
        cols.append(ColumnSpec("params", "string"))
        return [None, TableSpec(tuple(cols)), model]

    def execute(self, s: Settings, inputs, ctx):
        model: Model = inputs[0]
        table: Table = inputs[1]
        check_search_space(s.search_space, model.learner, ctx.catalog)
        template = clone(model.estimator)
        valid = template.get_params(deep=True)
        unknown = [k for k in s.search_space if k not in valid]
        if unknown:
            raise NodeExecutionError(
                f"{type(template).__name__} has no parameter(s) {', '.join(map(repr, unknown))} (search_space); "
                f"valid: {', '.join(sorted(valid))}"
            )
        score = score_choice(s.scoring, model.task)
        df, groups = fold_plan(s.method, s.column, table, s.folds, model.task, model.target)
        X, y = model_rows(model, table.with_df(df))
        common = dict(
            scoring=sklearn_scorer(score, model.task),
            cv=splitter(s.method, s.folds, s.seed),
            n_jobs=s.n_jobs,
            refit=True,
            error_score="raise",
        )
        if s.mode == "grid":
            search = GridSearchCV(template, s.search_space, **common)
        else:
            search = RandomizedSearchCV(
                template, s.search_space, n_iter=s.n_iter, random_state=s.seed, **common
            )
        ctx.progress(0.05, f"{s.mode} search over {s.folds} folds")
        try:
            search.fit(X, y, groups=groups)
        except (ValueError, TypeError) as exc:
            raise NodeExecutionError(
                f"parameter search failed: {exc} (check the values in search_space)"
            ) from None
        best_params = {k: python_scalar(v) for k, v in search.best_params_.items()}
        best_score = public_score(score, search.best_score_)
        results = _results_table(search.cv_results_, score, s.search_space)
        best = Metrics(
            {
                "best_params": best_params,
                "best_score": best_score,
                "scoring": score,
                "mode": s.mode,
                "folds": s.folds,
                "candidates": len(results),
            },
            title=f"{ctx.label}: best {score} {best_score:.4g}",
        )
        settings = {
            **model.settings,
            **{k: v for k, v in best_params.items() if k in model.settings},
        }
        settings["parameter_search"] = {
            "best_params": best_params,
            "scoring": score,
            "best_score": best_score,
            "mode": s.mode,
            "folds": s.folds,
        }
        refit = Model(
            estimator=search.best_estimator_,
            task=model.task,
            features=list(model.features),
            target=model.target,
            classes=list(model.classes) if model.classes is not None else None,
            metrics={
                **learner_base(model.task).scores(y, search.best_estimator_.predict(X)),
                f"cv_{score}": best_score,
            },
            learner=model.learner,
            settings=settings,
            fit_rows=fit_fingerprint(df, [*model.features, model.target]),
        )
        return [best, Table(results), refit]


def _results_table(cv: dict, score: str, space: dict[str, list[Any]]) -> pd.DataFrame:
    n = len(cv["params"])
    out = pd.DataFrame(
        {
            "candidate": np.arange(1, n + 1),
            "rank": np.asarray(cv["rank_test_score"], dtype=int),
            "mean_score": [public_score(score, v) for v in cv["mean_test_score"]],
            "std_score": np.asarray(cv["std_test_score"], dtype=float),
        }
    )
    for k, tried in space.items():
        out[f"param_{k}"] = _param_column([p.get(k) for p in cv["params"]], tried)
    out["params"] = [
        json.dumps({k: python_scalar(v) for k, v in p.items()}, sort_keys=True)
        for p in cv["params"]
    ]
    return out.sort_values(["rank", "candidate"], kind="stable").reset_index(drop=True)
