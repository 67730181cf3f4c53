"""Alembic migrations of the operational store (shipped inside the package so every install finds them)."""
