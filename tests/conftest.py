"""Test fixtures: one migrated database per test run (SQLite, or PostgreSQL via CSPDESK_TEST_DATABASE_URL),
a committed 'world' of customers and principals, and a transaction per test that is rolled back."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from cspdesk.app import create_app
from cspdesk.config import Settings
from cspdesk.db import Database, make_engine
from cspdesk.migrations import runner
from tests.world import World, build_world

PG_ENV = "CSPDESK_TEST_DATABASE_URL"


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _worker_database(base_url: str, worker: str) -> str:
    """Each xdist worker gets its own PostgreSQL database, made fresh from the configured one."""
    url = make_url(base_url.replace("postgresql://", "postgresql+psycopg://", 1))
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID", uuid.uuid4().hex)[:8]
    name = f"{url.database}_{worker}_{run}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def _drop_database(url: str) -> None:
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Iterator[str]:
    base = os.environ.get(PG_ENV)
    if base:
        url = _worker_database(base, worker_id)
        yield url
        _drop_database(url)
        return
    path: Path = tmp_path_factory.mktemp("db") / "test.sqlite"
    yield f"sqlite:///{path}"


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    runner.upgrade(database_url)
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def world(engine: Engine) -> World:
    with Session(engine) as session:
        world = build_world(session)
        session.commit()
    return world


class TestDatabase(Database):
    """A Database whose units of work are savepoints inside the test's rolled-back transaction."""

    def __init__(self, connection: Connection) -> None:
        super().__init__(connection.engine)
        self.session_factory = sessionmaker(
            bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )
        self.writer_factory = self.session_factory  # the test's transaction has begun already


@pytest.fixture
def connection(engine: Engine, world: World) -> Iterator[Connection]:
    conn = engine.connect()
    transaction = conn.begin()
    yield conn
    transaction.rollback()
    conn.close()


@pytest.fixture
def db(connection: Connection) -> Database:
    return TestDatabase(connection)


@pytest.fixture
def session(db: Database) -> Iterator[Session]:
    with db.session_factory() as session:
        yield session


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=database_url, secret_key="test-secret", data_dir=tmp_path / "var")


@pytest.fixture
def app(settings: Settings, db: Database) -> FastAPI:
    return create_app(settings, db)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://testserver") as test_client:
        yield test_client


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # PostgreSQL-only tests run in the PostgreSQL pass; CI makes that pass mandatory (CSPDESK_REQUIRE_PG in .ci/run).
    if not os.environ.get(PG_ENV):
        skip = pytest.mark.skip(reason=f"set {PG_ENV} to run PostgreSQL-only tests")
        for item in items:
            if "postgres" in item.keywords:
                item.add_marker(skip)


def pytest_sessionstart(session: pytest.Session) -> None:
    if _in_ci() and not os.environ.get(PG_ENV) and os.environ.get("CSPDESK_REQUIRE_PG") == "1":
        raise pytest.UsageError(f"CI requires {PG_ENV}")
