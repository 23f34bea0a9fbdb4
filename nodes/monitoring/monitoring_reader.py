"""Monitoring Reader: rows a deployed model scored, with their predictions and the truth
sent as feedback, read from the monitoring store into a table, so a retraining workflow
trains on recent production data (the loop `knotwork retrain` closes)."""

from __future__ import annotations

import os
import time

import pandas as pd
from pydantic import Field

from nodes.io.database import DatabaseSettings, check_url, make_engine
from studio.core import ConfigureError, NodeExecutionError, NodeType, Port, PortType, Table
from studio.core.node import ColumnsField
from studio.monitor import MonitorError, MonitorStore, MonitorStoreError
from studio.monitor.frames import REQUEST_ID, ROW, SHADOW_SUFFIX, TRUTH, TS, VERSION
from studio.monitor.windows import instant

METADATA = (REQUEST_ID, ROW, TS, VERSION)


class Settings(DatabaseSettings):
    url: str = Field(
        "sqlite:///.knotwork/monitor.db",
        description="Monitoring store URL without password (a relative SQLite path is relative to the workflow's folder)",
    )
    model: str = Field("", description="Registered model (bundle) name whose logged rows to read")
    version: str = Field(
        "",
        description="Only rows scored by this version, a shadow's included (empty: every "
        "version, each request once)",
    )
    since: str = Field(
        "",
        description="Oldest rows: a duration back from now (7d, 12h) or a date (2026-12-01); empty: all",
    )
    until: str = Field(
        "", description="Newest rows (exclusive): a duration back from now or a date; empty: now"
    )
    labelled_only: bool = Field(True, description="Keep only rows whose truth came as feedback")
    truth_column: str = Field(
        "truth", min_length=1, description="Name of the output column holding the truth (target)"
    )
    columns: list[str] = ColumnsField(
        port=-1, description="Logged columns to keep (default: every input and output)"
    )
    metadata: bool = Field(
        False, description="Also output _request_id, _row, _ts and _version (as id columns)"
    )


def epoch(text: str, setting: str, now: float) -> float | None:
    """Epoch seconds of the setting's duration back from `now` or date; None if empty."""
    try:
        return instant(text, now)
    except MonitorError as exc:
        raise ConfigureError(str(exc), where=setting) from None


def _truth(values: pd.Series) -> pd.Series:
    """Truth as numbers when every value is one (feedback arrives as JSON), else text."""
    numbers = pd.to_numeric(values, errors="coerce")
    if numbers.notna().sum() == values.notna().sum():
        return numbers
    return values.where(values.isna(), values.astype(str))


class MonitoringReader(NodeType):
    type_id = "monitoring.reader"
    name = "Monitoring Reader"
    category = "Monitoring"
    description = (
        "Reads the rows a deployed model scored, its predictions and the truth sent as "
        "feedback, from the monitoring store (a time range, one version, only labelled rows), "
        "so a retraining workflow learns from recent production data."
    )
    keywords = ("monitoring", "feedback", "retrain", "production", "logged", "truth", "store")
    outputs = (Port("table", PortType.TABLE),)
    Settings = Settings

    def configure(self, s: Settings, specs, ctx):
        check_url(s)
        if not s.model.strip():
            raise ConfigureError("name the model whose logged rows to read", where="model")
        now = time.time()
        start, end = epoch(s.since, "since", now), epoch(s.until, "until", now)
        if start is not None and end is not None and start >= end:
            raise ConfigureError(
                f"'since' ({s.since}) is not before 'until' ({s.until})", where="since"
            )
        return [None]  # the columns are whatever the service logged

    def execute(self, s: Settings, inputs, ctx):
        now = time.time()
        start, end = epoch(s.since, "since", now), epoch(s.until, "until", now)
        engine = make_engine(s, ctx.resolve_path, ctx.label)
        url = engine.url
        engine.dispose()
        if url.get_backend_name() == "sqlite" and not os.path.isfile(url.database or ""):
            raise NodeExecutionError(
                f"no monitoring store at {url.database}: point 'url' at the store the server "
                "logs to (its --monitor-url, by default .knotwork/monitor.db in its workspace)",
                where="url",
            )
        try:
            store = MonitorStore(url.render_as_string(hide_password=False), background=False)
        except MonitorStoreError as exc:
            raise NodeExecutionError(str(exc), where="url") from None
        try:
            chunks = list(
                store.iter_rows(
                    s.model.strip(),
                    s.version.strip() or None,
                    start=start,
                    end=end,
                    with_truth=True,
                    labelled_only=s.labelled_only,
                )
            )
        except MonitorStoreError as exc:
            raise NodeExecutionError(str(exc), where="url") from None
        finally:
            store.engine.dispose()
        if not chunks:
            what = "labelled rows" if s.labelled_only else "rows"
            raise NodeExecutionError(
                f"the store holds no {what} of model {s.model!r}"
                + (f" version {s.version}" if s.version else "")
                + " in this time range (check 'model', 'version', 'since' and 'until')",
                where="model",
            )
        df = pd.concat(chunks, ignore_index=True)
        if not s.version.strip():  # a shadow's copies of the same requests count once
            df = df[~df[REQUEST_ID].str.endswith(SHADOW_SUFFIX)].reset_index(drop=True)
        return [self._table(s, df)]

    def _table(self, s: Settings, df: pd.DataFrame) -> Table:
        logged = [c for c in df.columns if c not in METADATA and c != TRUTH]
        if s.columns:
            missing = [c for c in s.columns if c not in logged]
            if missing:
                raise NodeExecutionError(
                    f"columns {missing} were not logged (logged: {', '.join(logged)})",
                    where="columns",
                )
            logged = list(s.columns)
        if s.truth_column in logged:
            raise NodeExecutionError(
                f"the logged rows already have a column {s.truth_column!r}: choose another "
                "name for the truth",
                where="truth_column",
            )
        out = df[logged].copy()
        out[s.truth_column] = _truth(df[TRUTH])
        roles = {s.truth_column: "target"}
        if s.metadata:
            for name in METADATA:
                out[name] = df[name]
                roles[name] = "id"
        return Table(out, roles)
