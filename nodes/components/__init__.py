"""Node category package: the boundary nodes inside a component (its ports)."""
