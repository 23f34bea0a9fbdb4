"""Template 3: the database password is a reference resolved at run time, never a value in
the workflow file; `knotwork audit` passes the template and fails a file holding a secret."""

from __future__ import annotations

import json
import re

from studio.deploy import Bundle
from studio.security.secret_scan import scan_folder

PG = "postgresql+psycopg://analyst@127.0.0.1:1/flowers"  # nothing listens on port 1


def test_the_workflow_holds_references_only_and_runs_on_the_shipped_database(copied, knotwork):
    path = copied("credentials")
    data = json.loads(path.read_text())
    reader = next(n for n in data["nodes"] if n["type_id"] == "io.sql_reader")
    assert reader["settings"]["url"] == "$db_url"
    assert reader["settings"]["password"] == "$db_password"
    assert scan_folder(path.parent) == []
    code, out = knotwork("audit", path, "--offline")
    assert code == 0 and "secrets:         0 found" in out, out
    code, out = knotwork("run", path)
    assert code == 0 and "Validation Report: status=" in out, out


def test_the_password_reference_resolves_at_run_time_and_never_reaches_file_or_output(
    copied, knotwork, monkeypatch
):
    path = copied("credentials")
    before = path.read_text()
    settings = ["--set", f"db_url={PG}", "--set", "db_password=env:IRIS_DB_PASSWORD"]
    code, out = knotwork("run", path, *settings)
    assert code == 1 and "IRIS_DB_PASSWORD" in out and "is not set" in out, out
    monkeypatch.setenv("IRIS_DB_PASSWORD", "s3cret-iris-pw")
    code, out = knotwork("run", path, *settings)
    # the driver got the password and tried the (absent) server; the value is nowhere
    assert code == 1 and 'node "Flowers" failed' in out, out
    assert "s3cret-iris-pw" not in out
    assert path.read_text() == before


def test_a_literal_password_is_refused_by_configure_and_failed_by_the_audit(copied, knotwork):
    path = copied("credentials")
    leaked = path.read_text().replace('"$db_url"', '"postgresql://analyst:hunter2@db/flowers"')
    path.write_text(leaked)
    code, out = knotwork("validate", path)
    assert code == 1 and "literal password" in out, out
    code, out = knotwork("audit", path, "--offline")
    line = leaked.splitlines().index(next(x for x in leaked.splitlines() if "hunter2" in x)) + 1
    assert code == 1 and f"credentials.knotwork.json:{line}" in out, out
    assert "hunter2" not in out


def test_the_bundle_records_its_audit_for_the_prod_gate(copied, knotwork):
    path = copied("credentials")
    bundle = path.parent / "iris.zip"
    code, out = knotwork("deploy", path, "--name", "iris", "--output", bundle, "--register", "-q")
    assert code == 0 and "0 secret(s) found" in out, out
    audit = Bundle.load(bundle).manifest["audit"]
    assert audit and "secrets" in json.dumps(audit)
    # The prod gate judges that recorded audit (and more): a dry run prints its verdicts.
    code, out = knotwork("registry", "promote", "iris:1", "--to", "prod", "--dry-run")
    assert re.search(r"dependency audit\s+pass\s+audit of ", out), out
