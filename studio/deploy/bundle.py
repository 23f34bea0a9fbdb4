"""A loaded, verified bundle: the captured subgraph with its frozen values, ready to score.

`Bundle.load` checks every path, hash and the signature before it deserialises any
state, then proves its faster scoring plans (ONNX, compiled; see plan.py) equal to the
graph on its reference rows. `predict` uses the fastest proven plan; the graph path runs
the nodes in topological order in apply mode — stateful nodes use their frozen state,
static inputs their frozen values — with no engine cache or events.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from studio.core.errors import KnotworkError, KnotworkWarning
from studio.core.fileformat import dumps
from studio.core.node import ExecutionContext, NodeType, run_node
from studio.core.ports import Table, TableSpec
from studio.core.workflow import Workflow
from studio.security.signing import TrustedKeys

from .archive import verify_files
from .errors import BundleError
from .monitoring import describe_monitors
from .plan import (
    NODE,
    NONE,
    ORDER,
    REQUEST,
    STATIC,
    CompiledPlan,
    ParsedRows,
    all_numbers,
    choose,
    columns_frame,
    rows_of,
    with_reference_categories,
)
from .schema import (
    IGNORED,
    already_conformed,
    conform,
    extra_columns,
    frame_dtypes,
    same_columns,
    unknown_columns_error,
)
from .state import load_value, read_table
from .threads import scoring_threads

GRAPH = "graph.json"


@dataclass
class _Step:
    node_id: str
    label: str
    node_type: type[NodeType]
    settings: Any
    fitted: Any  # the frozen state of a stateful node
    sources: list[tuple[int, Any, int]]  # (kind, static value or source node id, output index)
    ctx: ExecutionContext


class Bundle:
    """A verified bundle; build with `Bundle.load(path)`."""

    def __init__(
        self,
        path: Path,
        manifest: dict[str, Any],
        files: dict[str, bytes],
        key_id: str,
        steps: list[_Step],
        output_node: str,
    ):
        self.path = path
        self.manifest = manifest
        self.key_id = key_id
        self.name: str = manifest["name"]
        self.version: str = str(manifest["version"])
        self.input_schema = TableSpec.from_json(manifest["input_schema"])
        self.output_schema = TableSpec.from_json(manifest["output_schema"])
        # What the Deployment Input saw in training; columns beyond input_schema (a target) are optional.
        self._captured = TableSpec.from_json(
            manifest.get("captured_input_schema") or manifest["input_schema"]
        )
        self.optional_columns: frozenset[str] = frozenset(self._captured.names) - set(
            self.input_schema.names
        )
        self._roles = dict(self._captured.roles)
        self._files = {k: v for k, v in files.items() if not k.startswith("state/")}
        self.reference: dict[str, Any] = (
            json.loads(files["reference/profile.json"]) if "reference/profile.json" in files else {}
        )
        self._steps = steps
        self._output = output_node
        # What requests are checked against: text columns get the categories training saw.
        self.served_schema = with_reference_categories(self.input_schema, self.reference)
        # A request whose columns are exactly the inputs, in order, has no extras to sort out.
        self._input_columns = pd.Index(self.served_schema.names)
        self._float_inputs: tuple[Any, ...] | None = (
            (np.dtype(np.float64),) * len(self._captured.columns)
            if all_numbers(self.served_schema)
            and all_numbers(self._captured)
            and self._captured.names == self.served_schema.names
            else None
        )
        self.plans: dict[str, Any] = {}  # proven faster plans by name (see prove_plans)
        self.refused: dict[str, str] = {}  # why each other faster plan does not serve

    # ---- loading --------------------------------------------------------------------
    @classmethod
    def load(cls, path: str | Path, trusted_keys: TrustedKeys = None) -> Bundle:
        """Verify (paths, signature, every hash), load the graph and frozen state, and
        prove the faster scoring plans on the reference rows."""
        path = Path(path)
        verified = verify_files(path, trusted_keys)
        files, manifest = verified.files, verified.manifest
        if GRAPH not in files:
            raise BundleError(f"{path}: {GRAPH} is missing")
        graph = json.loads(files[GRAPH])
        wf = Workflow.loads(dumps(graph["workflow"]), f"{path}/{GRAPH}")
        dep = graph["deployment"]
        statics: dict[tuple[str, str], Any] = {}
        for entry in dep["static_inputs"]:
            statics[(entry["node"], entry["port"])] = load_value(entry["value"], files)
        fitted = {nid: load_value(desc, files) for nid, desc in dep["fitted"].items()}
        base_dir = str(path.parent)
        steps: list[_Step] = []
        for nid in nx.topological_sort(wf.graph):
            inst = wf.node(nid)
            node_type = wf.catalog.get(inst.type_id)
            links = wf.inputs_of(nid)
            sources: list[tuple[int, Any, int]] = []
            for port in node_type.inputs:
                if nid == dep["input_node"]:
                    sources.append((REQUEST, None, 0))
                elif (nid, port.name) in statics:
                    sources.append((STATIC, statics[(nid, port.name)], 0))
                elif port.name in links:
                    lk = links[port.name]
                    src_type = wf.catalog.get(wf.node(lk.source).type_id)
                    sources.append(
                        (NODE, lk.source, [p.name for p in src_type.outputs].index(lk.source_port))
                    )
                elif port.optional:
                    sources.append((NONE, None, 0))
                else:
                    raise BundleError(
                        f'{path}: {GRAPH}: input "{port.name}" of node "{inst.label}" has no source'
                    )
            if node_type.stateful and nid not in fitted:
                raise BundleError(
                    f'{path}: {GRAPH}: no fitted state for stateful node "{inst.label}"'
                )
            steps.append(
                _Step(
                    nid,
                    inst.label,
                    node_type,
                    node_type.validate_settings(inst.settings),
                    fitted.get(nid),
                    sources,
                    ExecutionContext(nid, inst.label, base_dir=base_dir, catalog=wf.catalog),
                )
            )
        bundle = cls(path, manifest, files, verified.key_id, steps, dep["output_node"])
        bundle.prove_plans()
        return bundle

    def prove_plans(self) -> None:
        """Build the ONNX and compiled plans and keep those equal to the graph."""
        from .onnx_plan import OnnxPlan

        self.plans, self.refused = choose(
            self,
            {
                "onnx": lambda: OnnxPlan.build(self),
                "compiled": lambda: CompiledPlan.build(self._steps, self._output, self._captured),
            },
        )

    @property
    def plan(self) -> str:
        """The plan `predict` uses first: onnx, compiled or graph."""
        return next((p for p in ORDER if p in self.plans), "graph")

    # ---- scoring --------------------------------------------------------------------
    def conform(self, df: pd.DataFrame) -> pd.DataFrame:
        """Request rows in the schema's column order and training types (InputSchemaError if not)."""
        return conform(df, self._captured, self.optional_columns)

    def predict(self, df: pd.DataFrame) -> pd.DataFrame:
        """Score request rows: the Deployment Output table for these rows, index kept.

        Raises InputSchemaError for rows that do not fit the input schema (an unknown
        column included), and BundleError (or a node's NodeExecutionError) when a node
        fails. The model's target, when sent, is ignored with a KnotworkWarning.
        """
        rows = self._number_rows(df) if self.plans else None
        if rows is not None:  # the common case, checked in one go: plain float inputs
            cols = self.predict_rows(rows, graph=False)
            if cols is not None:
                return columns_frame(cols, df.index)
            return self.predict_graph(df)
        df = self._without_extras(df)
        if self.plans and len(df):
            # Rows already in the inputs' order and types go as they are: no copy of a
            # large float block, no filled-in target column the plans never read.
            served = self.served_schema
            conformed = df if already_conformed(df, served) else self.conform(df)
            cols = self.predict_rows(rows_of(conformed, served), graph=False)
            if cols is not None:
                return columns_frame(cols, df.index)
            return self.predict_graph(conformed)
        return self.predict_graph(df)

    def _number_rows(self, df: pd.DataFrame) -> ParsedRows | None:
        """rows_of(conform(df)) when that is `df` itself as one float matrix: an all-number
        schema with no optional columns, `df` holding exactly its columns, in order, as
        float64 (no extras to sort out, nothing to convert); None for every other frame."""
        if self._float_inputs is None or not len(df):
            return None
        if not same_columns(df.columns, self._input_columns):
            return None
        if tuple(frame_dtypes(df)) != self._float_inputs:
            return None
        mat = df.to_numpy(dtype=np.float64)
        names = self.served_schema.names
        return ParsedRows({n: mat[:, j] for j, n in enumerate(names)}, len(df), [], mat)

    def _without_extras(self, df: pd.DataFrame) -> pd.DataFrame:
        """schema.extra_columns, the rule /predict and `knotwork score` follow too."""
        if same_columns(df.columns, self._input_columns):
            return df
        inputs = list(self.served_schema.names)
        ignored, unknown = extra_columns(
            [str(c) for c in df.columns], inputs, self.optional_columns
        )
        if unknown:
            raise unknown_columns_error(unknown, inputs)
        if not ignored:
            return df
        warnings.warn(
            f"column(s) {', '.join(map(repr, ignored))}: {IGNORED}", KnotworkWarning, stacklevel=3
        )
        return df.drop(columns=ignored)

    def predict_rows(
        self, rows: ParsedRows, exclude: tuple[str, ...] = (), graph: bool = True
    ) -> dict[str, Any] | None:
        """Output columns of validated rows by the fastest proven plan not in `exclude`
        that takes them, else the graph (None instead when `graph` is false)."""
        with scoring_threads(rows.n_rows):
            for name in ORDER:
                plan = self.plans.get(name)
                if plan is not None and name not in exclude:
                    cols = plan.predict(rows)
                    if cols is not None:
                        return cols
            if not graph:
                return None
            out = self.predict_graph(rows.frame())
        return {str(c): out[c].to_numpy() for c in out.columns}

    def predict_graph(self, df: pd.DataFrame) -> pd.DataFrame:
        """The reference answer: every captured node run in apply mode on a DataFrame."""
        with scoring_threads(len(df)):
            return self._run_graph(df)

    def _run_graph(self, df: pd.DataFrame) -> pd.DataFrame:
        request = Table(conform(df, self._captured, self.optional_columns), self._roles)
        outputs: dict[str, list[Any]] = {}
        for step in self._steps:
            inputs = [
                request
                if k == REQUEST
                else v
                if k == STATIC
                else outputs[v][i]
                if k == NODE
                else None
                for k, v, i in step.sources
            ]
            try:
                outputs[step.node_id], _ = run_node(
                    step.node_type, step.settings, inputs, step.ctx, state=step.fitted
                )
            except KnotworkError:
                raise
            except Exception as exc:  # a node's own failure: name the node, never a bare traceback
                raise BundleError(
                    f'node "{step.label}" failed on these rows: {type(exc).__name__}: {exc}'
                ) from exc
        return outputs[self._output][0].df

    # ---- contents -------------------------------------------------------------------
    def file(self, name: str) -> bytes:
        """A verified non-state file of the bundle (openapi.json, input_example.json, model.onnx, ...)."""
        try:
            return self._files[name]
        except KeyError:
            raise BundleError(f"the bundle has no file {name!r}") from None

    @property
    def openapi(self) -> dict[str, Any]:
        return json.loads(self.file("openapi.json"))

    @property
    def input_example(self) -> list[dict[str, Any]]:
        return json.loads(self.file("input_example.json"))

    @property
    def onnx_model(self) -> bytes | None:
        """The checked ONNX export, when the scope was convertible."""
        return self._files.get("model.onnx")

    def reference_sample(self) -> pd.DataFrame:
        """Up to 1,000 rows of the training input, for drift comparisons."""
        return read_table(self.file("reference/sample.parquet"))

    def summary(self) -> dict[str, Any]:
        """What `bundle inspect` and a server's /metadata show."""
        m = self.manifest
        return {
            "name": self.name,
            "version": self.version,
            "created_at": m.get("created_at"),
            "created_by": m.get("created_by"),
            "knotwork_version": m.get("knotwork_version"),
            "source": m.get("source"),
            "signed_by": self.key_id,
            "input_schema": m.get("input_schema"),
            "output_schema": m.get("output_schema"),
            "metrics": m.get("metrics"),
            "parity": m.get("parity"),
            "onnx": m.get("onnx"),
            "scoring": self.scoring(),
            "monitors": describe_monitors(m),
        }

    def scoring(self, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
        """Which plan serves, and why each faster one does not (refused, or `exclude`d)."""
        why = dict(self.refused)
        why.update({name: "turned off for this server" for name in exclude if name in self.plans})
        serves = next((p for p in ORDER if p in self.plans and p not in exclude), "graph")
        faster = ORDER[: ORDER.index(serves)] if serves in ORDER else ORDER
        return {"plan": serves, "refused": {name: why[name] for name in faster if name in why}}

    def __repr__(self) -> str:
        return f"Bundle({self.name!r}, version={self.version!r}, path={str(self.path)!r})"
