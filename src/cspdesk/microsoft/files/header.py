"""Map a file's header row onto the canonical column names of its kind."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cspdesk.microsoft.files.errors import DuplicateHeaderError, MissingColumnsError
from cspdesk.microsoft.files.kinds import ColumnType, KindSpec, canonical_name
from cspdesk.microsoft.files.structure import LINE_NO

DATETIME_SUFFIX = "_at"
PRODUCT_KIND = "product_kind"
PRODUCT_FAMILY = "product_family"


@dataclass(frozen=True, slots=True)
class ResolvedHeader:
    source_names: tuple[str, ...]
    """Names as written in the file, in file order."""
    names: tuple[str, ...]
    """Canonical names for the kind's columns, the written name (trimmed) for extra columns; file order."""
    extra_names: tuple[str, ...]
    missing_optional: tuple[str, ...]

    def source_name(self, name: str) -> str:
        return self.source_names[self.names.index(name)]


def resolve_header(spec: KindSpec, source_names: Sequence[str], label: str) -> ResolvedHeader:
    known = set(spec.column_names)
    names = tuple(_resolved_name(name, position, known) for position, name in enumerate(source_names))
    _refuse_duplicates(source_names, names, label)
    _refuse_reserved(spec, names, known, label)
    missing = [name for name in spec.required_names if name not in names]
    if missing:
        raise MissingColumnsError(
            label,
            f"required column{'s' if len(missing) > 1 else ''} {', '.join(missing)} missing for a {spec.kind} file",
            line=1,
        )
    return ResolvedHeader(
        source_names=tuple(source_names),
        names=names,
        extra_names=tuple(name for name in names if name not in known),
        missing_optional=tuple(name for name in spec.column_names if name not in names),
    )


def _resolved_name(source: str, position: int, known: set[str]) -> str:
    canonical = canonical_name(source)
    if canonical is not None and canonical in known:
        return canonical
    trimmed = source.strip()
    return trimmed or f"column_{position + 1}"


def _refuse_duplicates(source_names: Sequence[str], names: tuple[str, ...], label: str) -> None:
    first_position: dict[str, int] = {}
    for position, name in enumerate(names):
        key = name.lower()
        if key in first_position:
            earlier = first_position[key]
            raise DuplicateHeaderError(
                label,
                f"duplicate header: the column appears twice, as {source_names[earlier]!r} "
                f"(field {earlier + 1}) and {source_names[position]!r} (field {position + 1})",
                line=1,
                column=name,
            )
        first_position[key] = position


def reserved_output_names(spec: KindSpec) -> frozenset[str]:
    dates = {f"{column.name}{DATETIME_SUFFIX}" for column in spec.columns if column.type is ColumnType.DATE}
    return frozenset({LINE_NO, PRODUCT_KIND, PRODUCT_FAMILY, *dates})


def _refuse_reserved(spec: KindSpec, names: tuple[str, ...], known: set[str], label: str) -> None:
    reserved = {name.lower() for name in reserved_output_names(spec)}
    for name in names:
        if name not in known and (name.lower() in reserved or name.startswith("__")):
            raise DuplicateHeaderError(
                label,
                "extra column name clashes with a column the reader adds; rename it",
                line=1,
                column=name,
            )
