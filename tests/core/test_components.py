"""Components in the engine: collapse, run through the executor, expand, file format."""

from __future__ import annotations

import json

import pytest

from studio.core import GraphError, Workflow, WorkflowFileError
from studio.core.component_edit import collapse, expand, flatten
from studio.core.fileformat import FORMAT_VERSION

from .builders import PENGUINS, make_catalog
from .components_builders import PREPROCESSING, scoring_workflow


def _ids(wf: Workflow, labels: list[str]) -> list[str]:
    return [wf.node(label).id for label in labels]


def _accuracy(wf: Workflow) -> float:
    return wf.output("Score", "metrics").values["accuracy"]


def test_a_component_gives_exactly_the_results_of_the_nodes_it_replaced(tmp_path):
    plain = scoring_workflow(tmp_path)
    assert plain.run().ok
    wf = scoring_workflow(tmp_path)
    node = collapse(wf, _ids(wf, PREPROCESSING), "Preprocessing")
    result = wf.run()
    assert result.ok, result.errors
    assert node.id in result.executed
    assert _accuracy(wf) == _accuracy(plain)
    assert wf.output("Predict", "predictions").df.equals(plain.output("Predict", "predictions").df)


def test_every_wire_crossing_the_selection_becomes_one_port(tmp_path):
    wf = scoring_workflow(tmp_path)
    node = collapse(wf, _ids(wf, PREPROCESSING), "Preprocessing")
    node_type = wf.node_type(node.id)
    assert [p.name for p in node_type.inputs] == ["train", "table"]
    assert [p.name for p in node_type.outputs] == ["Scale: table", "Scale test: table"]
    assert {(lk.source, lk.target_port) for lk in wf.links if lk.target == node.id} == {
        (wf.node("Split").id, "train"),
        (wf.node("Deployment Input").id, "table"),
    }
    assert {lk.target for lk in wf.links if lk.source == node.id} == set(
        _ids(wf, ["Learner", "Predict"])
    )


def test_expand_puts_back_the_same_nodes_wires_and_settings(tmp_path):
    wf = scoring_workflow(tmp_path)
    before = {n.id: (n.type_id, n.label, n.settings) for n in wf.nodes}
    links = set(wf.links)
    node = collapse(wf, _ids(wf, PREPROCESSING), "Preprocessing")
    expand(wf, node.id)
    assert {n.id: (n.type_id, n.label, n.settings) for n in wf.nodes} == before
    assert set(wf.links) == links


def test_the_parameters_the_selection_uses_become_the_components_settings(tmp_path):
    wf = scoring_workflow(tmp_path)
    node = collapse(wf, _ids(wf, ["Roles", "Split"]), "Roles and split")
    assert list(wf.node_type(node.id).Settings.model_fields) == ["seed"]
    assert node.settings == {"seed": "$seed"}  # still the workflow's parameter
    assert wf.run(parameters={"seed": 11}).ok
    eleven = _accuracy(wf)
    wf.set_setting(node.id, "seed", 11)  # a literal value reaches the inner Split
    wf.add_parameter("seed", "integer", 3)
    assert wf.run().ok
    assert _accuracy(wf) == eleven
    expand(wf, node.id)
    assert wf.node("Split").settings["seed"] == 11


def test_a_selection_with_an_outside_node_between_its_parts_is_refused(tmp_path):
    wf = scoring_workflow(tmp_path)
    with pytest.raises(GraphError, match='"Impute" lies between them'):
        collapse(
            wf, _ids(wf, ["Split", "Deployment Input", "Impute test", "Encode test"]), "Broken"
        )
    assert len(wf.graph) == 14 and not wf.components  # nothing changed


def test_a_failing_inner_node_fails_the_component_naming_the_inner_node():
    wf = Workflow.new("failing", make_catalog())
    wf.add_node("io.csv_reader", "Penguins", {"path": str(PENGUINS)})
    wf.add_node("test.fail", "Breaks")
    wf.connect("Penguins", 0, "Breaks", 0)
    node = collapse(wf, _ids(wf, ["Breaks"]), "Fragile")
    result = wf.run()
    assert result.error(node.id) == (
        'inside the component, node "Breaks" failed: this node always fails'
    )
    assert wf.state("Penguins") == "executed"


