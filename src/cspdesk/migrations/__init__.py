"""Alembic migrations, run through cspdesk.migrations.runner (no alembic.ini needed)."""
