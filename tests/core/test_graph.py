from __future__ import annotations

import pytest

from studio.core import (
    ConfigureError,
    CycleError,
    GraphError,
    PortTypeError,
    UnknownNodeTypeError,
    Workflow,
)

from .builders import starter


def test_connecting_a_model_port_to_a_table_port_is_refused_naming_both_ports():
    wf = starter()
    with pytest.raises(
        PortTypeError, match=r'"Learner"\.model \(model\) to "Score"\.predictions \(table\)'
    ):
        wf.connect("Learner", "model", "Score", "predictions")


def test_a_connection_that_closes_a_cycle_is_refused():
    wf = Workflow.new()
    a = wf.add_node("manipulation.column_filter", "A")
    b = wf.add_node("manipulation.column_filter", "B")
    wf.connect(a.id, 0, b.id, 0)
    with pytest.raises(CycleError, match='"B" to "A" would create a cycle'):
        wf.connect(b.id, 0, a.id, 0)
    with pytest.raises(CycleError):
        wf.connect(a.id, 0, a.id, 0)


def test_removing_a_node_removes_its_connections():
    wf = starter()
    wf.remove_node("Split")
    assert all(
        "Split" not in (wf.node(link.source).label, wf.node(link.target).label) for link in wf.links
    )
    assert len(wf.links) == 3


def test_connecting_an_input_again_replaces_the_old_wire():
    wf = starter()
    wf.connect("Split", "validation", "Predict", "table")
    assert wf.inputs_of("Predict")["table"].source_port == "validation"
    assert len(wf.links) == 6


def test_unknown_type_and_unknown_port_give_clear_errors():
    wf = Workflow.new()
    with pytest.raises(UnknownNodeTypeError, match="'no.such'"):
        wf.add_node("no.such")
    wf.add_node("manipulation.column_filter", "A")
    wf.add_node("manipulation.column_filter", "B")
    with pytest.raises(GraphError, match="no output port 'nope'.*its output ports: table"):
        wf.connect("A", "nope", "B", 0)


def test_duplicate_labels_are_made_unique_so_nodes_can_be_named_by_label():
    wf = Workflow.new()
    a = wf.add_node("manipulation.column_filter", "Filter")
    b = wf.add_node("manipulation.column_filter", "Filter")
    assert (a.label, b.label) == ("Filter", "Filter (2)")
    assert wf.node("Filter (2)") is b and wf.node(b.id) is b


def test_configure_reports_a_missing_column_naming_node_and_setting():
    wf = starter()
    wf.set_setting("Learner", "target", "nonexistent")
    report = wf.configure()
    assert not report.ok
    assert any(
        line.startswith("Learner: target: column(s) 'nonexistent' not in the input table")
        for line in report.problems()
    )


def test_configure_reports_non_numeric_features_and_names_the_node_to_add():
    wf = starter()
    wf.set_setting("Numeric", "columns", ["year"])
    problems = wf.configure().problems()
    assert any(
        "Learner: features: non-numeric feature column(s) 'island', 'sex'" in p
        and "Category Encoder" in p
        for p in problems
    )


def test_configure_reports_an_unconnected_input_and_an_invalid_setting_value():
    wf = starter()
    wf.disconnect("Predict", "model")
    wf.node("Split").settings["train_fraction"] = 1.5  # as a hand-edited file has it
    problems = wf.configure().problems()
    assert "Predict: input port 'model': not connected" in problems
    assert "Split: train_fraction: Train Fraction must be less than 1, not 1.5" in problems


def test_specs_propagate_before_running_and_sharpen_once_nodes_have_run(tmp_path):
    from .builders import clean_penguins

    wf = starter(csv=clean_penguins(tmp_path))
    report = wf.configure()
    assert report.ok, report.problems()
    # The classes (and so the probability columns) are unknown until the learner has seen
    # data: the spec leaves them open and names the rest.
    before = report.output_specs("Predict")[0]
    assert before.open == ("probability_",) and "probability_Adelie" not in before.names
    assert "prediction" in before.names
    assert report.output_specs("Learner")[0].features == (
        "bill_length_mm",
        "bill_depth_mm",
        "flipper_length_mm",
        "body_mass_g",
    )
    wf.run()
    spec = wf.configure().output_specs("Predict")[0]
    assert {
        "prediction",
        "probability_Adelie",
        "probability_Chinstrap",
        "probability_Gentoo",
    } <= set(spec.names)


def test_unknown_setting_name_is_refused_with_the_valid_names():
    wf = starter()
    with pytest.raises(
        GraphError, match="no setting 'colums'.*its settings: mode, columns, pattern"
    ):
        wf.set_setting("Numeric", "colums", [])


def test_a_bad_setting_raises_configure_error_with_where():
    from nodes.validation.partitioning import Partitioning

    with pytest.raises(ConfigureError) as info:
        Partitioning.validate_settings({"seed": -1})
    assert info.value.where == "seed"


def test_a_reference_to_an_unknown_parameter_names_the_setting():
    wf = starter()
    wf.set_setting("Learner", "C", "$nope")
    assert any(
        p.startswith("Learner: C: setting refers to $nope") for p in wf.configure().problems()
    )
