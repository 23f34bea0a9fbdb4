"""Secrets found by real detect-secrets and our database-URL rule in real files: named by
file and line, the value never printed."""

from __future__ import annotations

import json
import zipfile

from studio.cli.main import main
from studio.core import Workflow
from studio.security.secret_scan import DB_URL_KIND, database_url_lines, scan_folder

PASSWORD = "Tr0ub4dor-and-3"
DB_PASSWORD = "Pr0d-Pa55w0rd"


def _line_of(path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def _planted_workflow(tmp_path):
    """A workflow whose annotation holds a password and whose SQL reader's URL holds another
    (as a hand edit or a merge would leave it: the node itself refuses such a URL)."""
    wf = Workflow.new("leaky")
    wf.add_node("io.sql_reader", "Sales", {"url": "postgresql://etl@db.internal/sales"}, id="sql")
    wf.add_annotation(f"password = '{PASSWORD}'  (ask IT to rotate)", 10, 10)
    path = wf.save(tmp_path / "leaky.knotwork.json")
    data = json.loads(path.read_text())
    data["nodes"][0]["settings"]["url"] = f"postgresql://etl:{DB_PASSWORD}@db.internal/sales"
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    return path


def test_a_password_in_an_annotation_and_a_db_url_in_a_setting_are_found_by_line(tmp_path, capsys):
    path = _planted_workflow(tmp_path)
    code = main(["audit", str(path), "--offline", "--json"])
    raw = capsys.readouterr().out
    out = json.loads(raw)
    secrets = {(f["subject"], f["message"]) for f in out["findings"] if f["category"] == "secret"}
    assert code == 1
    assert (
        f"{path}:{_line_of(path, PASSWORD)}",
        "Secret Keyword (value not shown)",
    ) in secrets
    assert (f"{path}:{_line_of(path, DB_PASSWORD)}", f"{DB_URL_KIND} (value not shown)") in secrets
    assert PASSWORD not in raw and DB_PASSWORD not in raw


def test_the_text_report_names_file_and_line_and_never_the_secret(tmp_path, capsys):
    path = _planted_workflow(tmp_path)
    assert main(["audit", str(path), "--offline"]) == 1
    text = capsys.readouterr().out
    assert f"{path}:{_line_of(path, DB_PASSWORD)}" in text and "audit failed" in text
    assert PASSWORD not in text and DB_PASSWORD not in text


def test_the_db_url_rule_catches_what_detect_secrets_misses_and_skips_references():
    text = "\n".join(
        [
            'a = "jdbc:postgresql://db:5432/sales?user=etl&password=Pr0dPassw0rd"',
            "b = jdbc:sqlserver://db;user=sa;password=Sa-Secret-9",
            'c = "mysql+pymysql://root:p%40ss@h/db"',
            'd = "postgresql://admin:${DB_PASSWORD}@db/x"',
            "e = postgresql://admin:***@db/x",
            "f = postgresql://admin@db/x  # password from env:DB_PASSWORD",
            'g = "redis://:hunter22@cache:6379/0"',
            'h = "postgresql://u:pw@db/x"  # pragma: allowlist secret',
        ]
    )
    assert list(database_url_lines(text)) == [1, 2, 3, 7]


def test_a_workspace_scan_covers_logs_and_bundles_and_skips_virtual_environments(tmp_path):
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "server.log").write_text(
        "INFO started\nERROR cannot connect to mysql://app:L0gged-Pw@db/x\n"
    )
    with zipfile.ZipFile(tmp_path / "model.zip", "w") as zf:
        zf.writestr("manifest.json", "{}")
        zf.writestr("graph.json", '{\n  "url": "postgresql://a:Zipped-Pw1@h/db"\n}\n')
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / "cfg.py").write_text('password = "in-a-venv-123"\n')
    (tmp_path / "data.parquet").write_bytes(b"PAR1\0password=abc")
    found = {str(f) for f in scan_folder(tmp_path, "")}
    assert found == {
        f"logs/server.log:2: {DB_URL_KIND}",
        f"model.zip!graph.json:2: {DB_URL_KIND}",
    }


def test_a_zip_member_naming_a_path_outside_is_never_written_out(tmp_path):
    archive = tmp_path / "scan" / "evil.zip"
    archive.parent.mkdir()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("../../escaped.txt", "postgresql://a:Escaped-Pw1@h/db\n")
        zf.writestr("/tmp/absolute-kw12.txt", "postgresql://a:Absolute-Pw1@h/db\n")
        zf.writestr("inside.txt", "postgresql://a:Inside-Pw1@h/db\n")
    found = {str(f) for f in scan_folder(tmp_path / "scan", "")}
    assert found == {f"evil.zip!inside.txt:1: {DB_URL_KIND}"}
    assert not (tmp_path / "escaped.txt").exists()
