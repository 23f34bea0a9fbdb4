"""One node record for the file, the clipboard, undo and bundles; `restore_node` puts a
node back exactly as recorded."""

from __future__ import annotations

import json

import pytest

from studio.core import GraphError, Workflow
from studio.core.fileformat import workflow_to_dict
from studio.core.records import NodeRecord


def test_restoring_a_record_keeps_its_id_label_settings_and_position_exactly():
    wf = Workflow.new()
    first = wf.add_node("manipulation.column_filter", "Filter", {"pattern": "^bill"})
    record = NodeRecord.of(first).model_copy(update={"id": "copy1", "settings": {"pattern": "x"}})
    restored = wf.restore_node(record, (10, 20))
    # Exactly as recorded: a duplicate label stays, no setting defaults are merged in.
    assert (restored.id, restored.label, restored.settings) == ("copy1", "Filter", {"pattern": "x"})
    assert wf.layout["copy1"] == (10.0, 20.0)
    record.settings["pattern"] = "changed later"
    assert wf.node("copy1").settings == {"pattern": "x"}  # the workflow holds its own copy


def test_a_record_of_another_node_version_is_refused_until_migrated():
    wf = Workflow.new()
    node = wf.add_node("manipulation.column_filter")
    stale = NodeRecord.of(node).model_copy(update={"id": "old", "version": node.version + 1})
    with pytest.raises(GraphError, match="migrate its settings first"):
        wf.restore_node(stale)
    assert "old" not in wf.graph


def test_the_file_writes_and_reads_nodes_as_records():
    wf = Workflow.new("records")
    node = wf.add_node("manipulation.column_filter", "Keep bills", {"pattern": "^bill"})
    saved = workflow_to_dict(wf)
    assert saved["nodes"] == [NodeRecord.of(node).to_json()]
    again = Workflow.loads(json.dumps(saved))
    assert NodeRecord.of(again.node(node.id)) == NodeRecord.of(node)
