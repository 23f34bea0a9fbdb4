"""Champion against challenger: both versions score the same labelled rows (a file, or
what the monitoring store logged recently with feedback), and every metric is compared
with a verdict against a margin. `registry compare` prints it; the promotion gate
`beats_current` requires it."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.exc import SQLAlchemyError

from studio.core.errors import KnotworkError
from studio.deploy.bundle import Bundle
from studio.monitor import MonitorStore, compute_metric, parse_duration
from studio.monitor.database import redacted
from studio.monitor.frames import REQUEST_ID, SHADOW_SUFFIX, TRUTH
from studio.monitor.performance import (
    CLASSIFICATION_METRICS,
    REGRESSION_METRICS,
    SCORE_METRICS,
    labels,
)

from .errors import RegistryError
from .metrics import manifest_metrics, metric_names
from .policy import ChampionGate

PREDICTION = "prediction"
PROBABILITY = "probability_"
LOWER_IS_BETTER = ("rmse", "mae", "log_loss")


@dataclass(frozen=True)
class MetricComparison:
    metric: str
    a: float | None
    b: float | None

    @property
    def difference(self) -> float | None:
        return None if self.a is None or self.b is None else self.b - self.a

    @property
    def improvement(self) -> float | None:
        """How much better B is (positive: better), whatever the metric's direction."""
        d = self.difference
        return None if d is None else (-d if self.metric in LOWER_IS_BETTER else d)


@dataclass
class Comparison:
    model: str
    a: str  # version labels
    b: str
    rows: int
    source: str
    metric: str  # the one the verdict judges
    margin: float
    min_rows: int
    metrics: list[MetricComparison] = field(default_factory=list)

    @property
    def judged(self) -> MetricComparison:
        return next(m for m in self.metrics if m.metric == self.metric)

    @property
    def verdict(self) -> str:
        """ "better", "not better" or "not enough data" (B against A on the judged metric)."""
        gain = self.judged.improvement
        if self.rows < self.min_rows or gain is None:
            return "not enough data"
        return "better" if gain >= self.margin else "not better"

    @property
    def passed(self) -> bool:
        return self.verdict == "better"

    def summary(self) -> str:
        m = self.judged
        if self.verdict == "not enough data":
            return (
                f"{self.rows} labelled rows ({self.source}), at least {self.min_rows} needed "
                f"to compare {self.model}:{self.b} with {self.model}:{self.a}"
            )
        return (
            f"{m.metric} {_fmt(m.b)} ({self.model}:{self.b}) vs {_fmt(m.a)} ({self.model}:{self.a}) "
            f"on {self.rows} labelled rows ({self.source}): {m.improvement:+.4g} "
            f"{'≥' if self.passed else '<'} margin {self.margin:g}"
        )

    def text(self) -> str:
        """The metric table and the verdict, as `registry compare` and the studio show it."""
        a, b = f"{self.model}:{self.a}", f"{self.model}:{self.b}"
        rows = [["METRIC", a, b, "B − A", "B IS"]]
        for m in self.metrics:
            gain = m.improvement or 0
            rows.append(
                [
                    m.metric + (" *" if m.metric == self.metric else ""),
                    _fmt(m.a, "{:.4f}"),
                    _fmt(m.b, "{:.4f}"),
                    _fmt(m.difference, "{:+.4f}"),
                    "better" if gain > 0 else "worse" if gain < 0 else "-",
                ]
            )
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
        lines.append(f"verdict: {self.verdict} — {self.summary()}")
        lines.append("(* the judged metric)")
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "a": self.a,
            "b": self.b,
            "rows": self.rows,
            "source": self.source,
            "metric": self.metric,
            "margin": self.margin,
            "verdict": self.verdict,
            "metrics": [
                {
                    "metric": m.metric,
                    "a": m.a,
                    "b": m.b,
                    "difference": m.difference,
                    "improvement": m.improvement,
                }
                for m in self.metrics
            ],
        }


def _fmt(value: float | None, spec: str = "{:.4g}") -> str:
    return "n/a" if value is None else spec.format(value)


def _classes(outputs: pd.DataFrame) -> list[str]:
    return [c[len(PROBABILITY) :] for c in outputs.columns if c.startswith(PROBABILITY)]


def _is_regression(bundle: Bundle) -> bool:
    """From the metrics the bundle was trained with, else from what it answers."""
    names = set(metric_names(manifest_metrics(bundle.manifest)))
    if names & set(REGRESSION_METRICS) and not names & set(CLASSIFICATION_METRICS):
        return True
    if names & set(CLASSIFICATION_METRICS):
        return False
    columns = {c.name: c.dtype for c in bundle.output_schema.columns}
    if PREDICTION not in columns:
        raise RegistryError(
            f"{bundle.name}:{bundle.version} answers no {PREDICTION!r} column to compare"
        )
    has_scores = any(n.startswith(PROBABILITY) for n in columns)
    return columns[PREDICTION] == "number" and not has_scores


