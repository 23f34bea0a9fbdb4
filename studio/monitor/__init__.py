"""Monitoring: drift, live and estimated performance over windows of logged rows, the
monitoring store, and alerts on verdict transitions. No Qt, no FastAPI: the server, the
CLI, the nodes and the studio dock are thin layers over this package."""

from __future__ import annotations

from .alerts import Alerter, AlertSettings
from .drift import ColumnDrift, DatasetDrift, DriftSettings, ReferenceProfile, detect_drift
from .errors import FeedbackError, MonitorError, MonitorStoreError
from .estimation import ASSUMPTIONS, EstimationSettings, PerformanceEstimator
from .evaluate import evaluate, evaluate_frame
from .feedback import FeedbackReceipt, parse_feedback
from .monitors import (
    DriftMonitorSpec,
    EstimatedPerformanceSpec,
    MonitorSpec,
    PerformanceMonitorSpec,
    prepare,
)
from .performance import PerformanceSettings, compute_metric, evaluate_performance
from .status import AlertEvent, EvaluationStatus, MetricStatus, MonitorStatus, WindowInfo
from .store import MonitorStore, StoreStats
from .verdict import Verdict
from .windows import Window, WindowSettings, parse_duration, split_windows

__all__ = [
    "ASSUMPTIONS",
    "AlertEvent",
    "AlertSettings",
    "Alerter",
    "ColumnDrift",
    "DatasetDrift",
    "DriftMonitorSpec",
    "DriftSettings",
    "EstimatedPerformanceSpec",
    "EstimationSettings",
    "EvaluationStatus",
    "FeedbackError",
    "FeedbackReceipt",
    "MetricStatus",
    "MonitorError",
    "MonitorSpec",
    "MonitorStatus",
    "MonitorStore",
    "MonitorStoreError",
    "PerformanceEstimator",
    "PerformanceMonitorSpec",
    "PerformanceSettings",
    "ReferenceProfile",
    "StoreStats",
    "Verdict",
    "Window",
    "WindowInfo",
    "WindowSettings",
    "compute_metric",
    "detect_drift",
    "evaluate",
    "evaluate_frame",
    "evaluate_performance",
    "parse_duration",
    "parse_feedback",
    "prepare",
    "split_windows",
]
