"""Monitoring Reader: logged rows, predictions and feedback truth from a real store file."""

from __future__ import annotations

import time

import pytest

from studio.core import ConfigureError, NodeExecutionError
from studio.monitor import MonitorStore
from tests.conftest import run_node


@pytest.fixture
def store_dir(tmp_path):
    store = MonitorStore(f"sqlite:///{tmp_path / 'monitor.db'}", background=False)
    now = time.time()
    for r in range(6):  # requests 0-2 two days old, 3-5 fresh
        ts = now - (2 * 86400 if r < 3 else 60)
        inputs = [{"age": 30 + r, "plan": "a" if i else "b"} for i in range(2)]
        outputs = [{"prediction": "yes", "probability_yes": 0.7} for _ in range(2)]
        store.log_predictions(f"req-{r}", "churn", "1" if r < 4 else "2", inputs, outputs, ts=ts)
    store.flush()
    store.log_feedback(
        [{"request_id": f"req-{r}", "row": 0, "truth": "no" if r % 2 else "yes"} for r in range(6)]
    )
    store.close()
    return tmp_path


def read(store_dir, **settings):
    settings.setdefault("url", "sqlite:///monitor.db")
    settings.setdefault("model", "churn")
    return run_node("monitoring.reader", [], base_dir=str(store_dir), **settings)[0]


def test_reads_only_labelled_rows_with_the_truth_as_target(store_dir):
    table = read(store_dir)
    assert len(table.df) == 6
    assert list(table.df.columns) == ["age", "plan", "prediction", "probability_yes", "truth"]
    assert table.roles == {"truth": "target"}
    assert sorted(table.df["truth"]) == ["no", "no", "no", "yes", "yes", "yes"]


def test_time_range_version_and_unlabelled_rows(store_dir):
    assert len(read(store_dir, since="1d").df) == 3
    assert len(read(store_dir, until="1d").df) == 3
    assert set(read(store_dir, version="2").df["age"]) == {34, 35}
    everything = read(store_dir, labelled_only=False, metadata=True)
    assert len(everything.df) == 12 and everything.df["truth"].isna().sum() == 6
    assert everything.roles["_request_id"] == "id"


def test_chosen_columns_and_a_missing_column_named(store_dir):
    assert list(read(store_dir, columns=["age"]).df.columns) == ["age", "truth"]
    with pytest.raises(NodeExecutionError, match=r"\['income'\] were not logged") as err:
        read(store_dir, columns=["income"])
    assert err.value.where == "columns"


def test_mistakes_name_the_setting(store_dir):
    with pytest.raises(ConfigureError) as err:
        read(store_dir, model="")
    assert err.value.where == "model"
    with pytest.raises(ConfigureError, match="neither a duration") as err:
        read(store_dir, since="last tuesday-ish")
    assert err.value.where == "since"
    with pytest.raises(ConfigureError, match="literal password") as err:
        read(store_dir, url="postgresql://u:secret@db/monitor")
    with pytest.raises(NodeExecutionError, match="no monitoring store at") as err:
        read(store_dir, url="sqlite:///elsewhere.db")
    assert err.value.where == "url"
    with pytest.raises(NodeExecutionError, match="no labelled rows of model 'other'"):
        read(store_dir, model="other")
