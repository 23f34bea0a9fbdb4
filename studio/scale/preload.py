"""Imported by each worker of a `knotwork score --cluster local[:N]` cluster as it starts
(a Dask worker preload): the scoring code and skops (which imports much of scikit-learn)
load while the client still verifies the bundle, not when the first partition arrives."""

import skops.io  # noqa: F401

import studio.deploy  # noqa: F401
import studio.serve.batch  # noqa: F401
import studio.serve.inputs  # noqa: F401
