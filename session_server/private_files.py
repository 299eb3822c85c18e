"""Files only the hub's own user may read: the data directory, the log, documents, tokens, cards."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

PRIVATE_UMASK = 0o077
"""New files 0600 and directories 0700, whatever umask the operator's shell had."""


def restrict_new_files() -> None:
    """Every file this process (and the workers it starts later) creates is its owner's alone.

    Set once at start, before any file or worker exists: the database, its WAL, stored
    PDFs (the personnel plan among them), renders and exports then never pass through a
    moment of being readable by other users of the machine.
    """
    os.umask(PRIVATE_UMASK)


def private_directory(path: Path) -> Path:
    """Create `path` if needed and make it 0700, also when it already existed wider."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


def tighten(path: Path) -> None:
    """Make an existing file 0600 (one a wider umask or an older release left readable)."""
    with contextlib.suppress(FileNotFoundError):
        path.chmod(0o600)


def write_private(path: Path, data: bytes) -> None:
    """Write `data` to `path` as a new 0600 file, replacing any older one atomically.

    Writing over an existing file would keep that file's mode: a cards sheet written over
    a 0644 one stayed readable by everyone, with every delegate's token in it.
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        # fchmod too: a leftover temporary from a crash kept its own mode.
        os.fchmod(descriptor, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
