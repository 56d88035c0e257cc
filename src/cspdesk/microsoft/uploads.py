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


def _new_temp() -> tuple[Path, BinaryIO]:
    handle, name = tempfile.mkstemp(prefix="cspdesk-upload-", suffix=".csv")
    return Path(name), os.fdopen(handle, "wb")


@contextmanager
def temp_upload() -> Iterator[tuple[Path, BinaryIO]]:
    path, stream = _new_temp()
    try:
        with stream:
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


async def save_upload(upload: UploadFile, limit: int) -> Path:
    """The upload in a temporary file that the caller owns from now on (and deletes); nothing is left on failure."""
    path, stream = _new_temp()
    try:
        with stream:
            await copy_upload(upload, stream, limit)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path
