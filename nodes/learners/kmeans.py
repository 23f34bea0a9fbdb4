"""k-Means: group rows into k clusters around centroids, without a target; the
Predictor assigns new rows to the nearest centroid. Scale features first."""

from __future__ import annotations

from pydantic import Field
from sklearn.cluster import KMeans

from .base import ClusteringLearner, ClusteringSettings


class Settings(ClusteringSettings):
    n_clusters: int = Field(3, ge=2, le=1_000, description="Number of clusters k")
    n_init: int = Field(
        10, ge=1, le=100, description="Restarts from different centroids; the best is kept"
    )
    max_iter: int = Field(300, ge=10, le=100_000, description="Most iterations per restart")
    seed: int = Field(42, ge=0, description="Random seed for the initial centroids")


class KMeansLearner(ClusteringLearner):
    type_id = "learners.kmeans"
    name = "k-Means Clustering"
    description = "Groups rows into k clusters (no target needed); outputs a Model whose predictions are cluster numbers."
    keywords = ("kmeans", "k-means", "clustering", "cluster", "unsupervised", "segmentation")
    Settings = Settings

    def build(self, s: Settings):
        return KMeans(
            n_clusters=s.n_clusters, n_init=s.n_init, max_iter=s.max_iter, random_state=s.seed
        )
