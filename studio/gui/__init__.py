"""The Knotwork studio: a PySide6 node-graph editor over `studio.core`.

The GUI observes a `Workflow` through its events and changes it only through undoable
commands (`commands.py`); long work runs on a thread pool (`runner.py`).
"""
