"""The deployment scope in an exported script: the chain Deployment Input → Apply
Transform … → Predictor → Deployment Output becomes one scikit-learn Pipeline of the fitted
steps (the transforms fitted upstream, a feature selector and the model), and the scope's
output is that Pipeline's answer on the rows the scope received in training."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import networkx as nx

from studio.core import Workflow

from . import modelling, preparation
from .script import literal, not_exported, snake, wrapped_list

if TYPE_CHECKING:
    from .emit import Emit

DEPLOY_INPUT, DEPLOY_OUTPUT = "deployment.input", "deployment.output"
APPLY, PREDICTOR = "preprocessing.apply_transform", "scoring.predictor"


@dataclass
class Scope:
    nodes: set[str]
    head: str = ""  # the node whose table output the chain has reached
    steps: list[tuple[str, str]] = field(default_factory=list)  # (step name, fitted variable)
    rows: str = ""  # the variable the scope receives
    predictor: str = ""
    output_variable: str | None = None

    @classmethod
    def find(cls, wf: Workflow) -> Scope | None:
        ins = [n.id for n in wf.nodes if n.type_id == DEPLOY_INPUT]
        outs = [n.id for n in wf.nodes if n.type_id == DEPLOY_OUTPUT]
        if len(ins) != 1 or len(outs) != 1:
            return None
        inside = nx.descendants(wf.graph, ins[0]) & nx.ancestors(wf.graph, outs[0])
        return cls({ins[0], outs[0], *inside})

    def _source(self, e: Emit, port: str) -> str | None:
        link = e.exporter.wf.inputs_of(e.node.id).get(port)
        return link.source if link is not None else None

    def _in_chain(self, e: Emit, port: str = "table") -> None:
        if self._source(e, port) != self.head:
            e.fail(
                "in the deployment scope every step must take the rows of the step before it "
                "(Deployment Input → Apply Transform … → Predictor → Deployment Output), so the "
                "scope exports as one scikit-learn Pipeline",
                f"input port {port!r}",
            )

    def emit(self, e: Emit) -> None:
        kind = e.node.type_id
        if kind == DEPLOY_INPUT:
            e.script.comment("the rows the deployment scope received in training")
            e.assign("table", e.input("table"))
            self.rows = e.out("table")
        elif kind == APPLY:
            self._in_chain(e)
            if self._source(e, "transform") in self.nodes:
                e.fail(
                    "the transform it applies is fitted inside the deployment scope",
                    "input port 'transform'",
                )
            self.steps.append((snake(e.node.label), e.input("transform")))
            if self._needed_outside(e):
                preparation.apply_transform(e)
            else:
                e.script.comment("a step of `pipeline` below")
        elif kind == PREDICTOR:
            self._in_chain(e)
            if self._source(e, "model") in self.nodes:
                e.fail(
                    "the model it applies is trained inside the deployment scope",
                    "input port 'model'",
                )
            self._pipeline(e)
        elif kind == DEPLOY_OUTPUT:
            self._in_chain(e)
            columns = [str(c) for c in e.output("table").df.columns]
            e.assign("table", f"{self.predictor}[{wrapped_list(columns)}]")
            self.output_variable = e.out("table")
        else:
            e.fail(
                f"{e.exporter.wf.node_type(e.node.id).name} cannot be a step of the exported "
                "Pipeline: only Apply Transform steps and one Predictor are exported in the "
                "deployment scope"
            )
        self.head = e.node.id

    def _needed_outside(self, e: Emit) -> bool:
        wf = e.exporter.wf
        for link in wf.outputs_of(e.node.id):
            if link.target not in self.nodes and not not_exported(wf.node(link.target).type_id):
                return True
        return False

    def _pipeline(self, e: Emit) -> None:
        s = e.settings
        model = e.input_value("model")
        e.script.use("sklearn.pipeline", "Pipeline")
        e.script.use("sklearn.compose", "ColumnTransformer")
        e.script.use("sklearn.base", "is_classifier")
        e.script.modules.add("import pandas as pd")
        e.script.helper("predicted", modelling.PREDICTED)
        features = e.features(model)
        steps = [f"({literal(name)}, {var})" for name, var in self.steps]
        e.script.comment(
            "The deployment scope as one scikit-learn Pipeline: the fitted steps, the model's "
            "features in its order, the model"
        )
        sample = "transformed_sample"
        e.script.line(f"{sample} = {self.rows}.head(1)")
        for _, var in self.steps:
            e.script.line(f"{sample} = transformed({var}, {sample})")
        select = e.script.variable("select_features")
        e.script.line(
            f'{select} = ColumnTransformer(\n        [("features", "passthrough", {features})],\n'
            "        verbose_feature_names_out=False,\n"
            f'    ).set_output(transform="pandas").fit({sample})'
        )
        pipeline = e.script.variable("pipeline")
        listed = "".join(f"            {step},\n" for step in steps)
        e.script.line(
            f"{pipeline} = Pipeline(\n        [\n{listed}"
            f'            ("features", {select}),\n'
            f'            ("model", {e.input("model")}),\n        ]\n    )'
        )
        if self.steps:
            e.script.helper("inputs_of", preparation.INPUTS_OF)
            e.script.helper("transformed", preparation.TRANSFORMED)
            e.ensure_target()
        shown = f", shown=transformed({pipeline}[:-2], {self.rows})" if self.steps else ""
        e.assign(
            "predictions",
            f"predicted({pipeline}, {self.rows}, None, {literal(s.prediction_column)}, "
            f"probabilities={s.probabilities}{shown})",
        )
        self.predictor = e.out("predictions")
