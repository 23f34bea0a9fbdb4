from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studio.core import GraphError, Workflow, WorkflowFileError
from studio.core.fileformat import FORMAT_VERSION

from .builders import starter


def test_save_load_save_is_byte_identical(tmp_path):
    wf = starter()
    wf.add_parameter("threshold", "number", 0.5, "decision threshold")
    wf.add_annotation("Train on 70%", 10, 20)
    wf.move_node("Split", 120, 40)
    first = wf.save(tmp_path / "a.knotwork.json").read_bytes()
    again = (
        Workflow.load(tmp_path / "a.knotwork.json").save(tmp_path / "b.knotwork.json").read_bytes()
    )
    assert first == again


def test_the_file_has_sorted_keys_two_space_indent_and_layout_apart_from_logic(tmp_path):
    wf = starter()
    wf.move_node("Split", 1, 2)
    text = wf.save(tmp_path / "w.knotwork.json").read_text()
    data = json.loads(text)
    assert text == json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    assert data["format_version"] == FORMAT_VERSION == 2
    assert "x" not in json.dumps(data["nodes"][0]) or "layout" in data
    split = wf.node("Split").id
    assert data["layout"]["nodes"][split] == [1.0, 2.0]


def test_a_secret_value_is_never_written_to_a_workflow_file(tmp_path):
    from pydantic import Field

    from studio.core import Catalog, NodeSettings, NodeType, default_catalog
    from studio.core.node import SecretField

    class S(NodeSettings):
        password: str | None = SecretField(None)
        user: str = Field("u")

    class Db(NodeType):
        type_id = "test.db"
        name = "Db"
        Settings = S

    wf = Workflow.new(catalog=Catalog([*default_catalog().all(), Db]))
    wf.add_node("test.db", "Db", {"password": "hunter2"})
    with pytest.raises(GraphError, match="holds a secret value; store a reference"):
        wf.save(tmp_path / "w.knotwork.json")
    assert not (tmp_path / "w.knotwork.json").exists()
    wf.set_setting("Db", "password", "env:DB_PASSWORD")
    wf.save(tmp_path / "w.knotwork.json")


def test_a_failed_save_leaves_the_previous_file_intact(tmp_path):
    wf = starter()
    path = wf.save(tmp_path / "w.knotwork.json")
    before = path.read_bytes()
    wf.node("Split").settings["seed"] = object()  # not JSON-serialisable (set_setting refuses it)
    with pytest.raises(TypeError):
        wf.save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["w.knotwork.json"]


@pytest.mark.parametrize(
    ("mutate", "json_path", "reason"),
    [
        (lambda d: d["nodes"][0].pop("type_id"), "$.nodes[0].type_id", "Field required"),
        (
            lambda d: d["nodes"][1].update(type_id="acme.magic"),
            "$.nodes[1].type_id",
            "'acme.magic', which no installed package provides",
        ),
        (
            lambda d: d["connections"][0].update(source_port="nope"),
            "$.connections[",
            "no output port 'nope'",
        ),
        (lambda d: d.update(format_version="one"), "$.format_version", "valid integer"),
        (lambda d: d["nodes"][0].update(version=99), "$.nodes[0].version", "saved by version 99"),
        (lambda d: d.update(extra=1), "$.extra", "unknown field"),
    ],
)
def test_malformed_files_name_the_file_json_path_and_reason(tmp_path, mutate, json_path, reason):
    path = starter().save(tmp_path / "w.knotwork.json")
    data = json.loads(path.read_text())
    mutate(data)
    path.write_text(json.dumps(data))
    with pytest.raises(WorkflowFileError) as info:
        Workflow.load(path)
    text = str(info.value)
    assert str(path) in text and json_path in text and reason in text


def test_invalid_json_names_line_and_column(tmp_path):
    path = tmp_path / "w.knotwork.json"
    path.write_text('{\n  "format_version": 1,\n  oops\n}')
    with pytest.raises(WorkflowFileError, match="line 3, column 3"):
        Workflow.load(path)


def test_a_file_from_a_newer_knotwork_loads_with_a_warning(tmp_path):
    path = starter().save(tmp_path / "w.knotwork.json")
    data = json.loads(path.read_text())
    data["format_version"] = 7
    path.write_text(json.dumps(data))
    with pytest.warns(UserWarning, match="written by a newer Knotwork"):
        wf = Workflow.load(path)
    assert wf.load_warnings and len(wf.nodes) == 6


def test_old_node_versions_are_migrated_on_load(tmp_path):
    from studio.core import Catalog, default_catalog
    from studio.core.node import NodeSettings, NodeType

    class S(NodeSettings):
        fraction: float = 0.5

    class V2(NodeType):
        type_id = "test.versioned"
        version = 2
        name = "Versioned"
        Settings = S

        @classmethod
        def migrate(cls, settings, from_version):
            return {"fraction": settings.pop("percent") / 100} if from_version == 1 else settings

    text = json.dumps(
        {
            "format_version": 1,
            "nodes": [
                {
                    "id": "n1",
                    "type_id": "test.versioned",
                    "version": 1,
                    "label": "V",
                    "settings": {"percent": 30},
                }
            ],
        }
    )
    wf = Workflow.loads(text, catalog=Catalog([*default_catalog().all(), V2]))
    assert wf.node("V").settings == {"fraction": 0.3} and wf.node("V").version == 2


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300))
def test_any_bytes_give_a_clear_error_never_a_traceback(data):
    try:
        Workflow.loads(data, "fuzz.knotwork.json")
    except WorkflowFileError as exc:
        assert str(exc).startswith("fuzz.knotwork.json: $")


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(
    st.fixed_dictionaries(
        {"format_version": st.integers(0, 3)},
        optional={
            "nodes": _json,
            "connections": _json,
            "parameters": _json,
            "layout": _json,
            "annotations": _json,
            "name": _json,
        },
    )
)
def test_structurally_wrong_workflows_give_a_clear_error(doc):
    try:
        Workflow.loads(json.dumps(doc), "fuzz.knotwork.json")
    except WorkflowFileError as exc:
        assert str(exc).startswith("fuzz.knotwork.json: $")
