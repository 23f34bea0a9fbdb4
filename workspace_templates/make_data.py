"""Writes the data files of the fault-line templates from the data sets scikit-learn ships
(`sklearn.datasets.load_*`, no download), deterministically: run from the repo root with
`python workspace_templates/make_data.py`. Each folder's SOURCE.md says what was derived how."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent


def _snake(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower().replace("(cm)", "cm")).strip("_")


def breast_cancer() -> pd.DataFrame:
    """Wisconsin diagnostic breast cancer: 569 tumours, 30 measurements, the diagnosis."""
    from sklearn.datasets import load_breast_cancer

    df = load_breast_cancer(as_frame=True).frame
    df = df.rename(columns={c: _snake(c) for c in df.columns})
    diagnosis = df.pop("target").map({0: "malignant", 1: "benign"})
    return df.assign(diagnosis=diagnosis)


def breast_cancer_leaky() -> pd.DataFrame:
    """The same tumours plus `biopsy_code`, a column recorded after the diagnosis: the
    diagnosis recoded 1/0 with 2 % of the rows flipped (seed 0), as a real leak is imperfect."""
    df = breast_cancer()
    code = (df["diagnosis"] == "malignant").astype(int).to_numpy()
    flip = np.random.default_rng(0).random(len(df)) < 0.02
    df.insert(len(df.columns) - 1, "biopsy_code", np.where(flip, 1 - code, code))
    return df


def wine() -> pd.DataFrame:
    """Wine recognition: 178 wines of three cultivars, 13 chemical measurements."""
    from sklearn.datasets import load_wine

    df = load_wine(as_frame=True).frame
    df = df.rename(columns={c: _snake(c) for c in df.columns})
    cultivar = df.pop("target").map({0: "cultivar_1", 1: "cultivar_2", 2: "cultivar_3"})
    return df.assign(cultivar=cultivar)


def iris() -> pd.DataFrame:
    """Fisher's iris: 150 flowers of three species, four measurements."""
    from sklearn.datasets import load_iris

    data = load_iris(as_frame=True)
    df = data.frame.rename(columns={c: _snake(c) for c in data.frame.columns})
    species = df.pop("target").map(dict(enumerate(data.target_names)))
    return df.assign(species=species)


def diabetes_visits() -> pd.DataFrame:
    """The raw diabetes study put in a time order whose later months shift: rows are sorted
    by bmi plus Gaussian noise (sd 3, seed 0) and numbered into months 1..24 (18 or 19
    rows a month), so later months hold heavier patients (and more progression)."""
    from sklearn.datasets import load_diabetes

    df = load_diabetes(as_frame=True, scaled=False).frame
    df = df.rename(
        columns={
            "s1": "tc",
            "s2": "ldl",
            "s3": "hdl",
            "s4": "tch",
            "s5": "ltg",
            "s6": "glu",
            "target": "progression",
        }
    )
    df["sex"] = df["sex"].map({1.0: "sex_1", 2.0: "sex_2"})
    noise = np.random.default_rng(0).normal(0.0, 3.0, len(df))
    order = np.argsort(df["bmi"].to_numpy() + noise, kind="stable")
    df = df.iloc[order].reset_index(drop=True)
    df.insert(0, "month", np.arange(len(df)) * 24 // len(df) + 1)
    return df


LATER_AFTER = 16  # the drift template's default train_until


def write_sqlite(df: pd.DataFrame, path: Path, table: str) -> None:
    """A fresh SQLite file holding one table (written next to it, then renamed)."""
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    with sqlite3.connect(tmp) as conn:
        df.to_sql(table, conn, index=False)
    conn.close()
    tmp.replace(path)


def write_all() -> None:
    breast_cancer_leaky().to_csv(HERE / "leakage" / "tumours.csv", index=False)
    wine().to_csv(HERE / "parity" / "wine.csv", index=False)
    flowers = iris()
    flowers.to_csv(HERE / "credentials" / "iris.csv", index=False)
    write_sqlite(flowers, HERE / "credentials" / "iris.sqlite", "flowers")
    visits = diabetes_visits()
    visits.to_csv(HERE / "drift" / "visits.csv", index=False)
    # What production sends after the training window (months 17-24), to replay.
    later = visits[visits["month"] > LATER_AFTER].drop(columns="month")
    later.to_csv(HERE / "drift" / "later_months.csv", index=False)
    breast_cancer().to_csv(HERE / "registry" / "tumours.csv", index=False)
    flowers.to_csv(HERE / "one_click_deploy" / "iris.csv", index=False)


if __name__ == "__main__":
    for name in ("leakage", "parity", "credentials", "drift", "registry", "one_click_deploy"):
        (HERE / name).mkdir(exist_ok=True)
    write_all()
    print("data written")
