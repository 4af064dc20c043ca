"""The services a run gets from the resolver layer: a DB-backed message store and variables.

:class:`DbMessageStore` implements the engine's ``MessageStore`` protocol on the ``message``
table, scoped to one owner and one flow: a conversation is (owner, flow, session_id), so two
users using the same session string never see each other's messages.
"""

from __future__ import annotations

import dataclasses
import os
import uuid
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC

from sqlalchemy import Select, or_, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from flowql.db.models import Message
from flowql.engine import serialize_message
from flowql.engine.types import ChatMessage
from flowql.errors import NotFound
from flowql.logs import start_run_secrets
from flowql.resolvers.input_checks import check_text

#: Environment variables a flow may never read through ``load_from_db`` (server configuration
#: such as the secret key or the database URL).
BLOCKED_ENV_PREFIXES = ("FLOWQL_", "LANGFLOW_")


class DbMessageStore:
    """Stores chat messages as rows owned by ``user_id`` on flow ``flow_id``.

    ``add`` commits the row (one short transaction) before returning, so a run's messages are
    readable as soon as the run answers. The stored id is the message's id (a new UUID when the
    message's id is not one; the returned message then carries it).

    ``session_scope`` confines every read (``history``, ``search``) to that one session whatever
    the caller asks: a public build runs as the flow's owner, but its anonymous client must only
    ever read back its own conversation, never the owner's other sessions.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        user_id: uuid.UUID,
        flow_id: uuid.UUID,
        session_scope: str | None = None,
    ) -> None:
        self._sessions = sessions
        self._user_id = user_id
        self._flow_id = flow_id
        self._scope = session_scope

    async def add(self, message: ChatMessage) -> ChatMessage:
        """Persist ``message`` (``properties`` completed with Langflow's defaults) and return it.

        Raises InvalidInput naming a field the database cannot store (too long, NUL, lone
        surrogate), NotFound when the flow was deleted meanwhile, RuntimeError (with no SQL in
        it) for any other database failure."""
        try:
            message_id = uuid.UUID(message.id)
        except ValueError:
            message_id = uuid.uuid4()
            message = dataclasses.replace(message, id=str(message_id))
        row = Message(
            id=message_id,
            user_id=self._user_id,
            flow_id=self._flow_id,
            session_id=message.session_id,
            sender=message.sender,
            sender_name=message.sender_name,
            text=message.text,
            files=list(message.files),
            properties=serialize_message(message)["properties"],
            content_blocks=list(message.content_blocks),
            category=message.category,
            error=message.error,
            edit=message.edit,
            context_id=message.context_id,
            run_id=message.run_id,
            timestamp=message.timestamp,
        )
        for name, limit in (("session_id", 255), ("sender", 64), ("sender_name", 255), ("context_id", 255)):
            check_text(getattr(message, name), name, limit)
        check_text(message.text, "text")
        async with self._sessions() as session:
            session.add(row)
            try:
                await session.commit()
            except IntegrityError as exc:  # the flow was deleted while it ran
                raise NotFound("Flow not found") from exc
            except SQLAlchemyError:
                # Never let the statement or its parameters reach a client through the error.
                raise RuntimeError("the message could not be stored") from None
        return message

    async def history(self, session_id: str, limit: int) -> list[ChatMessage]:
        """The last ``limit`` messages of the session (this owner, this flow), oldest first;
        none outside ``session_scope``."""
        if self._scope is not None and session_id != self._scope:
            return []
        query = (
            select(Message)
            .where(
                Message.user_id == self._user_id,
                Message.flow_id == self._flow_id,
                Message.session_id == session_id,
            )
            .order_by(Message.timestamp.desc(), Message.id.desc())
            .limit(max(limit, 0))
        )
        async with self._sessions() as session:
            rows = list(await session.scalars(query))
        return [_to_chat_message(row) for row in reversed(rows)]

    def search_statement(
        self, terms: Sequence[str], *, session_id: str | None, exclude_run_id: str | None, limit: int
    ) -> Select[tuple[Message]]:
        """The SELECT behind :meth:`search` (exposed so tests can compile it per dialect)."""
        conditions = [Message.user_id == self._user_id, Message.flow_id == self._flow_id]
        if self._scope is not None:
            conditions.append(Message.session_id == self._scope)
        if session_id is not None:
            conditions.append(Message.session_id == session_id)
        if exclude_run_id:
            conditions.append(or_(Message.run_id.is_(None), Message.run_id != exclude_run_id))
        patterns = [f"%{escape_like(term)}%" for term in terms if term]
        if patterns:
            conditions.append(or_(*(Message.text.ilike(p, escape=LIKE_ESCAPE) for p in patterns)))
        return (
            select(Message)
            .where(*conditions)
            .order_by(Message.timestamp.desc(), Message.id.desc())
            .limit(max(limit, 0))
        )

    async def search(
        self, terms: Sequence[str], *, session_id: str | None, exclude_run_id: str | None, limit: int
    ) -> list[ChatMessage]:
        """Candidate memories for Langflow's ``MemoryBase`` (``retrieve_memory``): at most
        ``limit`` messages of this owner and flow, newest first, whose text contains any of
        ``terms`` (case-insensitive; LIKE wildcards in a term match literally; no text filter
        when ``terms`` is empty), of session ``session_id`` unless it is ``None``, never of run
        ``exclude_run_id``. Works on SQLite (``lower() LIKE``) and PostgreSQL (``ILIKE``)."""
        query = self.search_statement(
            terms, session_id=session_id, exclude_run_id=exclude_run_id, limit=limit
        )
        async with self._sessions() as session:
            rows = list(await session.scalars(query))
        return [_to_chat_message(row) for row in rows]


#: The escape character of :func:`escape_like` patterns (not a backslash, whose quoting in SQL
#: literals differs between SQLite and PostgreSQL settings).
LIKE_ESCAPE = "!"


def escape_like(term: str) -> str:
    """``term`` with LIKE's wildcards (``%``, ``_``) and the escape character escaped, for a
    pattern used with ``ESCAPE '!'``: ``50%`` → ``50!%``, ``a_b`` → ``a!_b``, ``!`` → ``!!``."""
    return (
        term.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2)
        .replace("%", LIKE_ESCAPE + "%")
        .replace("_", LIKE_ESCAPE + "_")
    )


def _to_chat_message(row: Message) -> ChatMessage:
    timestamp = row.timestamp if row.timestamp.tzinfo else row.timestamp.replace(tzinfo=UTC)
    return ChatMessage(
        text=row.text,
        sender=row.sender,
        sender_name=row.sender_name,
        session_id=row.session_id,
        flow_id=str(row.flow_id) if row.flow_id else "",
        run_id=row.run_id or "",
        id=str(row.id),
        timestamp=timestamp,
        files=list(row.files or []),
        properties=dict(row.properties or {}),
        content_blocks=list(row.content_blocks or []),
        category=row.category,
        context_id=row.context_id or "",
        error=row.error,
        edit=row.edit,
    )


class RunVariables(Mapping[str, str]):
    """``load_from_db`` variable lookup (design.md "Secrets and variables"): the request's
    ``X-LANGFLOW-GLOBAL-VAR-<NAME>`` headers first, then the environment variable ``<NAME>``,
    except server settings (``FLOWQL_*`` / ``LANGFLOW_*``), which flows never see. Every value
    looked up is redacted from the records this run logs (its context and the tasks started
    after construction) and from no other record: construction makes a new
    :class:`~flowql.logs.RunSecrets` the current context's (:func:`flowql.logs.start_run_secrets`),
    so build it before the engine starts its tasks."""

    def __init__(self, headers: Mapping[str, str]) -> None:
        self._headers = dict(headers)
        self._secrets = start_run_secrets()

    @staticmethod
    def _env_allowed(name: str) -> bool:
        return not name.upper().startswith(BLOCKED_ENV_PREFIXES)

    def __getitem__(self, name: str) -> str:
        if name in self._headers:
            value = self._headers[name]
        elif self._env_allowed(name) and name in os.environ:
            value = os.environ[name]
        else:
            raise KeyError(name)
        self._secrets.add(value)
        return value

    def __iter__(self) -> Iterator[str]:
        names = dict.fromkeys(self._headers)
        names.update(dict.fromkeys(n for n in os.environ if self._env_allowed(n)))
        return iter(names)

    def __len__(self) -> int:
        return sum(1 for _ in self)
