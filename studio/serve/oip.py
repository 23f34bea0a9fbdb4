"""Open Inference Protocol (KServe v2) routes: one tensor per input column in, one
tensor per output column out, so standard OIP clients can call a Knotwork bundle."""

from __future__ import annotations

import math
from typing import Any

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response

from studio._version import __version__

from . import jsoncodec
from .holder import OIP_DATATYPES, ServedModel
from .inputs import InputProblems, problem
from .scoring import ScoringService, read_json


class UnknownModel(Exception):
    """A model name or version this server does not serve (OIP answers 404)."""


def _json(body: dict[str, Any], status: int = 200) -> Response:
    return Response(jsoncodec.dumps(body), status_code=status, media_type="application/json")


def _flatten(data: Any) -> list[Any]:
    if not isinstance(data, list):
        return [data]
    if not any(isinstance(x, list) for x in data):
        return data
    flat: list[Any] = []
    stack = [iter(data)]
    while stack:
        for x in stack[-1]:
            if isinstance(x, list):
                stack.append(iter(x))
                break
            flat.append(x)
        else:
            stack.pop()
    return flat


def _tensor_columns(model: ServedModel, body: Any) -> tuple[dict[str, list[Any]], list[str] | None]:
    """OIP request body → raw columns (and the requested output names, if any)."""
    if not isinstance(body, dict) or not isinstance(body.get("inputs"), list):
        raise InputProblems(
            [
                problem(
                    None,
                    None,
                    "an OIP inference request is an object with an 'inputs' list of tensors",
                )
            ]
        )
    names = model.inputs.names
    cols: dict[str, list[Any]] = {}
    problems = []
    for i, t in enumerate(body["inputs"]):
        if not isinstance(t, dict) or not isinstance(t.get("name"), str) or "data" not in t:
            problems.append(problem(None, None, f"input tensor {i} needs a 'name' and 'data'"))
            continue
        shape = t.get("shape")
        if not isinstance(shape, list) or not all(type(d) is int and d >= 0 for d in shape):
            problems.append(
                problem(None, t["name"], "'shape' must be a list of non-negative integers")
            )
            continue
        data = _flatten(t["data"])
        if len(data) != math.prod(shape):
            problems.append(
                problem(
                    None,
                    t["name"],
                    f"shape {shape} holds {math.prod(shape)} values but 'data' has {len(data)}",
                )
            )
            continue
        if (
            t["name"] not in names
            and len(body["inputs"]) == 1
            and len(shape) == 2
            and shape[1] == len(names)
        ):
            # One [rows, columns] tensor in schema order, as many OIP clients send.
            cols = {n: data[j :: len(names)] for j, n in enumerate(names)}
            continue
        cols[t["name"]] = data
    if problems:
        raise InputProblems(problems)
    wanted = body.get("outputs")
    if wanted is None:
        return cols, None
    if not isinstance(wanted, list) or not all(
        isinstance(o, dict) and isinstance(o.get("name"), str) for o in wanted
    ):
        raise InputProblems(
            [problem(None, None, "'outputs' must be a list of objects with a 'name'")]
        )
    return cols, [o["name"] for o in wanted]


def _datatype(model: ServedModel, name: str, values: list[Any]) -> str:
    col = model.output_spec.column(name) if model.output_spec is not None else None
    if col is not None and col.dtype in OIP_DATATYPES:
        return OIP_DATATYPES[col.dtype]
    present = [v for v in values if v is not None]
    if present and all(type(v) is bool for v in present):
        return "BOOL"
    if present and all(type(v) is int for v in present):
        return "INT64"
    if present and all(type(v) in (int, float) for v in present):
        return "FP64"
    return "BYTES"


def _tensor_meta(model: ServedModel, output: bool) -> list[dict[str, Any]]:
    spec = model.output_spec if output else model.input_spec
    if spec is None:
        return []
    return [
        {"name": c.name, "datatype": OIP_DATATYPES.get(c.dtype, "BYTES"), "shape": [-1]}
        for c in spec.columns
    ]


def register_oip(app: FastAPI, service: ScoringService) -> None:
    def served(name: str, version: str | None) -> ServedModel:
        model = service.model()
        if name != model.name or (version is not None and version != model.version):
            wanted = f"{name}" + (f" version {version}" if version is not None else "")
            raise UnknownModel(
                f"this server serves {model.name} version {model.version}, not {wanted}"
            )
        return model

    @app.get("/v2", tags=["Open Inference Protocol"])
    async def server_metadata() -> dict[str, Any]:
        return {"name": "knotwork", "version": __version__, "extensions": []}

    @app.get("/v2/health/live", tags=["Open Inference Protocol"])
    async def live() -> dict[str, Any]:
        return {"live": True}

    @app.get("/v2/health/ready", tags=["Open Inference Protocol"])
    async def ready() -> Response:
        ok = service.holder.current is not None
        return _json({"ready": ok}, 200 if ok else 503)

    async def metadata(name: str, version: str | None) -> dict[str, Any]:
        model = served(name, version)
        return {
            "name": model.name,
            "versions": [model.version],
            "platform": "knotwork",
            "inputs": _tensor_meta(model, False),
            "outputs": _tensor_meta(model, True),
        }

    async def model_ready(name: str, version: str | None) -> dict[str, Any]:
        model = served(name, version)
        return {"name": model.name, "ready": True}

    async def infer(name: str, version: str | None, request: Request) -> Response:
        model = served(name, version)
        body = await read_json(request)
        raw, wanted = _tensor_columns(model, body)
        rows = model.inputs.from_columns(raw, service.unknown_category)
        request_id, cols = await service.score(model, rows)
        if wanted is not None:
            unknown = [w for w in wanted if w not in cols]
            if unknown:
                raise InputProblems(
                    [
                        problem(None, w, f"no such output (outputs: {', '.join(cols)})")
                        for w in unknown
                    ]
                )
            cols = {w: cols[w] for w in wanted}
        outputs = [
            {"name": k, "datatype": _datatype(model, k, v), "shape": [len(v)], "data": v}
            for k, v in cols.items()
        ]
        rid = body.get("id") if isinstance(body.get("id"), str) else request_id
        return _json(
            {
                "model_name": model.name,
                "model_version": model.version,
                "id": rid,
                "parameters": {"request_id": request_id},
                "outputs": outputs,
            }
        )

    tags = ["Open Inference Protocol"]

    @app.get("/v2/models/{name}", tags=tags)
    async def model_metadata(name: str) -> dict[str, Any]:
        return await metadata(name, None)

    @app.get("/v2/models/{name}/versions/{version}", tags=tags)
    async def version_metadata(name: str, version: str) -> dict[str, Any]:
        return await metadata(name, version)

    @app.get("/v2/models/{name}/ready", tags=tags)
    async def model_is_ready(name: str) -> dict[str, Any]:
        return await model_ready(name, None)

    @app.get("/v2/models/{name}/versions/{version}/ready", tags=tags)
    async def version_is_ready(name: str, version: str) -> dict[str, Any]:
        return await model_ready(name, version)

    @app.post("/v2/models/{name}/infer", tags=tags)
    async def model_infer(name: str, request: Request) -> Response:
        return await infer(name, None, request)

    @app.post("/v2/models/{name}/versions/{version}/infer", tags=tags)
    async def version_infer(name: str, version: str, request: Request) -> Response:
        return await infer(name, version, request)
