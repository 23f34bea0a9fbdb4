"""The monitoring report (`knotwork monitor report`): one self-contained HTML page, its
plots (matplotlib, PNG) inlined as base64 — the status of every monitor and column,
reference vs current distribution per drifted column, each statistic over time with
its threshold, live and estimated metrics over time, the alert history, and the
assumptions of the estimated performance. Written atomically."""

from __future__ import annotations

import base64
import html
import io
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from studio.core.fileformat import atomic_write

from .bundle import BundleMonitoring
from .estimation import ASSUMPTIONS
from .status import EvaluationStatus, MonitorStatus
from .store import MonitorStore

MAX_ROWS = 50_000  # current rows read per monitor for the distribution plots
MAX_COLUMNS = 12  # statistic-over-time panels per monitor

CSS = """body{font-family:system-ui,sans-serif;margin:2em;max-width:1100px;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .6em;
text-align:left}th{background:#f3f3f3}.alert{color:#b00020;font-weight:600}.ok{color:#1b5e20}
.note{background:#fff8e1;border-left:4px solid #f9a825;padding:.5em 1em}img{max-width:100%}"""


def _num(x: float | None) -> str:
    return "" if x is None else f"{x:.4g}"


def status_rows(status: EvaluationStatus) -> list[tuple[str, str, str, str, str, str]]:
    """(monitor, column, statistic, threshold, verdict, window) for every monitor and
    column: the table `knotwork monitor status` prints and the report shows."""
    rows = []
    for m in status.monitors:
        window = f"{m.window.size}, {m.window.n_rows} rows"
        if m.drift is not None:
            d = m.drift
            share = (m.name, "(dataset share)", _num(d.drifted_share), _num(d.drift_share))
            rows.append((*share, d.verdict.value, window))
            for c in d.columns:
                stat = f"p={_num(c.p_value)}" if c.p_value is not None else _num(c.statistic)
                test = (m.name, f"{c.column} ({c.test})", stat, _num(c.threshold))
                rows.append((*test, c.verdict.value, window))
        elif m.metric is not None:
            x = m.metric
            bound = f">= {_num(x.floor)}" if x.floor is not None else ""
            bound = bound or (f"<= {_num(x.ceiling)}" if x.ceiling is not None else "")
            what = f"{x.metric}{' (estimated)' if x.estimated else ''}"
            rows.append((m.name, what, _num(x.value), bound, m.verdict.value, window))
        else:
            rows.append((m.name, "", "", "", m.verdict.value, window))
    return rows


def side_by_side_rows(
    champion: EvaluationStatus, challenger: EvaluationStatus
) -> list[tuple[str, str, str, str, str, str, str]]:
    """(monitor, column, threshold, champion value, its verdict, challenger value, its
    verdict), row by (monitor, column): what `monitor status --challenger` prints and the
    Monitoring dock's champion/challenger tab shows."""
    theirs = {(r[0], r[1]): r for r in status_rows(challenger)}
    rows = []
    for r in status_rows(champion):
        o = theirs.pop((r[0], r[1]), ("",) * 6)
        rows.append((r[0], r[1], r[3] or o[3], r[2], r[4], o[2], o[4]))
    rows += [(o[0], o[1], o[3], "", "", o[2], o[4]) for o in theirs.values()]
    return rows


def Figure(figsize: tuple[float, float]):  # noqa: N802 - matplotlib's, imported when plotting
    from matplotlib.figure import Figure as _Figure

    return _Figure(figsize=figsize)


def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return f'<img alt="plot" src="data:image/png;base64,{data}">'


def _current(store: MonitorStore, status: EvaluationStatus, monitor: Any, columns: list[str]):
    window, chunks = store.read_window(
        status.model, monitor.spec.window, status.version, now=status.at
    )
    parts, n = [], 0
    for chunk in chunks:
        parts.append(chunk[[c for c in columns if c in chunk.columns]])
        n += len(chunk)
        if n >= MAX_ROWS:
            break
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)


def _distribution(ax, column: str, reference: pd.Series, current: pd.Series) -> None:
    ref, cur = reference.dropna(), current.dropna()
    numeric = pd.api.types.is_numeric_dtype(ref) and not pd.api.types.is_bool_dtype(ref)
    if numeric and ref.nunique() > 5:
        both = np.concatenate([ref.to_numpy(float), pd.to_numeric(cur, errors="coerce").dropna()])
        bins = np.histogram_bin_edges(both, bins=30)
        ax.hist(ref, bins=bins, density=True, alpha=0.5, label="reference")
        ax.hist(
            pd.to_numeric(cur, errors="coerce").dropna(),
            bins=bins,
            density=True,
            alpha=0.5,
            label="current",
        )
    else:
        freq = pd.DataFrame(
            {
                "reference": ref.astype(str).value_counts(normalize=True),
                "current": cur.astype(str).value_counts(normalize=True),
            }
        ).fillna(0.0)
        x = np.arange(len(freq))
        ax.bar(x - 0.2, freq["reference"], 0.4, label="reference")
        ax.bar(x + 0.2, freq["current"], 0.4, label="current")
        ax.set_xticks(x, list(freq.index), rotation=30, ha="right")
    ax.set_title(column)
    ax.legend(fontsize=8)


