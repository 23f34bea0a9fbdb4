"""IO and manipulation nodes wired together in a real workflow: specs flow before data,
the file round-trips, and a secret reference survives save/load as a reference."""

from __future__ import annotations

import json

from studio.core import Workflow, default_catalog


def _build(tmp_path, penguins_df) -> tuple[Workflow, dict]:
    penguins_df.to_csv(tmp_path / "penguins.csv", index=False)
    wf = Workflow(default_catalog())
    n = {
        "read": wf.add_node("io.csv_reader", "Penguins", {"path": "penguins.csv"}),
        "clean": wf.add_node(
            "manipulation.row_filter",
            "Complete rows",
            {"conditions": [{"column": "sex", "operator": "is not missing"}]},
        ),
        "roles": wf.add_node(
            "manipulation.column_roles", "Roles", {"target": "sex", "ids": ["year"]}
        ),
        "ratio": wf.add_node(
            "manipulation.expression",
            "Bill ratio",
            {"column": "bill_ratio", "expression": "bill_length_mm / bill_depth_mm"},
        ),
        "keep": wf.add_node(
            "manipulation.column_filter",
            "Numbers",
            {"mode": "exclude", "columns": ["species", "island"]},
        ),
        "learn": wf.add_node("learners.logistic_regression", "Learner", {}),
        "save": wf.add_node(
            "io.sql_writer",
            "Store",
            {"url": "sqlite:///out.sqlite", "table": "clean", "if_exists": "replace"},
        ),
    }
    chain = ["read", "clean", "roles", "ratio", "keep", "learn"]
    for a, b in zip(chain, chain[1:], strict=False):
        wf.connect(n[a].id, 0, n[b].id, 0)
    wf.connect(n["ratio"].id, 0, n["save"].id, 0)
    return wf, n


def test_specs_flow_through_manipulation_nodes_into_a_learner(tmp_path, penguins_df):
    wf, n = _build(tmp_path, penguins_df)
    wf.save(tmp_path / "flow.knotwork.json")
    wf = Workflow.load(tmp_path / "flow.knotwork.json")
    report = wf.configure()
    assert report.ok, report.problems()
    result = wf.run()
    assert result.ok, result.errors
    model = wf.output(n["learn"].id)
    assert model.target == "sex"
    assert model.features == [
        "bill_length_mm",
        "bill_depth_mm",
        "flipper_length_mm",
        "body_mass_g",
        "bill_ratio",
    ]
    assert (tmp_path / "out.sqlite").is_file()


def test_a_password_reference_is_saved_as_a_reference(tmp_path):
    wf = Workflow(default_catalog())
    wf.add_node(
        "io.sql_reader",
        "Orders",
        {
            "url": "postgresql+psycopg://ana@db.example/shop",
            "password": "env:SHOP_DB_PASSWORD",
            "query": "SELECT 1",
        },
    )
    path = wf.save(tmp_path / "db.knotwork.json")
    text = path.read_text()
    (node,) = json.loads(text)["nodes"]
    assert node["settings"]["password"] == "env:SHOP_DB_PASSWORD"