def test_an_inner_setting_problem_is_reported_when_configuring(tmp_path):
    wf = scoring_workflow(tmp_path)
    wf.set_setting("Roles", "target", "no_such_column")
    node = collapse(wf, _ids(wf, ["Roles"]), "Roles")
    report = wf.configure()
    assert list(report.errors) == [node.id]
    assert report.problems()[0].startswith("Roles: inside the component: Roles: target: ")
    assert "no_such_column" in report.problems()[0]


def test_components_survive_a_save_and_load_round_trip(tmp_path):
    wf = scoring_workflow(tmp_path)
    collapse(wf, _ids(wf, PREPROCESSING), "Preprocessing")
    path = wf.save(tmp_path / "with-component.knotwork.json")
    data = json.loads(path.read_text())
    assert data["format_version"] == FORMAT_VERSION == 2
    assert list(data["components"]) == ["preprocessing"]
    again = Workflow.load(path)
    assert again.to_dict() == wf.to_dict()
    plain = scoring_workflow(tmp_path)
    assert again.run().ok and plain.run().ok
    assert _accuracy(again) == _accuracy(plain)


def test_a_format_1_file_is_migrated_and_saved_as_the_current_format(tmp_path):
    wf = scoring_workflow(tmp_path)
    old = wf.to_dict()
    old["format_version"] = 1
    del old["components"]
    path = tmp_path / "old.knotwork.json"
    path.write_text(json.dumps(old))
    loaded = Workflow.load(path)
    assert loaded.run().ok
    saved = json.loads(loaded.save().read_text())
    assert saved["format_version"] == 2 and saved["components"] == {}


def test_a_node_of_an_undefined_component_is_refused_naming_it(tmp_path):
    wf = scoring_workflow(tmp_path)
    collapse(wf, _ids(wf, PREPROCESSING), "Preprocessing")
    data = wf.to_dict()
    data["components"] = {}
    with pytest.raises(WorkflowFileError, match="component 'preprocessing', which the file's"):
        Workflow.loads(json.dumps(data))


def test_a_broken_inner_workflow_is_located_by_its_json_path(tmp_path):
    wf = scoring_workflow(tmp_path)
    collapse(wf, _ids(wf, PREPROCESSING), "Preprocessing")
    data = wf.to_dict()
    data["components"]["preprocessing"]["workflow"]["nodes"][0]["type_id"] = "no.such"
    with pytest.raises(WorkflowFileError) as err:
        Workflow.loads(json.dumps(data))
    assert err.value.json_path.startswith("$.components.preprocessing.workflow.nodes[")


def test_flatten_expands_nested_components_and_reuses_outer_results(tmp_path):
    wf = scoring_workflow(tmp_path)
    inner = collapse(wf, _ids(wf, ["Impute", "Encode"]), "Impute and encode")
    outer = collapse(wf, [inner.id, *_ids(wf, ["Scale", *PREPROCESSING[3:]])], "Preprocessing")
    assert wf.run().ok
    flat, origin = flatten(wf)
    assert not [n for n in flat.nodes if n.type_id.startswith("component.")]
    assert origin[flat.node("Impute").id] == outer.id
    result = flat.run()
    assert result.ok
    assert flat.node("Split").id not in result.executed  # reused from the run of `wf`
    assert flat.output("Score", "metrics").values == wf.output("Score", "metrics").values


def test_a_secret_value_inside_a_component_is_never_written(tmp_path):
    wf = scoring_workflow(tmp_path)
    wf.add_node("io.sql_reader", "Warehouse", {"password": "env:DB_PASSWORD"})
    node = collapse(wf, _ids(wf, ["Warehouse"]), "Warehouse")
    inner = wf.components[node.type_id.removeprefix("component.")].workflow["nodes"][0]
    inner["settings"]["password"] = "hunter2"  # pragma: allowlist secret
    with pytest.raises(GraphError, match="node \"Warehouse\": setting 'password' holds a secret"):
        wf.to_dict()
