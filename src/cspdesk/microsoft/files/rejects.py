"""Write every rejected cell of a file, with its whole original row, to a CSV for the partner to fix."""

from __future__ import annotations

from pathlib import Path

from cspdesk.microsoft.files.reader import ParsedFile


def write_rejects(parsed: ParsedFile, out_path: str | Path) -> int:
    """Write reject_line, reject_column, reject_reason and the original columns (one line per failed cell).

    Streams the file again, so it covers all rejects, not only those kept in `parsed.errors`. Returns the
    number of reject lines written.
    """
    parsed.plan.rejects().sink_csv(Path(out_path), engine="streaming")
    return parsed.error_count
