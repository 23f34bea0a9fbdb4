"""The node-graph canvas: a QGraphicsScene mirroring one Workflow, and its view."""
