"""The engine services of the data components: the :class:`~flowql.engine.types.FileStore`
over the user file store (``EngineServices.files``: what the File component reads and Save to
File writes, always the run owner's files; no filesystem path is built from a flow's value) and
the :class:`~flowql.engine.types.DataAccess` of the SQL and arXiv components, from Settings."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable

from flowql.auth.principal import Principal
from flowql.context import Context
from flowql.engine.types import DataAccess, StoredFile
from flowql.resolvers.files import read_file_bytes, resolve_file, save_file
from flowql.settings import Settings


class EngineFiles:
    """The files of user ``user_id``, through :mod:`flowql.resolvers.files` with a context
    whose principal is that user (a public build reads the flow owner's files)."""

    def __init__(self, ctx: Context, user_id: uuid.UUID) -> None:
        principal = Principal(user_id=user_id, username="", is_superuser=False, via="local")
        self._ctx = dataclasses.replace(ctx, principal=principal)

    async def read(self, ref: str) -> StoredFile:
        """The owner's file ``ref`` (id, store key or stored name; see
        :func:`~flowql.resolvers.files.resolve_file`): its stored name (with extension) and
        bytes. Raises NotFound("File not found")."""
        file = await resolve_file(self._ctx, ref)
        data = await read_file_bytes(self._ctx, str(file.id))
        stored_name = file.path.rsplit("/", 1)[-1]
        return StoredFile(name=stored_name, data=data)

    async def save(
        self, name: str, data: bytes, *, append: bool = False, merge: Callable[[bytes], bytes] | None = None
    ) -> str:
        """Store ``data`` as the owner's file ``name`` (see
        :func:`~flowql.resolvers.files.save_file`, ``merge`` included); returns the name it was
        stored under: the file's name and the extension of its store key. Raises TooLarge."""
        file = await save_file(self._ctx, name=name, data=data, append=append, merge=merge)
        stored = file.path.rsplit("/", 1)[-1]
        suffix = stored.rsplit(".", 1)[-1] if "." in stored else ""
        return f"{file.name}.{suffix}" if suffix else file.name


def engine_files(ctx: Context, user_id: uuid.UUID) -> EngineFiles:
    """The file store of a run owned by ``user_id``."""
    return EngineFiles(ctx, user_id)


def data_access(settings: Settings) -> DataAccess:
    """``FLOWQL_SQL_ALLOWED_URLS`` (blank entries dropped), ``FLOWQL_SQL_ALLOW_WRITES``,
    ``FLOWQL_ARXIV_URL`` and the data components' limits from ``settings``."""
    return DataAccess(
        sql_allowed_urls=frozenset(u.strip() for u in settings.sql_allowed_urls if u.strip()),
        sql_allow_writes=settings.sql_allow_writes,
        arxiv_url=settings.arxiv_url.strip(),
        regex_timeout_seconds=settings.regex_timeout_seconds,
        sql_timeout_seconds=settings.sql_timeout_seconds,
        file_max_chars=settings.file_max_chars,
        pdf_max_pages=settings.pdf_max_pages,
        pdf_timeout_seconds=settings.pdf_timeout_seconds,
        split_max_chunks=settings.split_max_chunks,
        split_max_chars=settings.split_max_chars,
        max_output_chars=settings.max_output_chars,
        pdf_max_memory_mb=settings.pdf_max_memory_mb,
    )
