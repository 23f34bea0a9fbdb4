"""Alembic revision scripts of the monitoring schema, run by `studio.monitor.database`."""
