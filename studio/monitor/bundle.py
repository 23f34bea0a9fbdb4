"""The monitors a bundle carries: its `manifest.json` section `monitoring` (written by
deploy, signed with the rest), or, for a bundle without one, a default Drift Monitor on
every input column against the training rows in `reference/sample.parquet`.

Duck-typed on purpose (`bundle.manifest`, `bundle.file(name)`): monitoring never imports
the deploy package, and a test can hand it any object with those two.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from pydantic import TypeAdapter, ValidationError

from .errors import MonitorError
from .frames import OUTPUT_SUFFIX
from .monitors import DriftMonitorSpec, Monitor, MonitorSpec, prepare

SECTION = "monitoring"
SAMPLE = "reference/sample.parquet"
DEFAULT_NOTE = "no monitoring node in the workflow: a default Drift Monitor watches every input"
_SPEC = TypeAdapter(MonitorSpec)


@dataclass(frozen=True)
class MonitorEntry:
    """One monitor of a bundle: its definition, reference rows, node label, training numbers."""

    spec: Any  # a MonitorSpec
    reference: pd.DataFrame | None
    node: str
    training: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class BundleMonitoring:
    entries: list[MonitorEntry]
    notes: list[str]

    @property
    def specs(self) -> list[Any]:
        return [e.spec for e in self.entries]


def _where(bundle: Any) -> str:
    return f"bundle {getattr(bundle, 'name', '')!s} {getattr(bundle, 'version', '')!s}".strip()


def _parquet(bundle: Any, name: str) -> pd.DataFrame:
    try:
        return pd.read_parquet(io.BytesIO(bundle.file(name)))
    except MonitorError:
        raise
    except Exception as exc:  # a missing or unreadable file: name it
        raise MonitorError(
            f"{_where(bundle)}: cannot read the monitor reference {name}: {exc}; "
            "rebuild the bundle with `knotwork deploy`"
        ) from None


def default_monitoring(bundle: Any) -> BundleMonitoring:
    """What a bundle without a `monitoring` section is read as."""
    inputs = [c["name"] for c in bundle.manifest["input_schema"]["columns"]]
    reference = _parquet(bundle, SAMPLE)
    columns = [c for c in inputs if c in reference.columns]
    spec = DriftMonitorSpec(name="Drift", columns=columns)
    entry = MonitorEntry(spec, reference[columns], "default", {})
    return BundleMonitoring([entry], [DEFAULT_NOTE])


def bundle_monitors(bundle: Any) -> BundleMonitoring:
    """The bundle's monitors with their reference rows; MonitorError names what is wrong."""
    section = bundle.manifest.get(SECTION)
    if section is None:
        return default_monitoring(bundle)
    if not isinstance(section, dict) or not isinstance(section.get("monitors", []), list):
        raise MonitorError(f"{_where(bundle)}: manifest section {SECTION!r} is malformed")
    entries = []
    for i, item in enumerate(section.get("monitors", [])):
        try:
            spec = _SPEC.validate_python(item["spec"])
        except (KeyError, TypeError, ValidationError) as exc:
            raise MonitorError(
                f"{_where(bundle)}: monitor {i + 1} of the manifest is not a valid monitor "
                f"definition ({exc}); this Knotwork may be older than the bundle's"
            ) from None
        ref = item.get("reference")
        reference = _parquet(bundle, ref) if ref else None
        node = str(item.get("node") or spec.name)
        entries.append(MonitorEntry(spec, reference, node, dict(item.get("training") or {})))
    names = [e.spec.name for e in entries]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise MonitorError(
            f"{_where(bundle)}: monitors {twice} share a name; give each monitor node its own"
        )
    return BundleMonitoring(entries, [str(n) for n in section.get("notes", [])])


def prepare_bundle_monitors(
    bundle: Any, monitoring: BundleMonitoring | None = None
) -> list[Monitor]:
    """The runnable monitors of a bundle (reference work done once)."""
    monitoring = monitoring or bundle_monitors(bundle)
    return [prepare(e.spec, e.reference) for e in monitoring.entries]


def served_frame(inputs: pd.DataFrame, outputs: pd.DataFrame) -> pd.DataFrame:
    """Rows as the store logs them: inputs beside outputs (an output named like an input
    gets the " (output)" suffix), for replaying a file through the monitors."""
    outputs = outputs.reset_index(drop=True)
    outputs.columns = [c + OUTPUT_SUFFIX if c in inputs.columns else c for c in outputs.columns]
    return pd.concat([inputs.reset_index(drop=True), outputs], axis=1)
