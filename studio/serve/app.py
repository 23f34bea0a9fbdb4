"""The model server: a FastAPI app around a ModelHolder. Bad input is always a 4xx with
the row and column at fault, never a 500 or a traceback."""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from studio._version import __version__
from studio.deploy.schema import IGNORED
from studio.monitor import Alerter, FeedbackError, FeedbackReceipt, MonitorStore

from . import jsoncodec
from .contract import build_openapi
from .guards import BodyLimit, BodyTooLarge, TokenAuth, error_body
from .holder import ModelHolder, records
from .inputs import InputProblems, problem
from .monitoring import MonitoringCollector, ServerMonitoring
from .oip import UnknownModel, register_oip
from .scoring import NotReady, ScoringFailed, ScoringService, read_json
from .settings import ServerSettings
from .shadow import ShadowScorer
from .telemetry import MetricsMiddleware, ServerMetrics
from .webform import render_form

log = logging.getLogger("knotwork.serve")


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        jsoncodec.dumps(body),
        status_code=status,
        media_type="application/json",
        headers=headers,
    )


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(InputProblems)
    async def input_problems(request: Request, exc: InputProblems) -> Response:
        return _json({"detail": exc.problems}, 422)

    @app.exception_handler(BodyTooLarge)
    async def too_large(request: Request, exc: BodyTooLarge) -> Response:
        return _json(error_body(f"{exc}: send fewer rows per request"), 413)

    @app.exception_handler(NotReady)
    async def not_ready(request: Request, exc: NotReady) -> Response:
        return _json(error_body("no model is loaded yet"), 503, {"Retry-After": "5"})

    @app.exception_handler(UnknownModel)
    async def unknown_model(request: Request, exc: UnknownModel) -> Response:
        return _json({"error": str(exc), **error_body(str(exc))}, 404)

    @app.exception_handler(ScoringFailed)
    async def scoring_failed(request: Request, exc: ScoringFailed) -> Response:
        return _json(error_body(f"internal error: {exc}; see the server log"), 500)

    @app.exception_handler(RequestValidationError)
    async def request_invalid(request: Request, exc: RequestValidationError) -> Response:
        detail = [
            problem(None, ".".join(map(str, e.get("loc", ()))) or None, e.get("msg", "invalid"))
            for e in exc.errors()
        ]
        return _json({"detail": detail}, 422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return _json(error_body(str(exc.detail)), exc.status_code, getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.error("unexpected %s on %s %s", type(exc).__name__, request.method, request.url.path)
        return _json(error_body("internal error; see the server log"), 500)


def _feedback_problem(exc: FeedbackError) -> InputProblems:
    """A FeedbackError as the 422 body every other bad input gets: `[2].truth` → row 2,
    column truth, plus the field path itself."""
    match = re.fullmatch(r"\[(\d+)\](?:\.(.+))?", exc.field)
    row, column = (int(match.group(1)), match.group(2)) if match else (None, None)
    return InputProblems([{**problem(row, column, exc.reason), "field": exc.field}])


def _receipt_body(receipt: FeedbackReceipt) -> dict[str, Any]:
    body: dict[str, Any] = {
        "accepted": receipt.accepted,
        "matched": receipt.matched,
        "unmatched": receipt.unmatched,
    }
    if receipt.pending:
        body["pending"] = True
        body["note"] = "the monitoring store is unreachable: the items wait and are matched later"
    elif receipt.unmatched:
        body["unmatched_request_ids"] = list(receipt.unmatched_ids)
        body["note"] = (
            "feedback for rows this store has no prediction of is stored and counted; "
            "check the request_id and row a /predict answer gave"
        )
    return body


def create_app(
    holder: ModelHolder,
    settings: ServerSettings | None = None,
    *,
    store: MonitorStore | None = None,
    alerter: Alerter | None = None,
    shadow: ShadowScorer | None = None,
) -> FastAPI:
    """Build the server app; `holder.swap(bundle)` changes the served bundle at any time.

    `settings` gives the token, body limit, unknown-category policy and monitoring
    interval (None: from the KNOTWORK_* variables and defaults); `store` logs scored rows
    and feedback, and the bundle's monitors are evaluated over it in the background
    while the app runs (its lifespan), notifying `alerter` on transitions; `shadow`
    scores every request with a challenger in the background."""
    settings = settings if settings is not None else ServerSettings.load()
    token = settings.token_value
    unknown_category = settings.unknown_category
    metrics = ServerMetrics()
    service = ScoringService(holder, metrics, unknown_category, store)
    if alerter is not None and alerter.store is None and store is not None:
        alerter.store = store  # alert history, and where it resumes: no repeats on restart
    monitoring = (
        ServerMonitoring(holder, store, interval=settings.monitor_interval, alerter=alerter)
        if store is not None
        else None
    )
    metrics.registry.register(MonitoringCollector(monitoring, store))
    app = FastAPI(title="Knotwork model server", version=__version__, redoc_url=None)
    app.state.holder = holder
    app.state.metrics = metrics
    app.state.service = service
    app.state.monitoring = monitoring
    app.state.shadow = shadow
    if shadow is not None:
        service.shadow = shadow
        app.router.on_startup.append(shadow.start)
        app.router.on_shutdown.append(shadow.stop)
    if monitoring is not None:
        app.router.on_startup.append(monitoring.start)
        app.router.on_shutdown.append(monitoring.stop)
    _install_error_handlers(app)

    @app.get("/health", tags=["Service"])
    async def health() -> dict[str, Any]:
        return {"status": "ok"}

    @app.get("/ready", tags=["Service"])
    async def ready() -> Response:
        model = holder.current
        if model is None:
            return _json({"ready": False}, 503, {"Retry-After": "5"})
        return _json({"ready": True, "model": model.name, "version": model.version})

    @app.get("/metadata", tags=["Service"])
    async def metadata() -> dict[str, Any]:
        return service.model().summary()

    @app.get("/metrics", tags=["Service"])
    async def prometheus() -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    @app.get("/", response_class=HTMLResponse, tags=["Service"])
    async def form() -> HTMLResponse:
        return HTMLResponse(render_form(service.model(), auth=token is not None))

    async def predict(request: Request) -> Response:
        model = service.model()  # one snapshot for the whole request, even across a swap
        rows = await service.parse_request(model, request)
        request_id, cols = await service.score(model, rows)
        body: dict[str, Any] = {
            "model": model.name,
            "version": model.version,
            "request_id": request_id,
            "predictions": records(cols),
        }
        notes = [problem(None, c, IGNORED) for c in rows.ignored]
        if rows.warnings or notes:
            body["warnings"] = notes + rows.warnings
        return _json(body, headers={"X-Request-ID": request_id})

    # A plain Starlette route: the hot path skips FastAPI's dependency solving (its OpenAPI
    # operation is written by build_openapi from the bundle's schema instead).
    app.add_route("/predict", predict, methods=["POST"])

    monitoring_off = error_body(
        "monitoring is off: start the server without --no-monitor (a monitoring store)"
    )

    @app.post("/feedback", tags=["Scoring"])
    async def feedback(request: Request) -> Response:
        if store is None:
            return _json(monitoring_off, 404)
        body = await read_json(request)
        try:
            receipt = await run_in_threadpool(store.log_feedback, body)
        except FeedbackError as exc:
            raise _feedback_problem(exc) from None
        metrics.count_feedback(receipt)
        if shadow is not None:
            await run_in_threadpool(shadow.feedback, body, holder.current)
        return _json(_receipt_body(receipt))

    @app.get("/monitoring", tags=["Monitoring"])
    async def monitoring_status() -> Response:
        if monitoring is None:
            return _json(monitoring_off, 404)
        snapshot = monitoring.snapshot()
        if shadow is not None:
            snapshot["shadow"] = shadow.summary()
        return _json(snapshot)

    register_oip(app, service)

    cache: dict[str, Any] = {}

    def openapi() -> dict[str, Any]:
        model = holder.current
        if cache.get("model") is not model or "doc" not in cache:
            cache.update(
                model=model,
                doc=build_openapi(app.routes, model, unknown_category, token is not None),
            )
        return cache["doc"]

    app.openapi = openapi  # type: ignore[method-assign]

    # Outermost last: metrics sees every answer, including the guards' 401 and 413.
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    if token or settings.ops_token_value:
        app.add_middleware(TokenAuth, token=token, ops_token=settings.ops_token_value)
    static = frozenset(r.path for r in app.routes if "{" not in getattr(r, "path", "{"))
    app.add_middleware(MetricsMiddleware, metrics=metrics, static_paths=static)
    return app