def score(bundle: Bundle, rows: pd.DataFrame, truth: pd.Series, metrics: list[str]) -> dict:
    """Each metric of the bundle's answers for these rows (None where undefined)."""
    inputs = rows[[c for c in bundle.input_schema.names if c in rows.columns]]
    outputs = bundle.predict(inputs).reset_index(drop=True)
    classes = _classes(outputs)
    scores = outputs[[PROBABILITY + c for c in classes]].to_numpy(dtype=float) if classes else None
    out: dict[str, float | None] = {}
    for metric in metrics:
        if metric in SCORE_METRICS and scores is None:
            out[metric] = None
            continue
        known = classes if metric in SCORE_METRICS else None
        if known is not None and not np.isin(labels(truth), labels(known)).all():
            out[metric] = None  # a class the model never saw: probabilities do not cover it
            continue
        out[metric] = compute_metric(metric, truth, outputs[PREDICTION], scores, known)
    return out


def compare(
    a: Bundle,
    b: Bundle,
    rows: pd.DataFrame,
    truth: pd.Series,
    *,
    metric: str | None = None,
    margin: float = 0.0,
    min_rows: int = 30,
    source: str = "",
) -> Comparison:
    """Score both bundles on the same labelled rows and compare every metric."""
    truth = truth.reset_index(drop=True)
    rows = rows.reset_index(drop=True)
    regression = _is_regression(a)
    names = list(REGRESSION_METRICS if regression else CLASSIFICATION_METRICS)
    metric = metric or names[0]
    if metric not in names:
        raise RegistryError(
            f"metric {metric!r} does not apply here; choose one of {', '.join(names)}"
        )
    result = Comparison(a.name, a.version, b.version, len(rows), source, metric, margin, min_rows)
    if len(rows):
        sa, sb = score(a, rows, truth, names), score(b, rows, truth, names)
        result.metrics = [MetricComparison(n, sa[n], sb[n]) for n in names]
    else:
        result.metrics = [MetricComparison(n, None, None) for n in names]
    return result


def rows_from_file(path: str | Path, truth: str) -> tuple[pd.DataFrame, pd.Series]:
    """Labelled rows from a CSV or Parquet file whose column `truth` holds the labels."""
    path = Path(path)
    if not path.is_file():
        raise RegistryError(f"{path}: no such file of labelled rows")
    try:
        df = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
    except (ValueError, OSError) as exc:
        raise RegistryError(f"{path}: cannot read labelled rows: {exc}") from None
    if truth not in df.columns:
        raise RegistryError(
            f"{path}: no truth column {truth!r} (columns: {', '.join(map(str, df.columns))}); "
            "name it with --truth"
        )
    labelled = df[df[truth].notna()]
    return labelled.drop(columns=[truth]), labelled[truth]


def rows_from_store(
    url: str | None, model: str, since: str, now: float | None = None
) -> tuple[pd.DataFrame, pd.Series]:
    """Rows of any version of the model logged within `since` that have feedback truth."""
    start = (time.time() if now is None else now) - parse_duration(since)
    store = MonitorStore(url, background=False)
    try:
        chunks = list(store.iter_rows(model, start=start, labelled_only=True))
    except SQLAlchemyError as exc:
        raise RegistryError(
            f"cannot read monitoring store {redacted(store.url)}: {getattr(exc, 'orig', exc)}"
        ) from None
    finally:
        store.engine.dispose()
    if not chunks:
        return pd.DataFrame(), pd.Series(dtype=object)
    df = pd.concat(chunks, ignore_index=True)
    # A shadow server logs the same rows again for its challenger: count each row once.
    df = df[~df[REQUEST_ID].str.endswith(SHADOW_SUFFIX)].reset_index(drop=True)
    return df, df[TRUTH]


def gate_verdict(
    gate: ChampionGate,
    model: str,
    champion: tuple[str, Path] | None,
    challenger: tuple[str, Path],
    keys: list[str] | None = None,
) -> tuple[bool, str]:
    """The `beats_current` check: (passed, the numbers) for the challenger against the
    environment's current version on the store's recent labelled rows."""
    if champion is None:
        return True, "the environment serves no version yet: nothing to beat"
    if champion[0] == challenger[0]:
        return True, f"{model}:{challenger[0]} is the current version"
    try:
        rows, truth = rows_from_store(gate.store, model, gate.since)
        a = Bundle.load(champion[1], trusted_keys=keys or None)
        b = Bundle.load(challenger[1], trusted_keys=keys or None)
        result = compare(
            a,
            b,
            rows,
            truth,
            metric=gate.metric,
            margin=gate.margin,
            min_rows=gate.min_rows,
            source=f"logged in the last {gate.since}",
        )
    except KnotworkError as exc:
        return False, f"cannot compare with {model}:{champion[0]}: {exc}"
    return result.passed, result.summary()
