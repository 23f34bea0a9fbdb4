"""`knotwork monitor watch`: evaluate the monitors of the version an alias names, alert on
transitions, and on an alert retrain the workflow into a challenger (registered, put in
dev and any non-prod stage asked for; never in prod, which stays behind its gate).

Stateless between runs, so a cron job calling it with `--once` behaves like the
long-running loop: the store keeps the alert history (no repeated notifications), and
the registry's `challenger` alias tells whether this alert episode has its challenger.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from studio.core import Workflow
from studio.core.errors import KnotworkError
from studio.monitor import Alerter, EvaluationStatus, MonitorStore, Verdict, evaluate
from studio.monitor.bundle import prepare_bundle_monitors
from studio.registry import Registry, parse_uri

from .run import CHALLENGER, RetrainResult, retrain

log = logging.getLogger("knotwork.retrain")


@dataclass
class WatchOutcome:
    status: EvaluationStatus
    retrained: RetrainResult | None = None
    note: str = ""


class MonitorWatch:
    def __init__(
        self,
        uri: str,
        registry: Registry,
        store: MonitorStore,
        *,
        workflow: str | Path | None = None,
        parameters: dict[str, Any] | None = None,
        promote_to: list[str] | tuple[str, ...] = (),
        alerter: Alerter | None = None,
        on_progress=None,
    ):
        self.model, self.env = parse_uri(uri)
        if self.env is None or "@" not in uri:
            raise KnotworkError(f"{uri!r}: watch an alias, e.g. registry://{self.model}@prod")
        self.uri = uri
        self.registry = registry
        self.store = store
        self.parameters = dict(parameters or {})
        self.promote_to = list(promote_to)
        self.alerter = alerter
        if alerter is not None and alerter.store is None:
            alerter.store = store
        self.on_progress = on_progress
        self._workflow_path = Path(workflow) if workflow else None
        self._workflows: dict[Path, Workflow] = {}  # kept between retrains: rerun what changed

    def _bundle(self):
        from studio.deploy import Bundle

        path = self.registry.resolve(self.model, self.env)
        return Bundle.load(path, trusted_keys=self.registry.config.trusted_keys or None)

    def _training_workflow(self, bundle, monitors: list, alerting: list[str]) -> Workflow:
        """--retrain WORKFLOW, else the one the first alerting monitor names (relative to
        the workflow the bundle was built from), else that workflow itself."""
        source = Path((bundle.manifest.get("source") or {}).get("path") or "")
        path = self._workflow_path
        if path is None:
            named = {m.spec.name: m.spec.retrain for m in monitors}
            chosen = next((named[n] for n in alerting if named.get(n)), None)
            if chosen is not None:
                path = Path(chosen) if Path(chosen).is_absolute() else source.parent / chosen
                if not path.is_file():
                    raise KnotworkError(
                        f"no retraining workflow: the monitor names {chosen}, which is not at "
                        f"{path}; give --retrain WORKFLOW"
                    )
        path = path or source
        if not path.is_file():
            raise KnotworkError(
                f"no retraining workflow: {bundle.name}:{bundle.version} was built from "
                f"{path or 'an unsaved workflow'}, which is not here; give --retrain WORKFLOW"
            )
        if path not in self._workflows:
            self._workflows[path] = Workflow.load(path)
        return self._workflows[path]

    def _episode_start(self) -> float | None:
        """When the current alert began (the newest transition into alert)."""
        starts = [e.at for e in self.store.alerts(self.model) if e.current == Verdict.ALERT]
        return max(starts) if starts else None

    def _has_challenger(self, champion: str) -> str | None:
        """The challenger of this champion retrained during the current alert, if any."""
        target = self.registry.alias_target(self.model, CHALLENGER)
        if target is None:
            return None
        manifest = self.registry.version(self.model, target.version).manifest
        lineage = manifest.get("retraining") or {}
        if lineage.get("champion") != champion or not lineage.get("at"):
            return None
        started = self._episode_start()
        built = datetime.fromisoformat(lineage["at"]).timestamp()
        # The lineage time is rounded to the millisecond: a second of slack is plenty.
        return target.version if started is None or built + 1 >= started else None

    def once(self) -> WatchOutcome:
        bundle = self._bundle()
        monitors = prepare_bundle_monitors(bundle)
        status = evaluate(
            monitors, self.store, bundle.name, bundle.version, record=True, alerter=self.alerter
        )
        if not status.alerting:
            return WatchOutcome(status)
        champion = f"{self.model}:{bundle.version}"
        existing = self._has_challenger(champion)
        if existing is not None:
            return WatchOutcome(
                status, note=f"{self.model}:{existing} already challenges {champion}"
            )
        alerting = sorted(m.name for m in status.monitors if m.verdict == Verdict.ALERT)
        trigger = f"alert: {', '.join(alerting)} on {champion}"
        log.info("retraining %s: %s", self.model, trigger)
        result = retrain(
            self._training_workflow(bundle, monitors, alerting),
            self.registry,
            challenger_of=f"{self.model}@{self.env}",
            parameters=self.parameters,
            promote_to=self.promote_to,
            trigger=trigger,
            on_progress=self.on_progress,
        )
        return WatchOutcome(status, result)

    def run(self, interval: float, stop: threading.Event, report=None) -> None:
        """Evaluate every `interval` seconds until `stop` is set; a failed round is
        logged and retried at the next one, never ends the loop."""
        while not stop.is_set():
            try:
                outcome = self.once()
                if report is not None:
                    report(outcome)
            except Exception as exc:  # the store or registry away, a failed retrain: try again
                log.error("monitor watch %s: %s", self.uri, exc)
                if report is not None:
                    report(exc)
            stop.wait(interval)
