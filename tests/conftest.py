"""Shared fixtures: real data sets, real files, and a helper that runs one node the
way the engine does (settings validated, configure checked against execute)."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("MPLBACKEND", "Agg")
# Keys, registries and preferences of the test run live in a throwaway folder, never in
# the developer's home or the checkout (tests that need their own still set their own).
_SANDBOX = tempfile.mkdtemp(prefix="knotwork-tests-")
atexit.register(shutil.rmtree, _SANDBOX, ignore_errors=True)
os.environ["KNOTWORK_HOME"] = os.path.join(_SANDBOX, "home")
os.environ["KNOTWORK_WORKSPACE"] = os.path.join(_SANDBOX, "workspace")
os.makedirs(os.environ["KNOTWORK_WORKSPACE"], exist_ok=True)
# Deploys record a dependency audit: no test may wait on online vulnerability services.
os.environ.setdefault("KNOTWORK_AUDIT_OFFLINE", "1")

import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from studio.core import ExecutionContext, Table, default_catalog  # noqa: E402
from studio.core.node import run_node as run_node_once  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "workspace_templates"


@pytest.fixture(scope="session")
def penguins_df() -> pd.DataFrame:
    """Palmer penguins (CC0): numeric and categorical columns, a few missing values."""
    return pd.read_csv(TEMPLATES / "penguins" / "penguins.csv")


@pytest.fixture
def penguins(penguins_df) -> Table:
    return Table(penguins_df.copy(), {"species": "target"})


@pytest.fixture
def penguins_clean(penguins_df) -> Table:
    df = penguins_df.dropna().reset_index(drop=True)
    return Table(df, {"species": "target"})


@pytest.fixture(scope="session")
def breast_cancer_df() -> pd.DataFrame:
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer(as_frame=True)
    df = data.frame.copy()
    df["target"] = df["target"].map({0: "malignant", 1: "benign"})
    return df


@pytest.fixture(scope="session")
def diabetes_df() -> pd.DataFrame:
    from sklearn.datasets import load_diabetes

    return load_diabetes(as_frame=True, scaled=False).frame.copy()


def run_node(type_id: str, inputs: list, base_dir: str | None = None, **settings):
    """Run one node as the engine would: validate settings, configure with the input
    specs, execute, and check each output's spec against what configure promised."""
    node_type = default_catalog().get(type_id)
    s = node_type.validate_settings({**node_type.Settings().model_dump(mode="json"), **settings})
    ctx = ExecutionContext("test", node_type.name, base_dir=base_dir, catalog=default_catalog())
    specs = node_type().configure(s, [v.spec() if v is not None else None for v in inputs], ctx)
    outputs, _ = run_node_once(node_type, s, inputs, ctx)
    for spec, value in zip(specs, outputs):
        if spec is not None and value is not None and isinstance(value, Table):
            # Columns under an open prefix (probability_<class> before the classes are known)
            # are the ones configure could not name.
            shown = [c for c in map(str, value.df.columns) if not spec.is_open(c)]
            assert [c.name for c in spec.columns] == shown, (
                f"{type_id}: configure promised {spec.names}, execute gave {list(value.df.columns)}"
            )
    return outputs


@pytest.fixture
def node_runner():
    return run_node


def pytest_terminal_summary(terminalreporter) -> None:
    """Say plainly whether the PostgreSQL tests ran, so a green run means the same as CI's."""
    skipped = [
        r
        for r in terminalreporter.stats.get("skipped", [])
        if "KNOTWORK_TEST_POSTGRES_URL" in str(getattr(r, "longrepr", ""))
    ]
    url = os.environ.get("KNOTWORK_TEST_POSTGRES_URL")
    if skipped:
        why = os.environ.get("KNOTWORK_TEST_POSTGRES_UNAVAILABLE") or (
            "KNOTWORK_TEST_POSTGRES_URL is not set"
        )
        terminalreporter.write_sep(
            "!",
            f"PostgreSQL NOT TESTED: {len(skipped)} tests skipped ({why}); "
            "`make test` starts one when Debian's postgresql is installed or installable",
            yellow=True,
        )
    elif url:
        host = url.rsplit("@", 1)[-1]
        terminalreporter.write_line(f"PostgreSQL tests ran against {host}")
