"""Property: whatever the generator writes, the reader gives back its totals exactly."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from bench import generate_pc_files as gen
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cspdesk.microsoft.files import ParseStatus, read_partner_center_file

Writer = Callable[..., gen.GeneratedFile]
WRITERS: dict[str, tuple[Writer, tuple[str, ...]]] = {
    "recon": (gen.write_recon_file, gen.RECON_COLUMNS),
    "usage": (gen.write_daily_usage_file, gen.USAGE_COLUMNS),
    "legacy": (gen.write_legacy_file, gen.LEGACY_COLUMNS),
}
ALIASES = {"MpnId": ("MPNID", "mpnid"), "Tier2MpnId": ("ResellerMpnId", "ResellerMPNID", "TIER2MPNID")}


@st.composite
def layouts(draw: st.DrawFn, columns: tuple[str, ...]) -> dict[str, Any]:
    """Column order, header spelling and line ending as different exports and tools produce them."""
    order = draw(st.permutations(columns))
    spellings = {
        name: draw(st.sampled_from((name, name.lower(), name.upper(), *ALIASES.get(name, ())))) for name in columns
    }
    return {"column_order": order, "header_names": spellings, "line_terminator": draw(st.sampled_from(["\r\n", "\n"]))}


@st.composite
def generated_files(draw: st.DrawFn) -> tuple[str, int, int, dict[str, Any]]:
    kind = draw(st.sampled_from(sorted(WRITERS)))
    return kind, draw(st.integers(0, 2**32 - 1)), draw(st.integers(1, 400)), draw(layouts(WRITERS[kind][1]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=generated_files())
def test_read_totals_equal_generator_totals(tmp_path_factory: pytest.TempPathFactory, case: Any) -> None:
    kind, seed, rows, layout = case
    writer, _ = WRITERS[kind]
    path: Path = tmp_path_factory.mktemp(kind) / f"{kind}.csv"
    generated = writer(path, rows, seed=seed, **layout)
    parsed = read_partner_center_file(path)
    assert (parsed.status, parsed.row_count, parsed.valid_row_count) == (ParseStatus.OK, rows, rows)
    assert parsed.totals_by_currency == generated.totals.by_currency
    assert sum(parsed.sum_by("line_no")["rows"]) == rows
