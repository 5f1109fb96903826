"""Writing files and folders so that an interruption leaves either nothing or the whole result."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from booth.errors import InputError


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary name in the same folder, flush it to disk, then rename over the target."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:  # an unwritable folder: name the file asked for, not the temporary one
        raise OSError(exc.errno, exc.strerror, str(path)) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(exc, OSError):  # name the file the caller asked for, not the temporary one
            raise OSError(exc.errno, exc.strerror, str(path)) from None
        raise


@contextlib.contextmanager
def staged_folder(final: Path) -> Iterator[Path]:
    """Yield a hidden temporary folder next to `final`; on success it is renamed to `final`, on any
    failure it is removed, along with a parent folder this created and left empty."""
    if final.exists():
        raise FileExistsError(final)
    created: list[Path] = []
    parent = final.parent
    while not parent.exists():
        created.append(parent)
        parent = parent.parent
    final.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{final.name}.", suffix=".tmp", dir=final.parent))
    try:
        yield stage
        os.rename(stage, final)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        for folder in created:
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise


def file_sha256(path: Path) -> str:
    """The file's SHA-256, read a mebibyte at a time."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def refuse_folder(path: Path, name: str) -> None:
    """A file to write that names a folder: refused before any work, with the file it could have been."""
    if path.is_dir():
        raise InputError(f"{path}: is a folder; give the file to write, e.g. {path / name}")
