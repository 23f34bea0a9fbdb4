"""Prometheus metrics of one app (its own CollectorRegistry, so two apps in one process
never share counters): requests, errors, latency and rows scored."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram

from .guards import ASGIApp

LATENCY_BUCKETS = (
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
)


class ServerMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "knotwork_requests",
            "HTTP requests by route, method and status",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.errors = Counter(
            "knotwork_request_errors",
            "Requests answered with a 4xx or 5xx status",
            ["route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "knotwork_request_latency_seconds",
            "Time to answer a request",
            ["route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.rows = Counter(
            "knotwork_rows_scored",
            "Rows scored by the model",
            ["model", "version"],
            registry=self.registry,
        )
        self.warnings = Counter(
            "knotwork_input_warnings",
            "Input values accepted with a warning (unseen categories)",
            ["column"],
            registry=self.registry,
        )
        self.feedback = Counter(
            "knotwork_feedback_items",
            "Feedback items by whether their prediction was found in the monitoring store "
            "(pending: the store was unreachable, matched when written)",
            ["result"],
            registry=self.registry,
        )

    def count_feedback(self, receipt: Any) -> None:
        if receipt.pending:
            self.feedback.labels("pending").inc(receipt.accepted)
            return
        self.feedback.labels("matched").inc(receipt.matched)
        self.feedback.labels("unmatched").inc(receipt.unmatched)


class MetricsMiddleware:
    """Counts and times every request under its route template (not the raw path)."""

    def __init__(
        self, app: ASGIApp, metrics: ServerMetrics, static_paths: frozenset[str] = frozenset()
    ):
        self.app = app
        self.metrics = metrics
        self.static_paths = static_paths  # named even when a guard answered before routing

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start = time.perf_counter()
        status = 500

        async def observed(message: dict) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, observed)
        finally:
            route = getattr(scope.get("route"), "path", None) or (
                scope["path"] if scope["path"] in self.static_paths else "unmatched"
            )
            m = self.metrics
            m.requests.labels(route, scope["method"], str(status)).inc()
            if status >= 400:
                m.errors.labels(route, str(status)).inc()
            m.latency.labels(route).observe(time.perf_counter() - start)
