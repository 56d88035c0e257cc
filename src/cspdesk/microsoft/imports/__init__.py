"""Importing Partner Center files into the cost ledger. See `import_file`."""

from cspdesk.microsoft.imports.errors import ImportConflict, ImportFileUnreadable, ImportRejected
from cspdesk.microsoft.imports.service import import_file
from cspdesk.microsoft.imports.summary import ImportSummary

__all__ = ["ImportConflict", "ImportFileUnreadable", "ImportRejected", "ImportSummary", "import_file"]
