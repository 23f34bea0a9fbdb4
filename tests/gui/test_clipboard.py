"""A pasted fragment gets fresh ids and free labels; its records restore exactly."""

from __future__ import annotations

from studio.core import Workflow
from studio.gui.clipboard import fragment, instantiate


def test_pasting_copies_gives_each_the_next_free_label_and_a_fresh_id():
    wf = Workflow.new()
    a = wf.add_node("manipulation.column_filter", "Filter", {"pattern": "^bill"}, position=(0, 0))
    b = wf.add_node("manipulation.column_filter", "Filter (2)", position=(100, 0))
    wf.connect(a.id, 0, b.id, 0)
    nodes, links, _ = instantiate(fragment(wf, [a.id, b.id]), wf)
    labels = [record.label for record, _ in nodes]
    assert labels == ["Filter (3)", "Filter (4)"]
    assert not {record.id for record, _ in nodes} & {a.id, b.id}
    assert [pos for _, pos in nodes] == [(40.0, 40.0), (140.0, 40.0)]
    for record, pos in nodes:
        wf.restore_node(record, pos)
    for lk in links:
        wf.connect(lk.source, lk.source_port, lk.target, lk.target_port)
    assert sorted(n.label for n in wf.nodes) == ["Filter", "Filter (2)", "Filter (3)", "Filter (4)"]
    assert wf.node(nodes[0][0].id).settings["pattern"] == "^bill" and len(wf.links) == 2
