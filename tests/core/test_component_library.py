"""Component libraries: shipped components, linked copies, newer versions, publishing."""

from __future__ import annotations

import json

from studio.cli.main import main
from studio.core import Workflow
from studio.core.component_library import (
    insert,
    library_folders,
    load_library,
    outdated,
    publish,
    shipped_folder,
    update,
)

from .components_builders import scoring_workflow

PREP = "standard-preprocessing"


def _library(folder) -> dict:
    found, problems = load_library([folder])
    assert problems == []
    return found


def _team_library(tmp_path, version: int = 1):
    """A team's library folder holding the shipped preprocessing at `version`."""
    folder = tmp_path / "team-components"
    folder.mkdir(exist_ok=True)
    data = json.loads((shipped_folder() / f"{PREP}.knotwork-component.json").read_text())
    data["version"] = version
    if version > 1:  # the new version also fills missing numbers with the mean by default
        data["workflow"]["parameters"]["numbers"]["value"] = "mean"
    (folder / f"{PREP}.knotwork-component.json").write_text(json.dumps(data))
    return folder


def _with_preprocessing(tmp_path, comp) -> tuple[Workflow, str]:
    """The scoring workflow with its six preprocessing nodes replaced by the component."""
    wf = scoring_workflow(tmp_path)
    for label in ["Impute", "Encode", "Scale", "Impute test", "Encode test", "Scale test"]:
        wf.remove_node(label)
    node = insert(wf, comp, (400, 50))
    wf.connect("Split", "train", node.id, "train")
    wf.connect("Deployment Input", "table", node.id, "test")
    wf.connect(node.id, "prepared train", "Learner", "training data")
    wf.connect(node.id, "prepared test", "Predict", "table")
    return wf, node.id


def test_knotwork_ships_the_two_library_components(tmp_path):
    found = _library(shipped_folder())
    assert {c.definition.name for c in found.values()} == {
        "Repeated stratified cross-validation with report",
        "Standard tabular preprocessing (impute, encode, scale, fitted on train only)",
    }
    assert shipped_folder() in library_folders(workspace=tmp_path)
    assert tmp_path / "components" in library_folders(workspace=tmp_path)


def test_the_shipped_preprocessing_gives_the_results_of_the_nodes_it_stands_for(tmp_path):
    plain = scoring_workflow(tmp_path)
    wf, _ = _with_preprocessing(tmp_path, _library(shipped_folder())[PREP])
    assert plain.run().ok and wf.run().ok
    assert wf.output("Score", "metrics").values == plain.output("Score", "metrics").values


def test_the_shipped_cross_validation_scores_repeats_times_folds(tmp_path):
    wf = scoring_workflow(tmp_path)
    cv = insert(wf, _library(shipped_folder())["repeated-stratified-cv"])
    assert cv.settings == {"folds": 5, "repeats": 3, "seed": 42}
    wf.set_setting(cv.id, "repeats", 2)
    wf.connect("Learner", "model", cv.id, "model")
    wf.connect("Scale", "table", cv.id, "table")
    result = wf.run(targets=[cv.id])
    assert result.ok, result.errors
    scores = wf.output(cv.id, "fold scores").df
    assert len(scores) == 10 and scores["accuracy"].between(0.8, 1).all()
    summary = wf.output(cv.id, "summary").values
    assert (summary["folds"], summary["repeats"]) == (5, 2)
    assert wf.output(cv.id, "score spread").png  # the box plot of the report


def test_a_newer_library_version_is_offered_and_the_update_keeps_settings_and_wires(tmp_path):
    folder = _team_library(tmp_path, 1)
    wf, nid = _with_preprocessing(tmp_path, _library(folder)[PREP])
    wf.set_setting(nid, "scaling", "minmax")
    wires = set(wf.links)
    assert outdated(wf, _library(folder)) == []
    _team_library(tmp_path, 2)
    assert outdated(wf, _library(folder)) == [(PREP, 1, 2)]
    assert update(wf, _library(folder)[PREP]) == []
    assert wf.components[PREP].version == 2 and wf.node(nid).version == 2
    assert wf.node(nid).settings == {
        "numbers": "median",
        "encoding": "one_hot",
        "scaling": "minmax",
    }
    assert set(wf.links) == wires
    assert outdated(wf, _library(folder)) == []
    assert wf.run().ok


def test_publishing_writes_the_next_version_and_links_the_copy(tmp_path):
    wf, nid = _with_preprocessing(tmp_path, _library(shipped_folder())[PREP])
    folder = tmp_path / "workspace" / "components"
    first = publish(wf, PREP, folder)
    second = publish(wf, PREP, folder)
    assert (first.version, second.version) == (2, 3)
    assert wf.components[PREP].library.version == 3
    assert _library(folder)[PREP].path == folder / f"{PREP}.knotwork-component.json"


def test_a_broken_library_file_is_named_and_skipped(tmp_path):
    folder = _team_library(tmp_path, 1)
    (folder / "bad.knotwork-component.json").write_text('{"kind": "knotwork-component"}')
    found, problems = load_library([folder])
    assert list(found) == [PREP]
    assert len(problems) == 1 and "bad.knotwork-component.json" in problems[0]


def test_the_command_line_reports_and_updates_linked_copies(tmp_path, capsys):
    folder = _team_library(tmp_path, 1)
    wf, _ = _with_preprocessing(tmp_path, _library(folder)[PREP])
    path = wf.save(tmp_path / "linked.knotwork.json")
    _team_library(tmp_path, 2)
    lib = ["--components", str(folder)]
    assert main(["validate", str(path), *lib]) == 0
    assert "the library has version 2" in capsys.readouterr().out
    assert main(["components", "update", str(path), *lib]) == 0
    assert "from version 1 to 2" in capsys.readouterr().out
    assert Workflow.load(path).components[PREP].version == 2
    assert main(["components", "status", str(path), *lib]) == 0
    assert "every linked component is the library's newest version" in capsys.readouterr().out
    assert main(["run", str(path), "-q", "--no-isolate"]) == 0
