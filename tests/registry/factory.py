"""Bundles written from manifests, as `knotwork deploy` lays them out, without training:
most registry behaviour depends only on the manifest, the graph and the file hashes."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


PASSING_VALIDATION = {
    "status": "pass",
    "metric": "accuracy",
    "scores": {"train": 0.95, "test": 0.93},
    "checks": [
        {
            "name": "overfitting (test)",
            "status": "pass",
            "value": 0.02,
            "threshold": 0.1,
            "message": "gap +0.020",
        },
        {
            "name": "score floor (test)",
            "status": "pass",
            "value": 0.93,
            "threshold": 0.7,
            "message": "ok",
        },
    ],
}


def clean_audit(requirements: dict[str, str]) -> dict[str, Any]:
    """The audit `deploy` records when every requirement was checked and nothing was found."""
    return {
        "format_version": 1,
        "target": "bundle",
        "kind": "bundle",
        "at": "2026-11-29T12:00:00+00:00",
        "requirements": requirements,
        "vulnerabilities": {
            "source": "OSV advisories (test)",
            "note": "",
            "packages": [
                {"name": n, "version": v, "checked": True, "note": "", "vulnerabilities": []}
                for n, v in requirements.items()
            ],
        },
        "licences": [
            {"name": n, "version": v, "expression": "BSD-3-Clause", "source": "License-Expression"}
            for n, v in requirements.items()
        ],
        "outdated": None,
        "secrets": [],
        "notes": [],
    }


def write_bundle(
    root: Path,
    name: str = "churn",
    version: str = "1",
    *,
    C: float = 1.0,
    metrics: dict[str, Any] | None = None,
    validation: dict[str, Any] | None = PASSING_VALIDATION,
    parity: bool = True,
    input_columns: list[dict[str, Any]] | None = None,
    sign: bool = True,
    as_zip: bool = False,
    audit: dict[str, Any] | None = None,
) -> Path:
    """A bundle as `knotwork deploy` lays it out (manifest, signature, graph, state), signed
    with this test run's default key, without training anything."""
    from studio.security.signing import default_signing_key
    from studio.security.signing import sign as sign_bytes

    workflow = {
        "format_version": 1,
        "name": name,
        "nodes": [
            {
                "id": "in1",
                "type_id": "deployment.input",
                "version": 1,
                "label": "Deployment Input",
                "settings": {},
            },
            {
                "id": "lr1",
                "type_id": "learners.logistic_regression",
                "version": 1,
                "label": "Logistic Regression",
                "settings": {"C": C, "max_iter": 100},
            },
            {
                "id": "out1",
                "type_id": "deployment.output",
                "version": 1,
                "label": "Deployment Output",
                "settings": {},
            },
        ],
        "connections": [
            {"source": "in1", "source_port": "table", "target": "lr1", "target_port": "table"},
            {"source": "lr1", "source_port": "table", "target": "out1", "target_port": "table"},
        ],
    }
    # the layout `knotwork deploy` writes: the captured workflow next to the deployment plan
    graph = {
        "format_version": 1,
        "workflow": workflow,
        "deployment": {"input_node": "in1", "output_node": "out1", "order": ["in1", "lr1", "out1"]},
    }
    cols = input_columns or [
        {"name": "age", "dtype": "number", "categories": None},
        {"name": "plan", "dtype": "category", "categories": ["a", "b"]},
    ]
    files = {
        "graph.json": json.dumps(graph, sort_keys=True, indent=2).encode(),
        "state/lr1.skops": f"fitted state C={C}".encode(),
        "reference/profile.json": json.dumps({"rows": 100, "C": C}).encode(),
    }
    manifest = {
        "name": name,
        "version": version,
        "created_at": "2026-11-29T12:00:00Z",
        "created_by": "trainer",
        "knotwork_version": "0.1.0",
        "source": {"path": str(root / "train.knotwork.json"), "sha256": "ab" * 32},
        "input_schema": {"columns": cols, "roles": {}},
        "output_schema": {
            "columns": [{"name": "prediction", "dtype": "string", "categories": None}],
            "roles": {},
        },
        "metrics": metrics
        if metrics is not None
        else {"train": {"accuracy": 0.95}, "test": {"accuracy": 0.93}},
        "parity": {"passed": parity, "rows": 20},
        "python": "3.11",
        "requirements": {"scikit-learn": "1.9.0"},
        "audit": audit if audit is not None else clean_audit({"scikit-learn": "1.9.0"}),
        "files": {k: _sha(v) for k, v in files.items()},
    }
    if validation is not None:
        manifest["validation"] = validation
    manifest_bytes = json.dumps(manifest, sort_keys=True, indent=2).encode()
    files["manifest.json"] = manifest_bytes
    if sign:
        key, _path, _created = default_signing_key()
        files["signature.json"] = json.dumps(sign_bytes(manifest_bytes, key)).encode()
    if as_zip:
        import zipfile

        target = root / f"{name}-{version}.zip"
        target.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(target, "w") as zf:
            for rel, data in sorted(files.items()):
                zf.writestr(rel, data)
        return target
    target = root / f"{name}-{version}"
    for rel, data in files.items():
        (target / rel).parent.mkdir(parents=True, exist_ok=True)
        (target / rel).write_bytes(data)
    return target
