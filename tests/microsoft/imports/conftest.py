from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cspdesk.kit.storage import LocalStorage
from cspdesk.models import Base


@pytest.fixture
def storage(tmp_path: Path) -> LocalStorage:
    return LocalStorage(tmp_path / "storage")


def row_counts(session: Session) -> dict[str, int]:
    """Rows per table, to prove that a refused import changed nothing."""
    session.flush()
    return {
        t.name: int(session.execute(select(func.count()).select_from(t)).scalar_one())
        for t in Base.metadata.sorted_tables
    }
