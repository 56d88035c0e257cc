"""Invoice-line ids for bulk writes: ascending, unique, RFC 9562 version 7 layout."""

from __future__ import annotations

import uuid

from cspdesk.billing.bulk import AscendingIds


def test_ids_ascend_and_are_version_7() -> None:
    ids = [AscendingIds()() for _ in range(2)]
    make = AscendingIds()
    run = [make() for _ in range(1000)]
    assert run == sorted(run)
    assert len(set(run)) == 1000
    assert all(i.version == 7 and i.variant == uuid.RFC_4122 for i in [*run, *ids])
    assert ids[0] != ids[1]
