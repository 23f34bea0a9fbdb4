"""What changed between two versions: settings in the captured graph, the input/output
schema, metrics (with deltas), and the bits of lineage a reviewer asks about first."""

from __future__ import annotations

from typing import Any

from .metrics import flatten, manifest_metrics, validation_report
from .results import (
    Change,
    ColumnChange,
    GraphDiff,
    MetricDelta,
    NodeRef,
    RequirementChange,
    SchemaDiff,
    SettingChange,
    VersionDetail,
    VersionDiff,
)


def _workflow(graph: dict[str, Any] | None) -> dict[str, Any]:
    """A bundle's graph.json nests the captured nodes under "workflow" (next to "deployment")."""
    graph = graph or {}
    inner = graph.get("workflow")
    return inner if isinstance(inner, dict) else graph


def _nodes(graph: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    return {str(n.get("id")): n for n in _workflow(graph).get("nodes", []) if isinstance(n, dict)}


def _links(graph: dict[str, Any] | None) -> set[tuple[str, str, str, str]]:
    return {
        (
            str(c.get("source")),
            str(c.get("source_port")),
            str(c.get("target")),
            str(c.get("target_port")),
        )
        for c in _workflow(graph).get("connections", [])
        if isinstance(c, dict)
    }


def _models(graph: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    """The frozen models' learner settings, by the node that fitted them: a learner outside
    the scope reaches the bundle as a static input, one inside as fitted state."""
    dep = graph.get("deployment") if isinstance(graph.get("deployment"), dict) else {}
    labels = {nid: n.get("label") or nid for nid, n in _nodes(graph).items()}
    out: dict[str, tuple[str, dict[str, Any]]] = {}
    for static in dep.get("static_inputs") or []:
        value, source = static.get("value") or {}, static.get("source") or {}
        if isinstance(value, dict) and value.get("kind") == "model":
            nid = str(source.get("node"))
            out[nid] = (source.get("label") or nid, value.get("settings") or {})
    for nid, value in (dep.get("fitted") or {}).items():
        if isinstance(value, dict) and value.get("kind") == "model" and str(nid) not in out:
            out[str(nid)] = (labels.get(str(nid), str(nid)), value.get("settings") or {})
    return out


def _model_setting_changes(a: dict[str, Any], b: dict[str, Any]) -> list[SettingChange]:
    """Learner settings (C, max_iter, learning_rate, ...) that differ between the models."""
    # Matched by label (unique in a workflow), so two builds of one workflow compare even
    # when their node ids differ.
    ma = {label: (nid, st) for nid, (label, st) in _models(a).items()}
    mb = {label: (nid, st) for nid, (label, st) in _models(b).items()}
    changed = []
    for label in sorted(set(ma) & set(mb)):
        (_, sx), (nid, sy) = ma[label], mb[label]
        for key in sorted(set(sx) | set(sy)):
            if sx.get(key) != sy.get(key):
                changed.append(
                    SettingChange(
                        node=nid, label=label, setting=key, before=sx.get(key), after=sy.get(key)
                    )
                )
    return changed


def graph_diff(a: dict[str, Any] | None, b: dict[str, Any] | None) -> GraphDiff:
    if a is None or b is None:
        return GraphDiff(available=False, note="graph.json missing from one of the stored bundles")
    na, nb = _nodes(a), _nodes(b)
    changed = []
    for nid in sorted(set(na) & set(nb)):
        x, y = na[nid], nb[nid]
        label = y.get("label") or x.get("label") or nid
        if x.get("type_id") != y.get("type_id") or x.get("version") != y.get("version"):
            changed.append(
                SettingChange(
                    node=nid,
                    label=label,
                    setting="(node type)",
                    before=f"{x.get('type_id')} v{x.get('version')}",
                    after=f"{y.get('type_id')} v{y.get('version')}",
                )
            )
        sx, sy = x.get("settings") or {}, y.get("settings") or {}
        for key in sorted(set(sx) | set(sy)):
            if sx.get(key) != sy.get(key):
                changed.append(
                    SettingChange(
                        node=nid, label=label, setting=key, before=sx.get(key), after=sy.get(key)
                    )
                )
    changed += _model_setting_changes(a, b)
    la, lb = _links(a), _links(b)

    def refs(nodes: dict[str, dict[str, Any]], ids: set[str]) -> list[NodeRef]:
        return [
            NodeRef(node=n, label=nodes[n].get("label"), type_id=nodes[n].get("type_id"))
            for n in sorted(ids)
        ]

    return GraphDiff(
        available=True,
        added_nodes=refs(nb, set(nb) - set(na)),
        removed_nodes=refs(na, set(na) - set(nb)),
        changed_settings=changed,
        added_connections=[list(c) for c in sorted(lb - la)],
        removed_connections=[list(c) for c in sorted(la - lb)],
    )


def _columns(schema: Any) -> dict[str, Any] | None:
    """A schema as {column: type description}; accepts TableSpec JSON, JSON Schema or a plain map."""
    if not isinstance(schema, dict):
        return None
    if isinstance(schema.get("columns"), list):
        return {
            str(c.get("name")): {k: v for k, v in c.items() if k != "name"}
            for c in schema["columns"]
            if isinstance(c, dict)
        }
    if isinstance(schema.get("properties"), dict):
        return dict(schema["properties"])
    return dict(schema)


def schema_diff(a: Any, b: Any) -> SchemaDiff:
    ca, cb = _columns(a), _columns(b)
    if ca is None or cb is None:
        whole = [ColumnChange(column="(whole schema)", before=a, after=b)]
        return SchemaDiff(added=[], removed=[], changed=[] if a == b else whole)
    return SchemaDiff(
        added=sorted(set(cb) - set(ca)),
        removed=sorted(set(ca) - set(cb)),
        changed=[
            ColumnChange(column=c, before=ca[c], after=cb[c])
            for c in sorted(set(ca) & set(cb))
            if ca[c] != cb[c]
        ],
    )


def metric_deltas(a: dict[str, Any], b: dict[str, Any]) -> list[MetricDelta]:
    fa, fb = flatten(a), flatten(b)
    out = []
    for key in sorted(set(fa) | set(fb)):
        x, y = fa.get(key), fb.get(key)
        delta = (y - x) if x is not None and y is not None else None
        out.append(MetricDelta(metric=key, a=x, b=y, delta=delta))
    return out


def diff_versions(
    a: VersionDetail, b: VersionDetail, graph_a: dict | None, graph_b: dict | None
) -> VersionDiff:
    """What changed from version `a` to version `b` (each with its manifest)."""
    ma, mb = a.manifest or {}, b.manifest or {}
    la, lb = a.lineage.model_dump(), b.lineage.model_dump()
    return VersionDiff(
        model=a.model,
        model_b=b.model,
        a=a.version,
        b=b.version,
        same_content=a.sha256 == b.sha256,
        graph=graph_diff(graph_a, graph_b),
        input_schema=schema_diff(ma.get("input_schema"), mb.get("input_schema")),
        output_schema=schema_diff(ma.get("output_schema"), mb.get("output_schema")),
        metrics=metric_deltas(manifest_metrics(ma), manifest_metrics(mb)),
        validation_status=Change(
            a=(validation_report(ma) or {}).get("status"),
            b=(validation_report(mb) or {}).get("status"),
        ),
        lineage={key: Change(a=la[key], b=lb[key]) for key in la if la[key] != lb[key]},
        requirements=_requirements_diff(ma.get("requirements"), mb.get("requirements")),
    )


def _requirements_diff(a: Any, b: Any) -> list[RequirementChange]:
    def as_map(r: Any) -> dict[str, str]:
        if isinstance(r, dict):
            return {str(k): str(v) for k, v in r.items()}
        if isinstance(r, list):
            return {str(x).split("==")[0]: str(x).partition("==")[2] for x in r}
        return {}

    ra, rb = as_map(a), as_map(b)
    return [
        RequirementChange(package=p, a=ra.get(p), b=rb.get(p))
        for p in sorted(set(ra) | set(rb))
        if ra.get(p) != rb.get(p)
    ]


def diff_text(d: VersionDiff) -> str:
    """The diff as a reviewer reads it: one change per line."""
    lines = [
        (
            f"{d.model}: {d.a} → {d.b}"
            if d.model_b == d.model
            else f"{d.model}:{d.a} → {d.model_b}:{d.b}"
        )
        + ("  (identical content)" if d.same_content else "")
    ]
    g = d.graph
    if not g.available:
        lines.append(f"  graph: {g.note}")
    else:
        lines += [f"  + node {n.label} ({n.type_id})" for n in g.added_nodes or []]
        lines += [f"  - node {n.label} ({n.type_id})" for n in g.removed_nodes or []]
        lines += [
            f"  ~ {c.label}.{c.setting}: {c.before!r} → {c.after!r}"
            for c in g.changed_settings or []
        ]
        lines += [f"  + wire {c[0]}.{c[1]} → {c[2]}.{c[3]}" for c in g.added_connections or []]
        lines += [f"  - wire {c[0]}.{c[1]} → {c[2]}.{c[3]}" for c in g.removed_connections or []]
    for side, s in (("input_schema", d.input_schema), ("output_schema", d.output_schema)):
        lines += [f"  + {side} column {c}" for c in s.added]
        lines += [f"  - {side} column {c}" for c in s.removed]
        lines += [f"  ~ {side} column {c.column}: {c.before} → {c.after}" for c in s.changed]
    for m in d.metrics:
        if m.delta is None:
            lines.append(f"  metric {m.metric}: {m.a} → {m.b}")
        elif m.delta != 0:
            lines.append(f"  metric {m.metric}: {m.a:.4g} → {m.b:.4g} ({m.delta:+.4g})")
    for key, change in d.lineage.items():
        if key != "data_fingerprints":
            lines.append(f"  {key}: {change.a} → {change.b}")
    if "data_fingerprints" in d.lineage:
        lines.append("  training data changed (data fingerprints differ)")
    lines += [f"  requirement {r.package}: {r.a or '-'} → {r.b or '-'}" for r in d.requirements]
    return "\n".join(lines)
