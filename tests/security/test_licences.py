"""Licences from real distribution metadata, judged against allow and deny lists."""

from __future__ import annotations

import email
import json

import pytest

from studio.cli.main import main
from studio.security.audit_policy import AuditPolicy
from studio.security.licences import Licence, from_metadata, judge, licence_of

from .conftest import installed


def _meta(text: str):
    return email.message_from_string(text)


def test_license_expression_of_an_installed_distribution_is_read():
    lic = licence_of("numpy", installed("numpy"))
    assert lic.source == "License-Expression" and "BSD-3-Clause" in lic.expression


def test_a_pinned_version_other_than_the_installed_one_is_unknown():
    lic = licence_of("numpy", "0.0.1")
    assert lic.expression is None and "not 0.0.1" in lic.source


@pytest.mark.parametrize(
    ("metadata", "expression", "source"),
    [
        ("License: Apache License v2.0\n", "Apache-2.0", "License"),
        ("License: mit\n", "MIT", "License"),
        (
            "License: UNKNOWN\nClassifier: License :: OSI Approved :: Apache Software License\n",
            "Apache-2.0",
            "classifiers",
        ),
        (
            "License: Copyright (c) 2001\n  all rights reserved, long text\n"
            "Classifier: License :: OSI Approved :: MIT License\n"
            "Classifier: License :: OSI Approved :: Apache Software License\n",
            "MIT OR Apache-2.0",
            "classifiers",
        ),
        ("Classifier: License :: OSI Approved\n", None, "no licence in the metadata"),
        ("License-Expression: GPL-3.0-or-later WITH Classpath-exception-2.0\n", None, None),
    ],
)
def test_licence_sources_in_order_of_trust(metadata, expression, source):
    lic = from_metadata(_meta("Name: x\n" + metadata), "x", "1")
    if source is None:  # a valid expression, kept as written
        assert lic.expression == "GPL-3.0-or-later WITH Classpath-exception-2.0"
        return
    assert (lic.expression, lic.source) == (expression, source)


@pytest.mark.parametrize(
    ("expression", "verdict"),
    [
        ("MIT", "allowed"),
        ("AGPL-3.0-only", "denied"),
        ("AGPL-3.0-only OR MIT", "allowed"),  # the user takes the MIT alternative
        ("AGPL-3.0-only AND MIT", "denied"),  # both apply
        ("GPL-3.0-only", "not allowed"),  # known but not on the default allow list
        (None, "unknown"),
    ],
)
def test_expressions_are_judged_alternative_by_alternative(expression, verdict):
    assert judge(Licence("x", "1", expression, "test"), AuditPolicy()).verdict == verdict


def test_an_empty_allow_list_allows_everything_not_denied():
    policy = AuditPolicy(allow_licences=[], deny_licences=["GPL-3.0-only"])
    assert judge(Licence("x", "1", "EUPL-1.2", "t"), policy).verdict == "allowed"
    assert judge(Licence("x", "1", "GPL-3.0-only", "t"), policy).verdict == "denied"


def test_a_denied_licence_of_an_installed_package_fails_the_audit(tmp_path, capsys):
    policy = tmp_path / "knotwork-audit.json"
    policy.write_text(json.dumps({"deny_licences": ["BSD-3-Clause"], "unknown_licence": "fail"}))
    code = main(["audit", "--offline", "--policy", str(policy), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 1
    denied = {f["subject"] for f in out["findings"] if "denied licence" in f["message"]}
    assert f"scikit-learn {installed('scikit-learn')}" in denied
    unknown = [f for f in out["findings"] if "unknown licence" in f["message"]]
    assert all(f["level"] == "fail" for f in unknown)
