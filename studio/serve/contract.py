"""The server's OpenAPI document, generated from the bundle's input and output schema, so
clients (and schemathesis) see the real column names, types and allowed categories."""

from __future__ import annotations

from typing import Any

from fastapi.openapi.utils import get_openapi

from studio.core.ports import ColumnSpec, TableSpec

from .holder import ServedModel

INT64 = {"minimum": -(2**63), "maximum": 2**63 - 1}


def value_schema(col: ColumnSpec, unknown_category: str = "error") -> dict[str, Any]:
    """JSON schema of one cell of `col` (null always allowed: missing values)."""
    if col.categories is not None and unknown_category == "error":
        return {"enum": [*col.categories, None], "title": col.name}
    kind = {
        "number": {"type": ["number", "null"]},
        "integer": {"type": ["integer", "null"], **INT64},
        "boolean": {"type": ["boolean", "null"]},
        "datetime": {"type": ["string", "null"], "format": "date-time"},
    }.get(col.dtype, {"type": ["string", "null"]})
    out = {**kind, "title": col.name}
    if col.categories is not None:
        out["examples"] = list(col.categories[:5])
    return out


def record_schema(
    spec: TableSpec, unknown_category: str = "error", strict: bool = True
) -> dict[str, Any]:
    props = {c.name: value_schema(c, unknown_category) for c in spec.columns}
    out: dict[str, Any] = {"type": "object", "properties": props}
    if strict:
        out.update(required=list(props), additionalProperties=False)
    return out


def columns_schema(spec: TableSpec, unknown_category: str = "error") -> dict[str, Any]:
    props = {
        c.name: {"type": "array", "items": value_schema(c, unknown_category)} for c in spec.columns
    }
    return {
        "type": "object",
        "properties": props,
        "required": list(props),
        "additionalProperties": False,
    }


ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "detail": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "row": {"type": ["integer", "null"]},
                    "column": {"type": ["string", "null"]},
                    "error": {"type": "string"},
                },
                "required": ["row", "column", "error"],
            },
        }
    },
    "required": ["detail"],
}

OIP_TENSOR = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "shape": {"type": "array", "items": {"type": "integer", "minimum": 0}},
        "datatype": {"type": "string"},
        "data": {"type": "array"},
        "parameters": {"type": "object"},
    },
    "required": ["name", "shape", "datatype", "data"],
}

OIP_REQUEST = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "parameters": {"type": "object"},
        "inputs": {"type": "array", "items": {"$ref": "#/components/schemas/OipTensor"}},
        "outputs": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"name": {"type": "string"}},
                "required": ["name"],
            },
        },
    },
    "required": ["inputs"],
}

FEEDBACK_ITEM = {
    "type": "object",
    "properties": {
        "request_id": {"type": "string", "minLength": 1},
        "row": {"type": "integer", "minimum": 0},
        "truth": {"description": "The observed value of the target for that row"},
    },
    "required": ["request_id", "row", "truth"],
    "additionalProperties": False,
}


def _errors(*codes: int) -> dict[str, Any]:
    text = {
        401: "Missing or wrong bearer token",
        404: "Not found",
        413: "Request body too large",
        422: "Input does not fit the schema",
    }
    ref = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    return {str(c): {"description": text[c], **ref} for c in codes}


def build_openapi(
    routes: list[Any], model: ServedModel | None, unknown_category: str, auth: bool
) -> dict[str, Any]:
    title = f"{model.name} (Knotwork model server)" if model else "Knotwork model server"
    doc = get_openapi(
        title=title,
        version=model.version if model else "0",
        routes=routes,
        description="Scores rows with a verified Knotwork bundle.",
    )
    comps = doc.setdefault("components", {}).setdefault("schemas", {})
    comps.update(
        Error=ERROR_SCHEMA,
        OipTensor=OIP_TENSOR,
        OipInferenceRequest=OIP_REQUEST,
        FeedbackItem=FEEDBACK_ITEM,
    )
    if model is not None:
        spec = model.input_spec
        comps["Record"] = record_schema(spec, unknown_category)
        comps["Records"] = {"type": "array", "items": {"$ref": "#/components/schemas/Record"}}
        comps["Columns"] = columns_schema(spec, unknown_category)
        out_props = (
            {c.name: value_schema(c, "warn") for c in model.output_spec.columns}
            if model.output_spec is not None
            else {}
        )
        comps["PredictResponse"] = {
            "type": "object",
            "properties": {
                "model": {"type": "string"},
                "version": {"type": "string"},
                "request_id": {"type": "string"},
                "predictions": {
                    "type": "array",
                    "items": {"type": "object", "properties": out_props},
                },
                "warnings": {
                    "type": "array",
                    "items": ERROR_SCHEMA["properties"]["detail"]["items"],
                },
            },
            "required": ["model", "version", "request_id", "predictions"],
        }
        example = model.manifest.get("input_example")
        json_body: dict[str, Any] = {
            "schema": {
                "anyOf": [
                    {"$ref": "#/components/schemas/Records"},
                    {"$ref": "#/components/schemas/Columns"},
                    {"$ref": "#/components/schemas/Record"},
                ]
            }
        }
        if isinstance(example, list):
            json_body["example"] = example
        predict = (
            doc["paths"]
            .setdefault("/predict", {})
            .setdefault(
                "post", {"tags": ["Scoring"], "summary": "Score rows", "operationId": "predict"}
            )
        )
        predict["requestBody"] = {
            "required": True,
            "content": {
                "application/json": json_body,
                "text/csv": {"schema": {"type": "string"}},
            },
        }
        predict["responses"] = {
            "200": {
                "description": "One prediction per row",
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/PredictResponse"}}
                },
            },
            **_errors(*((401,) if auth else ()), 413, 422),
        }
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            if path.endswith("/infer") and method == "post":
                op["requestBody"] = {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/OipInferenceRequest"}
                        }
                    },
                }
                op["responses"].update(_errors(404, 413, 422))
            if path == "/feedback" and method == "post":
                body = {
                    "anyOf": [
                        {"type": "array", "items": {"$ref": "#/components/schemas/FeedbackItem"}},
                        {"$ref": "#/components/schemas/FeedbackItem"},
                    ]
                }
                op["requestBody"] = {
                    "required": True,
                    "content": {"application/json": {"schema": body}},
                }
                op["responses"].update(_errors(404, 413, 422))
            if auth and not (path == "/health" or path.startswith("/v2/health/")):
                op.setdefault("security", [{"bearer": []}])
                op["responses"].update(_errors(401))
    if auth:
        doc["components"]["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer"}}
    return doc
