"""Migrations run up and down on the test database engine's kind, and agree with the models."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from cspdesk.db import make_engine
from cspdesk.migrations import runner
from cspdesk.models import Base

PG_ENV = "CSPDESK_TEST_DATABASE_URL"


@pytest.fixture
def empty_database_url(tmp_path: Path, worker_id: str) -> Iterator[str]:
    base = os.environ.get(PG_ENV)
    if not base:
        yield f"sqlite:///{tmp_path / 'migrations.sqlite'}"
        return
    url = make_url(base.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"{url.database}_migrations_{worker_id}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade(empty_database_url: str) -> None:
    runner.upgrade(empty_database_url)
    assert _tables(empty_database_url) == set(Base.metadata.tables)
    runner.downgrade(empty_database_url, "base")
    assert _tables(empty_database_url) == set()
    runner.upgrade(empty_database_url)
    assert _tables(empty_database_url) == set(Base.metadata.tables)


def test_models_and_migrations_agree(empty_database_url: str) -> None:
    runner.upgrade(empty_database_url)
    engine = make_engine(empty_database_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()
