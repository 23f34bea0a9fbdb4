"""Template 5: two registered versions differing in one parameter, promoted through dev and
test, told apart by `registry diff`, and test rolled back to the first — all in the log."""

from __future__ import annotations

import json


def test_two_versions_promoted_diffed_and_rolled_back(copied, knotwork):
    path = copied("registry")
    folder = path.parent
    for version, extra in ((1, []), (2, ["--set", "C=1.0"])):
        code, out = knotwork(
            "deploy",
            path,
            "--name",
            "tumours",
            *extra,
            "--output",
            folder / f"v{version}.zip",
            "--register",
            "-q",
        )
        assert code == 0 and f"registered as tumours:{version} and promoted to dev" in out, out
        code, out = knotwork("registry", "promote", f"tumours:{version}", "--to", "test")
        assert code == 0 and f"tumours@test → {version}" in out, out
    code, out = knotwork("registry", "diff", "tumours:1", "tumours:2")
    assert code == 0 and "Learner.C: 0.01 → 1.0" in out, out
    code, out = knotwork("registry", "rollback", "tumours", "--env", "test")
    assert code == 0 and "rolled back: 2 → 1" in out, out
    code, out = knotwork("registry", "list", "--json")
    (model,) = json.loads(out[out.index("{") :])["models"]
    assert model["aliases"] == {"dev": "2", "test": "1"}, model
    code, out = knotwork("registry", "log", "tumours", "--verify")
    assert code == 0 and "audit log intact" in out, out
