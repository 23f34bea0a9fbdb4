"""Copy and paste as workflow-file JSON fragments, so nodes travel between windows
(and between studios) through the system clipboard."""

from __future__ import annotations

import json
import re
from typing import Any

from PySide6.QtWidgets import QApplication

from studio.core import Workflow
from studio.core.records import NodeRecord, PlacedNode
from studio.core.workflow import Annotation, Link, new_id

FRAGMENT_FORMAT = 1
_COPY_SUFFIX = re.compile(r" \(\d+\)$")


def fragment(wf: Workflow, node_ids: list[str], annotation_ids: list[str] = ()) -> dict[str, Any]:
    """The chosen nodes, the wires between them, their layout and annotations."""
    chosen = set(node_ids)
    return {
        "knotwork_fragment": FRAGMENT_FORMAT,
        "nodes": [NodeRecord.of(n).to_json() for n in wf.nodes if n.id in chosen],
        "connections": [
            {
                "source": lk.source,
                "source_port": lk.source_port,
                "target": lk.target,
                "target_port": lk.target_port,
            }
            for lk in wf.links
            if lk.source in chosen and lk.target in chosen
        ],
        "annotations": [
            {"id": a.id, "text": a.text, "x": a.x, "y": a.y, "width": a.width, "height": a.height}
            for a in wf.annotations.values()
            if a.id in set(annotation_ids)
        ],
        "layout": {"nodes": {nid: list(wf.layout.get(nid, (0.0, 0.0))) for nid in node_ids}},
    }


def copy_to_clipboard(data: dict[str, Any]) -> None:
    # Plain JSON text: readable by any editor, pasteable into another studio process.
    QApplication.clipboard().setText(json.dumps(data, sort_keys=True, indent=2))


def read_clipboard() -> dict[str, Any] | None:
    """A fragment from the clipboard text, else None."""
    raw = QApplication.clipboard().text()
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, TypeError):
        return None
    if not isinstance(data, dict) or data.get("knotwork_fragment") != FRAGMENT_FORMAT:
        return None
    return data


def instantiate(
    data: dict[str, Any], wf: Workflow, offset: tuple[float, float] = (40.0, 40.0)
) -> tuple[list[PlacedNode], list[Link], list[Annotation]]:
    """Records with fresh ids and free labels, shifted positions, the wires between them and
    the annotations of a fragment; unknown node types are skipped."""
    ids: dict[str, str] = {}
    nodes: list[PlacedNode] = []
    taken = {n.label for n in wf.nodes}
    layout = data.get("layout", {}).get("nodes", {})
    for rec in data.get("nodes", []):
        if rec.get("type_id") not in wf.catalog:
            continue
        node_type = wf.catalog.get(rec["type_id"])
        ids[rec["id"]] = new_id()
        # "Filter (2)" pastes as the next free "Filter (n)", not "Filter (2) (2)".
        label = _free_label(_COPY_SUFFIX.sub("", rec.get("label") or "") or node_type.name, taken)
        taken.add(label)
        record = NodeRecord(
            id=ids[rec["id"]],
            type_id=node_type.type_id,
            version=node_type.version,
            label=label,
            settings=dict(rec.get("settings", {})),
        )
        x, y = layout.get(rec["id"], (0.0, 0.0))
        nodes.append((record, (float(x) + offset[0], float(y) + offset[1])))
    links = [
        Link(ids[c["source"]], c["source_port"], ids[c["target"]], c["target_port"])
        for c in data.get("connections", [])
        if c.get("source") in ids and c.get("target") in ids
    ]
    anns = [
        Annotation(
            new_id(),
            a["text"],
            a["x"] + offset[0],
            a["y"] + offset[1],
            a.get("width", 200),
            a.get("height", 80),
        )
        for a in data.get("annotations", [])
    ]
    return nodes, links, anns


def _free_label(base: str, taken: set[str]) -> str:
    label, n = base, 2
    while label in taken:
        label, n = f"{base} ({n})", n + 1
    return label
