"""SQLite has one writer: a unit of work that will write takes the lock when it begins, so it waits behind a long
writer (an import) instead of failing when that writer commits between its first read and its first write."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from cspdesk.db import Database


def _database(tmp_path: Path) -> Database:
    database = Database.from_url(f"sqlite:///{tmp_path / 'writers.db'}")
    with database.engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE notes (body TEXT)")
    return database


def _long_writer(database: Database, started: threading.Event) -> threading.Thread:
    def write() -> None:
        with database.session_for(writes=True) as session, session.begin():
            session.execute(text("INSERT INTO notes VALUES ('import')"))
            started.set()
            time.sleep(0.5)

    thread = threading.Thread(target=write)
    thread.start()
    return thread


def _read_then_write(database: Database, *, writes: bool, started: threading.Event) -> None:
    with database.session_for(writes=writes) as session, session.begin():
        session.execute(text("SELECT count(*) FROM notes")).scalar_one()
        started.wait()  # the long writer has the lock now; it commits while this one waits to write
        session.execute(text("INSERT INTO notes VALUES ('request')"))


def test_a_writing_unit_of_work_waits_for_the_long_writer(tmp_path: Path) -> None:
    database = _database(tmp_path)
    started = threading.Event()
    writer = _long_writer(database, started)
    started.wait()
    _read_then_write(database, writes=True, started=started)
    writer.join()
    with database.engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT body FROM notes ORDER BY rowid").scalars().all() == [
            "import",
            "request",
        ]


def test_a_deferred_unit_of_work_that_reads_first_fails_when_the_writer_commits(tmp_path: Path) -> None:
    database = _database(tmp_path)
    started = threading.Event()
    writers: list[threading.Thread] = []

    def read_then_write_behind_the_writer() -> None:
        with database.session_for(writes=False) as session, session.begin():
            session.execute(text("SELECT count(*) FROM notes")).scalar_one()  # snapshot taken before the writer
            writers.append(_long_writer(database, started))
            started.wait()
            session.execute(text("INSERT INTO notes VALUES ('request')"))

    with pytest.raises(OperationalError, match="locked"):
        read_then_write_behind_the_writer()
    writers[0].join()
