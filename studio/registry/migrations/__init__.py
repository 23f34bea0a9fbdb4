"""Alembic revision scripts of the registry schema, run by `studio.registry.database`."""
