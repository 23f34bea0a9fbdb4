"""Where a server logs scored rows and ground truth for monitoring: one SQLite file.

Predictions are buffered and written by a background thread in batches, so logging
costs the hot path an append to a list; feedback is written at once.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS predictions (
    request_id TEXT NOT NULL, row INTEGER NOT NULL, ts REAL NOT NULL,
    model TEXT NOT NULL, version TEXT NOT NULL, inputs TEXT NOT NULL, outputs TEXT NOT NULL,
    PRIMARY KEY (request_id, row));
CREATE TABLE IF NOT EXISTS feedback (
    request_id TEXT NOT NULL, row INTEGER NOT NULL, ts REAL NOT NULL, truth TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS feedback_key ON feedback (request_id, row);
"""


class SQLiteSink:
    """Append-only log of predictions and feedback in a SQLite file (WAL mode)."""

    def __init__(self, path: str | Path, flush_every: float = 1.0):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(SCHEMA)
        self._lock = threading.Lock()
        self._pending: list[tuple] = []
        self._stop = threading.Event()
        self._flush_every = flush_every
        self._thread = threading.Thread(target=self._run, name="knotwork-monitor-sink", daemon=True)
        self._thread.start()

    def log_predictions(
        self, request_id: str, model: str, version: str, inputs: list[dict], outputs: list[dict]
    ) -> None:
        ts = time.time()
        rows = [
            (
                request_id,
                i,
                ts,
                model,
                version,
                json.dumps(x, default=str),
                json.dumps(y, default=str),
            )
            for i, (x, y) in enumerate(zip(inputs, outputs, strict=False))
        ]
        with self._lock:
            self._pending.extend(rows)

    def log_feedback(self, items: list[dict[str, Any]]) -> int:
        """Store ground truth rows; return how many match a logged prediction."""
        self.flush()
        ts = time.time()
        with self._lock:
            self._db.execute("BEGIN")
            self._db.executemany(
                "INSERT INTO feedback VALUES (?, ?, ?, ?)",
                [(it["request_id"], it["row"], ts, json.dumps(it["truth"])) for it in items],
            )
            self._db.execute("COMMIT")
            matched = sum(
                self._db.execute(
                    "SELECT 1 FROM predictions WHERE request_id = ? AND row = ?",
                    (it["request_id"], it["row"]),
                ).fetchone()
                is not None
                for it in items
            )
        return matched

    def flush(self) -> None:
        with self._lock:
            rows, self._pending = self._pending, []
            if rows:
                self._db.execute("BEGIN")
                self._db.executemany(
                    "INSERT OR REPLACE INTO predictions VALUES (?, ?, ?, ?, ?, ?, ?)", rows
                )
                self._db.execute("COMMIT")

    def _run(self) -> None:
        while not self._stop.wait(self._flush_every):
            self.flush()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.flush()
        self._db.close()
