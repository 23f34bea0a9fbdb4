"""The text of an exported script: imports, constants, helper functions and the body of
`main()`, assembled by the node emitters (`studio.export.emitters`) and rendered once.

Values are rendered as Python literals; a setting that refers to a workflow parameter
(`$seed`) becomes the script's module constant (`SEED`), so the script reads like the
workflow and one line changes the seed.
"""

from __future__ import annotations

import keyword
import math
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from studio.core.errors import LocatedError


class ExportError(LocatedError):
    """A node (or setting) with no exact pandas + scikit-learn equivalent: names it and why."""


NOT_EXPORTED_PREFIXES = ("monitoring.", "visualization.")
NOT_EXPORTED = {"validation.validation_report"}


def not_exported(type_id: str) -> bool:
    """Checks, monitors and charts: they change no data, so the script leaves them out."""
    return type_id in NOT_EXPORTED or type_id.startswith(NOT_EXPORTED_PREFIXES)


RESERVED = {"pd", "np", "main", "args", "argv", "sys", "json", "argparse", "Path", "HERE"}


def snake(text: str) -> str:
    """A Python identifier from a node label or port name ("Score test" -> score_test)."""
    name = re.sub(r"[^0-9a-zA-Z]+", "_", text).strip("_").lower() or "node"
    if name[0].isdigit():
        name = f"n_{name}"
    return f"{name}_" if keyword.iskeyword(name) or name in RESERVED else name


def literal(value: Any) -> str:
    """`value` as Python source; only plain data (what settings and fitted lists hold)."""
    if isinstance(value, (np.generic,)):
        value = value.item()
    if value is None or isinstance(value, (bool, int, str)):
        return repr(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "float('nan')"
        if math.isinf(value):
            return "float('inf')" if value > 0 else "-float('inf')"
        return repr(value)
    if isinstance(value, (list, tuple)):
        inner = ", ".join(literal(v) for v in value)
        return (
            f"[{inner}]"
            if isinstance(value, list)
            else f"({inner}{',' if len(value) == 1 else ''})"
        )
    if isinstance(value, dict):
        return "{" + ", ".join(f"{literal(k)}: {literal(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"{type(value).__name__} value {value!r} has no literal form")


def wrapped_list(values: list[Any], indent: int = 4, width: int = 96) -> str:
    """A list literal, one line when it fits, else one item per line."""
    flat = literal(list(values))
    if len(flat) + indent <= width:
        return flat
    pad = " " * (indent + 4)
    return "[\n" + "".join(f"{pad}{literal(v)},\n" for v in values) + " " * indent + "]"


@dataclass
class Script:
    title: str
    source: str
    imports: dict[str, set[str]] = field(default_factory=dict)  # module -> names
    modules: set[str] = field(default_factory=set)  # `import x as y` lines
    constants: dict[str, str] = field(default_factory=dict)  # NAME -> source
    helpers: dict[str, str] = field(default_factory=dict)  # function name -> source
    body: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    metrics: list[tuple[str, str]] = field(default_factory=list)  # (label, variable)
    predictions: str | None = None  # the variable --predictions writes
    _names: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.helper("scalars", SCALARS)

    # ---- what emitters call ---------------------------------------------------------
    def use(self, module: str, *names: str) -> None:
        self.imports.setdefault(module, set()).update(names)

    def constant(self, name: str, source: str) -> str:
        if self.constants.get(name, source) != source:
            raise ValueError(f"constant {name} defined twice with different values")
        self.constants[name] = source
        return name

    def helper(self, name: str, source: str) -> str:
        self.helpers.setdefault(name, source)
        return name

    def variable(self, wanted: str) -> str:
        """A fresh variable name: `wanted`, else wanted_2, wanted_3 ..."""
        name, k = wanted, 2
        imported = {n for names in self.imports.values() for n in names}
        while (
            name in self._names
            or name in self.helpers
            or name in imported
            or name.upper() in self.constants
        ):
            name, k = f"{wanted}_{k}", k + 1
        self._names.add(name)
        return name

    def line(self, text: str = "") -> None:
        """A statement of `main()`: its first line is indented here, the continuation lines
        come indented as they stand in the file."""
        first, *rest = text.split("\n")
        self.body.append(f"    {first}" if first else "")
        self.body.extend(rest)

    def comment(self, text: str) -> None:
        self.line(f"# {text}")

    # ---- the finished text ----------------------------------------------------------
    def render(self) -> str:
        doc = [
            f'"""{self.title}: exported from {self.source} by Knotwork.',
            "",
            "A standalone pandas + scikit-learn script that reproduces the workflow: it reads the",
            "data, splits it, fits the preprocessing and the learner on the training rows only,",
            "and scores the held-out rows. `pipeline` is the deployment scope (Deployment Input ->",
            "Deployment Output) as one scikit-learn Pipeline of the fitted steps.",
            "",
            "    python THIS_SCRIPT.py [--predictions FILE.csv] [--metrics FILE.json]",
        ]
        if self.skipped:
            doc += ["", "Not exported (checks, monitors and charts; they change no data):"]
            doc += [f"  - {s}" for s in self.skipped]
        doc.append('"""')
        out = [*doc, "", "from __future__ import annotations", "", "import argparse", "import json"]
        out.append("from pathlib import Path")
        out.append("")
        out += sorted(self.modules)
        for module in sorted(self.imports):
            names = sorted(self.imports[module])
            one = f"from {module} import {', '.join(names)}"
            if len(one) <= 96:
                out.append(one)
            else:
                out += [f"from {module} import (", *(f"    {n}," for n in names), ")"]
        out += ["", "HERE = Path(__file__).resolve().parent"]
        out += [f"{k} = {v}" for k, v in self.constants.items()]
        for source in self.helpers.values():
            out += ["", "", source.strip("\n")]
        out += ["", "", "def main(argv: list[str] | None = None) -> dict:"]
        out += ["    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])"]
        out += [
            '    parser.add_argument("--predictions", type=Path, help="CSV file for the predictions")'
        ]
        out += ['    parser.add_argument("--metrics", type=Path, help="JSON file for the metrics")']
        out += ["    args = parser.parse_args(argv)"]
        out += self.body
        out += ["", "    metrics = {"]
        out += [f"        {literal(label)}: scalars({var})," for label, var in self.metrics]
        out += ["    }"]
        out += ["    for name, values in metrics.items():", '        print(f"{name}:")']
        out += [
            "        for key, value in values.items():",
            '            print(f"  {key:<18} {value:.6g}")',
        ]
        out += [
            "    if args.metrics:",
            "        args.metrics.write_text(json.dumps(metrics, indent=2))",
        ]
        if self.predictions:
            out += ["    if args.predictions:"]
            out += [f"        {self.predictions}.to_csv(args.predictions, index=False)"]
        out += ["    return metrics", "", "", 'if __name__ == "__main__":', "    main()", ""]
        return "\n".join(out)


SCALARS = '''
def scalars(values: dict) -> dict:
    """The numbers of a metrics dict (what --metrics writes and the summary prints)."""
    return {
        k: float(v)
        for k, v in values.items()
        if isinstance(v, (int, float)) and not isinstance(v, bool) and k != "rows"
    }
'''
