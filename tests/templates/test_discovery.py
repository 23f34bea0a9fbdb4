"""Template discovery without Qt: the eight shipped templates with their metadata, the
`knotwork templates` commands, the wheel's data files, and the installed-location fallback."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from studio.core import templates as tpl
from studio.core.templates import TemplateError, find_templates, read_template

FAULT_LINES = ["leakage", "parity", "credentials", "drift", "registry", "one_click_deploy"]


def test_the_eight_templates_are_found_in_gallery_order_with_their_metadata():
    found = find_templates()
    assert [t.folder for t in found] == ["penguins", "diabetes", *FAULT_LINES]
    for t, number in zip(found[2:], range(1, 7)):
        assert t.fault_line.startswith(f"{number}. "), t.fault_line
        assert t.title and len(t.description) > 80 and len(t.walkthrough) >= 3
        assert any(t.path.name in c for c in t.commands), t.commands
        source = (t.path.parent / "SOURCE.md").read_text()
        assert "scikit-learn" in source and "\nLicence: " in source and "BSD-3-Clause" in source
        data = json.loads(t.path.read_text())
        for node in data["nodes"]:  # every data file a reader names is shipped beside it
            if node["type_id"] == "io.csv_reader":
                assert (t.path.parent / node["settings"]["path"]).is_file()


def test_templates_list_and_copy_from_the_command_line(knotwork, tmp_path):
    code, out = knotwork("templates", "list")
    assert code == 0 and "drift" in out and "4. undetected drift" in out
    code, out = knotwork("templates", "list", "--json")
    rows = json.loads(out)
    assert [r["name"] for r in rows][2:] == FAULT_LINES and rows[3]["walkthrough"]
    code, out = knotwork("templates", "copy", "parity", tmp_path / "mine")
    assert code == 0 and "walkthrough:" in out and "knotwork deploy parity.knotwork.json" in out
    assert sorted(p.name for p in (tmp_path / "mine").iterdir()) == [
        "SOURCE.md",
        "parity.knotwork.json",
        "template.json",
        "wine.csv",
    ]
    code, out = knotwork("templates", "copy", "parity", tmp_path / "mine")
    assert code == 2 and "already exists and is not an empty folder" in out
    code, out = knotwork("templates", "copy", "nope", tmp_path / "other")
    assert code == 2 and "no template named 'nope'" in out and "one_click_deploy" in out
    assert not (tmp_path / "other").exists()


def test_a_broken_template_json_is_named_and_skipped_by_the_gallery(tmp_path):
    folder = tmp_path / "demo"
    shutil.copytree(tpl.CHECKOUT_DIR / "parity", folder)
    (folder / "template.json").write_text('{"walkthrough": "not a list"}')
    with pytest.raises(TemplateError, match=r"template.json: 'walkthrough' must be a list"):
        read_template(folder / "parity.knotwork.json")
    assert find_templates(tmp_path) == []


def test_without_a_checkout_the_installed_templates_are_used(tmp_path, monkeypatch):
    installed = tmp_path / "share" / "knotwork" / "workspace_templates"
    shutil.copytree(tpl.CHECKOUT_DIR / "drift", installed / "drift")
    monkeypatch.setattr(tpl, "CHECKOUT_DIR", tmp_path / "no-checkout")
    monkeypatch.setattr(tpl, "installed_dirs", lambda: [tmp_path / "absent", installed])
    assert tpl.templates_dir() == installed
    assert [t.folder for t in find_templates()] == ["drift"]
    monkeypatch.setenv(tpl.TEMPLATES_ENV, str(tmp_path / "mine"))
    assert tpl.templates_dir() == tmp_path / "mine"


def test_the_wheel_installs_every_file_of_every_template():
    tomllib = pytest.importorskip("tomllib")
    root = tpl.CHECKOUT_DIR.parent
    config = tomllib.loads((root / "pyproject.toml").read_text())
    data_files = config["tool"]["setuptools"]["data-files"]
    for t in find_templates():
        patterns = data_files[f"share/knotwork/workspace_templates/{t.folder}"]
        shipped = {p for pattern in patterns for p in root.glob(pattern)}
        files = {p for p in t.path.parent.iterdir() if p.is_file() and p.suffix != ".py"}
        assert files == shipped, f"{t.folder}: pyproject.toml data-files miss {files - shipped}"
    assert installed_layout_matches(data_files)


def installed_layout_matches(data_files: dict[str, list[str]]) -> bool:
    """Each destination is the share/ folder studio.core.templates looks in."""
    return all(Path(dest).parent == tpl.SHARE for dest in data_files)


def test_discovery_and_the_templates_command_never_import_qt():
    import subprocess
    import sys

    probe = (
        "import sys, studio.core.templates, studio.cli.templates; "
        "from studio.cli.main import main; main(['templates', 'list']); "
        "sys.exit(any(m.startswith('PySide6') for m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "one_click_deploy" in done.stdout
