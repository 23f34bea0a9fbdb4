"""The retraining loop: retrain a workflow into a challenger, compare it with the
champion, and watch a served model's monitors to retrain on an alert. No Qt: the CLI and
the studio's registry dock are thin layers over this package."""

from __future__ import annotations

from .run import RetrainResult, parse_target, retrain

__all__ = ["RetrainResult", "parse_target", "retrain"]
