"""The model server: a FastAPI app around a ModelHolder. Bad input is always a 4xx with
the row and column at fault, never a 500 or a traceback."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from studio._version import __version__

from . import jsoncodec
from .contract import build_openapi
from .guards import BodyLimit, BodyTooLarge, TokenAuth, error_body
from .holder import ModelHolder, records
from .inputs import InputProblems, problem
from .oip import UnknownModel, register_oip
from .scoring import NotReady, ScoringFailed, ScoringService, read_json
from .settings import ServerSettings
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


def _feedback_items(body: Any) -> list[dict[str, Any]]:
    items = [body] if isinstance(body, dict) else body
    if not isinstance(items, list):
        raise InputProblems(
            [
                problem(
                    None, None, "send a feedback object or a list of them: {request_id, row, truth}"
                )
            ]
        )
    problems = []
    for i, it in enumerate(items):
        if not isinstance(it, dict):
            problems.append(problem(i, None, "expected an object {request_id, row, truth}"))
            continue
        problems += [
            problem(i, k, "unknown field") for k in it if k not in ("request_id", "row", "truth")
        ]
        if not isinstance(it.get("request_id"), str) or not it["request_id"]:
            problems.append(
                problem(i, "request_id", "expected the request_id a /predict answer gave")
            )
        if type(it.get("row")) is not int or it["row"] < 0 or it["row"] > 2**62:
            problems.append(problem(i, "row", "expected the 0-based row index within that request"))
        if "truth" not in it:
            problems.append(problem(i, "truth", "missing: the observed value of the target"))
    if problems:
        raise InputProblems(problems)
    return items


def create_app(
    holder: ModelHolder,
    settings: ServerSettings | None = None,
    *,
    monitor_sink: Any | None = None,
) -> FastAPI:
    """Build the server app; `holder.swap(bundle)` changes the served bundle at any time.

    `settings` gives the token, body limit and unknown-category policy (None: from the
    KNOTWORK_* variables and defaults); `monitor_sink` logs scored rows and feedback."""
    settings = settings if settings is not None else ServerSettings.load()
    token = settings.token_value
    unknown_category = settings.unknown_category
    metrics = ServerMetrics()
    service = ScoringService(holder, metrics, unknown_category, monitor_sink)
    app = FastAPI(title="Knotwork model server", version=__version__, redoc_url=None)
    app.state.holder = holder
    app.state.metrics = metrics
    app.state.service = service
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
        if rows.warnings:
            body["warnings"] = rows.warnings
        return _json(body, headers={"X-Request-ID": request_id})

    # A plain Starlette route: the hot path skips FastAPI's dependency solving (its OpenAPI
    # operation is written by build_openapi from the bundle's schema instead).
    app.add_route("/predict", predict, methods=["POST"])

    @app.post("/feedback", tags=["Scoring"])
    async def feedback(request: Request) -> Response:
        if monitor_sink is None:
            return _json(
                error_body("feedback logging is off: start the server with a monitoring store"), 404
            )
        items = _feedback_items(await read_json(request))
        matched = monitor_sink.log_feedback(items)
        return _json({"accepted": len(items), "matched": matched})

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
    if token:
        app.add_middleware(TokenAuth, token=token)
    static = frozenset(r.path for r in app.routes if "{" not in getattr(r, "path", "{"))
    app.add_middleware(MetricsMiddleware, metrics=metrics, static_paths=static)
    return app
