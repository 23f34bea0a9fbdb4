"""Prometheus alerting rules for the gauges a server exports (`knotwork monitor
alert-rules BUNDLE`): one rule per monitor on its verdict, drifted columns, a silent
monitoring, and a store that loses rows or evaluations that fail."""

from __future__ import annotations

from typing import Any

import yaml


def _rule(name: str, expr: str, pending: str, severity: str, summary: str, text: str) -> dict:
    return {
        "alert": name,
        "expr": expr,
        "for": pending,
        "labels": {"severity": severity},
        "annotations": {"summary": summary, "description": text},
    }


def _camel(text: str) -> str:
    return (
        "".join(
            part.capitalize()
            for part in "".join(ch if ch.isalnum() else " " for ch in text).split()
        )
        or "Monitor"
    )


def _quoted(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def alert_rules(model: str, specs: list[Any], pending: str = "10m") -> str:
    """The rules file (YAML) for a model's monitors."""
    m = f'model="{_quoted(model)}"'
    rules = []
    for spec in specs:
        sel = f'{{{m}, monitor="{_quoted(spec.name)}"}}'
        rules.append(
            _rule(
                f"Knotwork{_camel(spec.name)}Alert",
                f"knotwork_monitor_verdict{sel} >= 2",
                pending,
                "warning",
                f"{model}: monitor {spec.name!r} ({spec.kind}) alerts",
                "{{ $labels.model }} {{ $labels.version }}: see GET /monitoring on "
                "{{ $labels.instance }} or `knotwork monitor status`",
            )
        )
        if spec.kind == "drift":
            rules.append(
                _rule(
                    f"Knotwork{_camel(spec.name)}ColumnDrift",
                    f"knotwork_drift_verdict{sel} >= 2",
                    pending,
                    "info",
                    f"{model}: column {{{{ $labels.column }}}} drifted ({spec.name})",
                    "the column's distribution moved away from the training reference",
                )
            )
    rules += [
        _rule(
            "KnotworkMonitoringSilent",
            f"absent(knotwork_monitor_verdict{{{m}}})",
            pending,
            "warning",
            f"{model}: no monitoring verdict is exported",
            "the server is down, runs with --no-monitor, or has not evaluated yet",
        ),
        _rule(
            "KnotworkMonitorRowsDropped",
            "increase(knotwork_monitor_dropped_rows_total[15m]) > 0",
            "0m",
            "warning",
            "the monitoring store lost logged rows",
            "the store was unreachable and the buffer filled; check KNOTWORK_MONITOR_URL",
        ),
        _rule(
            "KnotworkMonitorEvaluationsFailing",
            "increase(knotwork_monitor_evaluation_failures_total[15m]) > 0",
            pending,
            "warning",
            "monitor evaluations fail",
            "see the `error` of GET /monitoring and the server log",
        ),
    ]
    doc = {"groups": [{"name": f"knotwork-{model}", "rules": rules}]}
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100)
