"""What one node's emitter sees while a workflow is exported: its settings, the variables
of its inputs, the values the run computed, and the script being written."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from studio.core.parameters import reference
from studio.core.ports import Model, PortType

from .script import ExportError, Script, literal, snake, wrapped_list


@dataclass
class Emit:
    """What one node's emitter sees: its settings, its inputs' variables, the run's values."""

    exporter: Any  # the python.Exporter writing the script
    node: Any
    settings: Any
    raw: dict[str, Any]
    inputs: dict[str, str]
    base: str
    outputs: dict[str, str] = field(default_factory=dict)

    @property
    def script(self) -> Script:
        return self.exporter.script

    @property
    def target(self) -> str | None:
        return self.exporter.target

    def fail(self, why: str, where: str | None = None) -> None:
        raise ExportError(why, where=where, node=self.node.label)

    def context(self):
        return self.exporter.wf.node_context(self.node.id, self.exporter.values)

    def output(self, port: str | int) -> Any:
        return self.exporter.wf.output(self.node.id, port)

    def input_value(self, port: str) -> Any:
        link = self.exporter.wf.inputs_of(self.node.id)[port]
        return self.exporter.wf.output(link.source, link.source_port)

    def input(self, port: str) -> str:
        if port not in self.inputs:
            self.fail(
                f"input port {port!r} is not connected to an exported node", f"input port {port!r}"
            )
        return self.inputs[port]

    def out(self, port: str) -> str:
        """The variable holding output `port` (named from the label, created on first use)."""
        if port not in self.outputs:
            ports = self.exporter.wf.node_type(self.node.id).outputs
            tables = [p.name for p in ports if p.type == PortType.TABLE]
            first = ports[0].name
            plain = port == first and not (len(tables) > 1 and port in tables)
            self.outputs[port] = self.script.variable(
                self.base if plain else f"{self.base}_{snake(port)}"
            )
        return self.outputs[port]

    def assign(self, port: str, source: str) -> None:
        self.script.line(f"{self.out(port)} = {source}")

    def value(self, key: str) -> str:
        """A setting as source: a workflow parameter's constant, or the literal value."""
        name = reference(self.raw.get(key))
        if name is not None:
            return self.exporter.parameter(name)
        return literal(getattr(self.settings, key))

    def data_path(self, path: str) -> str:
        """A data file as the script finds it: beside the script when it can, else absolute."""
        rel = os.path.relpath(path, self.exporter.out.parent)
        if rel.startswith(".."):
            return f"Path({literal(str(Path(path).resolve()))})"
        return f"HERE / {literal(Path(rel).as_posix())}"

    def set_target(self, target: str) -> None:
        if self.exporter.target not in (None, target):
            self.fail(
                f"a second target {target!r} (the first is {self.exporter.target!r}): the "
                "script carries one target column"
            )
        self.exporter.target = target
        self.script.constants.pop("TARGET", None)
        self.script.constant("TARGET", literal(target))

    def ensure_target(self) -> None:
        if "TARGET" not in self.script.constants:
            self.script.constant("TARGET", literal(self.exporter.target))

    def column(self, name: str) -> str:
        """A column name as source: TARGET for the target, else its literal."""
        return (
            "TARGET"
            if name == self.exporter.target and "TARGET" in self.script.constants
            else literal(name)
        )

    def features(self, model: Model) -> str:
        if model.target is not None and model.target != self.exporter.target:
            self.set_target(model.target)
        return self.feature_constant(list(model.features))

    def feature_constant(self, features: list[str]) -> str:
        """A module constant for a model's feature list (FEATURES, FEATURES_2 ...)."""
        source = wrapped_list(features, 0)
        for name, existing in self.script.constants.items():
            if name.startswith("FEATURES") and existing == source:
                return name
        name, k = "FEATURES", 2
        while name in self.script.constants:
            name, k = f"FEATURES_{k}", k + 1
        return self.script.constant(name, source)
