"""The scoring path shared by /predict and the OIP infer routes: read the body, parse
it against the schema, score with the current bundle, count and log the rows."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from studio.core.errors import KnotworkError

from . import jsoncodec
from .holder import ModelHolder, ServedModel
from .inputs import InputProblems, ParsedRows, problem
from .telemetry import ServerMetrics

log = logging.getLogger("knotwork.serve")
INLINE_ROWS = 64  # small batches score on the event loop (a thread hop costs more than they do)


class NotReady(Exception):
    """No bundle is loaded yet (a registry watcher is still fetching one)."""


class ScoringFailed(Exception):
    """The model itself failed on rows that passed validation: a server-side fault."""


async def read_json(request: Request) -> Any:
    body = await request.body()
    try:
        return jsoncodec.loads(body)
    except (UnicodeDecodeError, jsoncodec.DecodeError) as exc:
        raise InputProblems([problem(None, None, f"invalid JSON body: {exc}")]) from None
    except RecursionError:
        raise InputProblems([problem(None, None, "invalid JSON body: nested too deeply")]) from None


class ScoringService:
    def __init__(
        self, holder: ModelHolder, metrics: ServerMetrics, unknown_category: str, store: Any | None
    ):
        self.holder = holder
        self.metrics = metrics
        self.unknown_category = unknown_category
        self.store = store  # a MonitorStore: logging is an append to its buffer
        self.shadow: Any | None = None  # a ShadowScorer: one non-blocking put per request

    def model(self) -> ServedModel:
        model = self.holder.current
        if model is None:
            raise NotReady()
        return model

    async def parse_request(self, model: ServedModel, request: Request) -> ParsedRows:
        ctype = (
            request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
        )
        if ctype in ("text/csv", "application/csv"):
            body = await request.body()
            try:
                text = body.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise InputProblems(
                    [problem(None, None, "the CSV body is not UTF-8 text")]
                ) from None
            return model.inputs.from_csv(text, self.unknown_category)
        if ctype not in ("application/json", "") and not ctype.endswith("+json"):
            raise InputProblems(
                [
                    problem(
                        None,
                        None,
                        f"unsupported content type {ctype!r}: send application/json or text/csv",
                    )
                ]
            )
        return model.inputs.from_json(await read_json(request), self.unknown_category)

    async def score(self, model: ServedModel, rows: ParsedRows) -> tuple[str, dict[str, list[Any]]]:
        """Return (request id, output columns); logs the rows when a store is configured."""
        try:
            if rows.n_rows <= INLINE_ROWS:
                cols = model.predict(rows)
            else:
                cols = await run_in_threadpool(model.predict, rows)
        except (KnotworkError, ValueError, TypeError, KeyError) as exc:
            # Rows that fit the schema but not the model (a value the pipeline cannot handle);
            # the bundle's own schema errors name their column and row.
            raise InputProblems(
                [
                    problem(
                        getattr(exc, "row", None),
                        getattr(exc, "column", None),
                        f"the model could not score these rows: {exc}",
                    )
                ]
            ) from None
        except Exception as exc:
            log.exception("scoring failed in %s %s", model.name, model.version)
            raise ScoringFailed(f"{type(exc).__name__} while scoring") from None
        request_id = uuid.uuid4().hex
        self.metrics.rows.labels(model.name, model.version).inc(rows.n_rows)
        for w in rows.warnings:
            self.metrics.warnings.labels(w["column"]).inc()
        if self.store is not None and rows.n_rows:
            # The columns as they are: the store's writer thread turns them into a block.
            self.store.log_predictions(
                request_id, model.name, model.version, rows.columns, cols, n_rows=rows.n_rows
            )
        if self.shadow is not None and rows.n_rows:
            self.shadow.submit(request_id, model, rows)
        return request_id, cols
