"""Export a workflow to a standalone pandas + scikit-learn script (`knotwork export`)."""

from .python import ExportResult, export_python
from .script import ExportError

__all__ = ["ExportError", "ExportResult", "export_python"]
