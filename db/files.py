"""The file store: evidence, thumbnails and documents under random names, outside the web root.

Only this module turns a stored name into a place; everyone else holds names. A local
directory today; an S3-compatible store fits the same interface.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

import anyio.to_thread

_NAME = re.compile(
    r"[0-9a-f]{32}(-thumb|-import)?\.[a-z0-9]{2,5}"
)  # an upload, its thumb, an export


class FileStore(Protocol):
    async def save(self, content: bytes, extension: str, *, suffix: str = "") -> str:
        """Store bytes under a new random name (".jpg", suffix "-thumb"); returns the name."""
        ...

    async def read(self, name: str) -> bytes: ...

    async def delete(self, names: Iterable[str]) -> None: ...

    def local_path(self, name: str) -> Path | None:
        """Where a stored file can be streamed from on this machine, if anywhere."""
        ...


def check_name(name: str) -> str:
    """A name this store made; anything else (a path, "..", a guess at a format) is refused."""
    if not _NAME.fullmatch(name):
        raise ValueError(f"not a stored file name: {name!r}")
    return name


def new_name(extension: str, suffix: str = "") -> str:
    return check_name(f"{secrets.token_hex(16)}{suffix}{extension}")


class LocalFileStore:
    """A directory on this machine (FILES_DIR), created private to the process's user."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path(self, name: str) -> Path:
        return self.directory / check_name(name)

    def _write(self, name: str, content: bytes) -> None:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._path(name).write_bytes(content)

    async def save(self, content: bytes, extension: str, *, suffix: str = "") -> str:
        name = new_name(extension, suffix)
        await anyio.to_thread.run_sync(self._write, name, content)
        return name

    async def read(self, name: str) -> bytes:
        return await anyio.to_thread.run_sync(self._path(name).read_bytes)

    def _unlink(self, names: list[str]) -> None:
        for name in names:
            self._path(name).unlink(missing_ok=True)

    async def delete(self, names: Iterable[str]) -> None:
        await anyio.to_thread.run_sync(self._unlink, [name for name in names if name])

    def local_path(self, name: str) -> Path | None:
        path = self._path(name)
        return path if path.is_file() else None
