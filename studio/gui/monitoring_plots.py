"""The Monitoring dock's plots (matplotlib axes): every column's drift score against its
threshold now, and one column's statistic or a metric over past evaluations."""

from __future__ import annotations

import math
from datetime import datetime, timezone

from studio.monitor import MonitorStatus, Verdict

COLORS = {
    Verdict.OK: "#2e9d4f",
    Verdict.WARN: "#e0a100",
    Verdict.ALERT: "#d23c3c",
    Verdict.NO_DATA: "#9a9a9a",
}


def _judged(c) -> float | None:
    """What a column's verdict compares with its threshold: the p-value or the statistic."""
    return c.p_value if c.p_value is not None else c.statistic


def _score(c) -> float | None:
    """A column's drift on one scale, 1 at its threshold and larger when drifted: the
    statistic over the threshold, or log p / log alpha for the p-value tests."""
    if c.p_value is not None:
        return math.log(max(c.p_value, 1e-300)) / math.log(c.threshold)
    return None if c.statistic is None else c.statistic / c.threshold


def draw_columns(ax, m: MonitorStatus) -> None:
    cols = [c for c in m.drift.columns if _score(c) is not None]
    if not cols:
        ax.text(0.5, 0.5, "not enough data", ha="center", va="center", transform=ax.transAxes)
        return
    ax.barh(
        [c.column for c in cols], [_score(c) for c in cols], color=[COLORS[c.verdict] for c in cols]
    )
    ax.axvline(1.0, color="black", linewidth=0.8, linestyle="--")
    ax.set_xlabel("drift score (1 = threshold; p-value tests: log p / log α)", fontsize=7)
    ax.tick_params(labelsize=7)
    ax.set_title(f"{m.name}: {m.drift.drifted_share:.0%} of columns drifted", fontsize=8)


def draw_metric(ax, m: MonitorStatus) -> None:
    x = m.metric
    if x.value is None:
        ax.text(0.5, 0.5, "not enough data", ha="center", va="center", transform=ax.transAxes)
        return
    ax.bar([x.metric], [x.value], color=COLORS[x.verdict])
    for bound in (x.floor, x.ceiling):
        if bound is not None:
            ax.axhline(bound, color="black", linewidth=0.8, linestyle="--")
    ax.set_title(f"{m.name}: {x.metric}", fontsize=8)
    ax.tick_params(labelsize=7)


def draw_series(ax, m: MonitorStatus, column: str | None, history) -> None:
    points = []
    for ts, past in history:
        if past.name != m.name:
            continue
        if column and past.drift is not None:
            c = next((c for c in past.drift.columns if c.column == column), None)
            value, threshold = (_judged(c), c.threshold) if c else (None, None)
            unit = "p-value" if c is not None and c.p_value is not None else "statistic"
        elif past.metric is not None:
            value, threshold, unit = past.metric.value, past.metric.floor, past.metric.metric
        else:
            continue
        if value is not None:
            points.append((datetime.fromtimestamp(ts, timezone.utc), value, threshold))
    label = column or (m.metric.metric if m.metric else m.name)
    if not points:
        ax.text(
            0.5,
            0.5,
            f"no past evaluations of {label}\nin this store yet",
            ha="center",
            va="center",
            transform=ax.transAxes,
            fontsize=8,
        )
        ax.set_xticks([])
        ax.set_yticks([])
        return
    ax.plot([p[0] for p in points], [p[1] for p in points], marker="o", markersize=3)
    if points[-1][2] is not None:
        ax.axhline(points[-1][2], color=COLORS[Verdict.ALERT], linewidth=0.8, linestyle="--")
    ax.set_title(f"{label} over time", fontsize=8)
    ax.set_ylabel(unit, fontsize=7)
    ax.tick_params(labelsize=7)
    ax.tick_params(axis="x", labelrotation=30)