def _distributions(store, status, monitor, entry_reference, m: MonitorStatus) -> str:
    drifted = [c.column for c in m.drift.columns if c.drifted][:MAX_COLUMNS]
    if not drifted or entry_reference is None:
        return "<p>No drifted column.</p>" if not drifted else ""
    current = _current(store, status, monitor, drifted)
    fig = Figure(figsize=(10, 3 * ((len(drifted) + 1) // 2)))
    for i, column in enumerate(drifted):
        ax = fig.add_subplot((len(drifted) + 1) // 2, 2, i + 1)
        _distribution(ax, column, entry_reference[column], current.get(column, pd.Series([])))
    return "<h3>Reference vs current, drifted columns</h3>" + _png(fig)


def _series(history: list[tuple[float, MonitorStatus]]) -> str:
    """Each statistic over time with its threshold (drift), or the metric with its bound."""
    if not history:
        return "<p>No evaluation history yet (the server records one every interval).</p>"
    times = [pd.Timestamp(t, unit="s") for t, _ in history]
    last = history[-1][1]
    if last.drift is not None:
        columns = [c.column for c in last.drift.columns][:MAX_COLUMNS]
        panels = ["(dataset share)", *columns]
        fig = Figure(figsize=(10, 2.4 * ((len(panels) + 1) // 2)))
        for i, name in enumerate(panels):
            ax = fig.add_subplot((len(panels) + 1) // 2, 2, i + 1)
            values, limits = [], []
            for _, s in history:
                d = s.drift
                if d is None:
                    values.append(np.nan)
                    limits.append(np.nan)
                elif name == "(dataset share)":
                    values.append(d.drifted_share)
                    limits.append(d.drift_share)
                else:
                    c = next((c for c in d.columns if c.column == name), None)
                    value = (
                        None if c is None else (c.p_value if c.p_value is not None else c.statistic)
                    )
                    values.append(np.nan if value is None else value)
                    limits.append(np.nan if c is None else c.threshold)
            ax.plot(times, values, marker=".", label="statistic")
            ax.plot(times, limits, linestyle="--", color="red", label="threshold")
            ax.set_title(name, fontsize=9)
            ax.tick_params(labelsize=7)
        return "<h3>Statistics over time</h3>" + _png(fig)
    fig = Figure(figsize=(10, 3))
    ax = fig.add_subplot(1, 1, 1)
    values = [
        np.nan if s.metric is None or s.metric.value is None else s.metric.value for _, s in history
    ]
    label = last.metric.metric if last.metric else "metric"
    estimated = bool(last.metric and last.metric.estimated)
    ax.plot(times, values, marker=".", label=f"{label} ({'estimated' if estimated else 'live'})")
    for bound in ("floor", "ceiling"):
        limit = getattr(last.metric, bound, None) if last.metric else None
        if limit is not None:
            ax.axhline(limit, linestyle="--", color="red", label=bound)
    ax.legend(fontsize=8)
    return f"<h3>{'Estimated' if estimated else 'Live'} {html.escape(label)} over time</h3>" + _png(
        fig
    )


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f'<td class="{html.escape(v)}">{html.escape(v)}</td>' for v in r) + "</tr>"
        for r in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def render_report(
    bundle: Any,
    monitoring: BundleMonitoring,
    monitors: Sequence[Any],
    status: EvaluationStatus,
    store: MonitorStore,
    since: float | None = None,
) -> str:
    """The report page as HTML text."""
    title = f"Monitoring report: {status.model} version {status.version}"
    when = time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime(status.at))
    parts = [
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>",
        f"<style>{CSS}</style></head><body><h1>{html.escape(title)}</h1>",
        f"<p>Evaluated {html.escape(when)}: <span class='{status.verdict.value}'>"
        f"{html.escape(status.verdict.value)}</span></p>",
    ]
    parts += [f"<p class='note'>{html.escape(n)}</p>" for n in monitoring.notes]
    parts.append(f"<p class='note'><b>Estimated performance:</b> {html.escape(ASSUMPTIONS)}</p>")
    header = ("Monitor", "Column", "Statistic", "Threshold", "Verdict", "Window")
    parts.append("<h2>Status</h2>" + _table(header, status_rows(status)))
    by_name = {e.spec.name: e for e in monitoring.entries}
    for monitor, m in zip(monitors, status.monitors):
        parts.append(f"<h2>{html.escape(m.name)} ({html.escape(m.kind)})</h2>")
        parts.append(f"<p>{html.escape(m.message)}</p>")
        if m.drift is not None:
            entry = by_name.get(m.name)
            parts.append(_distributions(store, status, monitor, entry and entry.reference, m))
        parts.append(_series(store.evaluations(status.model, m.name, since)))
    events = store.alerts(status.model, limit=200)
    rows = [
        (
            time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(e.at)),
            e.monitor,
            e.column,
            f"{e.previous.value} → {e.current.value}",
            e.message,
        )
        for e in events
        if since is None or e.at >= since
    ]
    parts.append("<h2>Alert history</h2>")
    parts.append(
        _table(("At", "Monitor", "Column", "Change", "Message"), rows) if rows else "<p>None.</p>"
    )
    parts.append("</body></html>")
    return "\n".join(parts)


def write_report(
    path: Path,
    bundle: Any,
    monitoring: BundleMonitoring,
    monitors: Sequence[Any],
    status: EvaluationStatus,
    store: MonitorStore,
    since: float | None = None,
) -> None:
    """Render and write the report atomically (a reader never sees half a page)."""
    atomic_write(path, render_report(bundle, monitoring, monitors, status, store, since))
