"""Find metric values in a manifest whatever its nesting ({"validation": {"accuracy": ..}},
{"accuracy": ..}, {"train_accuracy": ..}), so policy and diff read them one way."""

from __future__ import annotations

from typing import Any

HELD_OUT = ("validation", "test", "holdout", "cv", "cross_validation", "scores")
TRAIN = ("train", "training")
# Bundles built by `knotwork deploy` nest by node label: {"training": {"Logistic Regression":
# {"accuracy": ..}}, "scores": {"Scorer": {"accuracy": ..}}}; flat layouts work too.


def flatten(metrics: Any, prefix: str = "") -> dict[str, float]:
    """Numeric leaves of a nested metrics dict under dotted keys."""
    out: dict[str, float] = {}
    if isinstance(metrics, dict):
        for key, value in metrics.items():
            name = f"{prefix}{key}"
            if isinstance(value, bool):
                continue
            if isinstance(value, (int, float)):
                out[name] = float(value)
            elif isinstance(value, dict):
                out.update(flatten(value, f"{name}."))
    return out


def _in_sections(
    flat: dict[str, float], sections: tuple[str, ...], name: str
) -> tuple[float, str] | None:
    """The metric under the first of `sections` holding it (`test.x`, `test_x`, `test.Node.x`)."""
    for section in sections:
        for key in (f"{section}.{name}", f"{section}_{name}"):
            if key in flat:
                return flat[key], key
        for key, value in flat.items():
            if key.startswith(f"{section}.") and key.endswith(f".{name}"):
                return value, key
    return None


def held_out_value(metrics: dict[str, Any], name: str) -> tuple[float, str] | None:
    """The metric measured on rows not used for fitting, with the key it came from."""
    flat = flatten(metrics)
    found = _in_sections(flat, HELD_OUT, name)
    if found is not None:
        return found
    if name in flat:
        return flat[name], name
    for key, value in flat.items():
        if key.endswith(f".{name}") and not key.startswith(TRAIN):
            return value, key
    return None


def train_value(metrics: dict[str, Any], name: str) -> tuple[float, str] | None:
    """The metric measured on the rows the model was fitted on."""
    return _in_sections(flatten(metrics), TRAIN, name)


def metric_names(metrics: dict[str, Any]) -> list[str]:
    """Base metric names (last dotted part, without a train_/validation_ prefix)."""
    names: list[str] = []
    for key in flatten(metrics):
        base = key.rsplit(".", 1)[-1]
        for section in (*TRAIN, *HELD_OUT):
            if base.startswith(f"{section}_"):
                base = base[len(section) + 1 :]
        if base not in names:
            names.append(base)
    return names


def manifest_metrics(manifest: dict[str, Any]) -> dict[str, Any]:
    """The manifest's metrics plus the Validation Report's scores ({"scores": {"train": x,
    "test": y}, "metric": "accuracy"}), which are the held-out figures policies care about."""
    out: dict[str, Any] = {
        k: (dict(v) if isinstance(v, dict) else v)
        for k, v in (manifest.get("metrics") or {}).items()
    }
    validation = validation_report(manifest) or {}
    metric, scores = validation.get("metric"), validation.get("scores")
    if isinstance(metric, str) and isinstance(scores, dict):
        for section, value in scores.items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                bucket = out.setdefault(section, {})
                if isinstance(bucket, dict):
                    bucket.setdefault(metric, float(value))
    return out


def check_name(check: dict[str, Any]) -> str:
    """Validation Report checks carry their name under "name" or "check"."""
    return str(check.get("name") or check.get("check") or "?")


def validation_report(manifest: dict[str, Any]) -> dict[str, Any] | None:
    """The bundle's Validation Report: the manifest's `validation`, else a Validation Report
    node's result recorded among the metrics (a dict with "status" and a "checks" list)."""
    report = manifest.get("validation")
    if isinstance(report, dict) and report:
        return report

    def find(node: Any) -> dict[str, Any] | None:
        if isinstance(node, dict):
            if isinstance(node.get("checks"), list) and "status" in node:
                return node
            for value in node.values():
                if (found := find(value)) is not None:
                    return found
        return None

    return find(manifest.get("metrics") or {})
