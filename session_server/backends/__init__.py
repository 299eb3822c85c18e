"""Durable room logs behind one interface, chosen by URL: SQLite (the default) or Redis."""

from __future__ import annotations

from pathlib import Path

from .base import Backend


async def open_backend(url: str | None, data_dir: Path) -> Backend:
    """The backend named by `url`; with none, the embedded SQLite file in `data_dir`."""
    if url is None or url in ("", "sqlite:", "sqlite://"):
        from .sqlite import SQLiteBackend

        return await SQLiteBackend.open(data_dir / "congress.db")
    if url.startswith("sqlite:///"):
        from .sqlite import SQLiteBackend

        return await SQLiteBackend.open(Path(url.removeprefix("sqlite://")))
    if url.startswith(("redis://", "rediss://", "unix://", "redis+sentinel://")):
        from .redis import RedisBackend

        return await RedisBackend.open(url)
    scheme = url.split(":", 1)[0]
    raise ValueError(
        f"unsupported backend {scheme!r}: use sqlite:///PATH, redis://HOST:PORT/DB "
        "or redis+sentinel://HOST:PORT/SERVICE"
    )
