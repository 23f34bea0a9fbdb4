"""Node category package."""
