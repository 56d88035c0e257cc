"""Uploaded files streamed to a temporary file, never held in memory, refused beyond settings.upload_max_bytes."""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from starlette.datastructures import UploadFile

from cspdesk.microsoft.imports.errors import UploadTooLarge

CHUNK = 1024 * 1024


def refuse_declared_size(content_length: str | None, limit: int) -> None:
    if content_length and content_length.isdigit() and int(content_length) > limit:
        raise UploadTooLarge(limit)


@contextmanager
def temp_upload() -> Iterator[tuple[Path, BinaryIO]]:
    handle, name = tempfile.mkstemp(prefix="cspdesk-upload-", suffix=".csv")
    path = Path(name)
    try:
        with os.fdopen(handle, "wb") as stream:
            yield path, stream
    finally:
        path.unlink(missing_ok=True)


async def copy_stream(chunks: AsyncIterator[bytes], target: BinaryIO, limit: int) -> int:
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise UploadTooLarge(limit)
        target.write(chunk)
    target.flush()
    return size


async def _upload_chunks(upload: UploadFile) -> AsyncIterator[bytes]:
    while chunk := await upload.read(CHUNK):
        yield chunk


async def copy_upload(upload: UploadFile, target: BinaryIO, limit: int) -> int:
    return await copy_stream(_upload_chunks(upload), target, limit)
