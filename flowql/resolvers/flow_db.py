"""Database helpers shared by the flow and project resolvers: folder ownership, endpoint names,
Langflow's naming policy, deleting flows with everything their runs left, commits."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, false, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from flowql.db.models import (
    File,
    Flow,
    Job,
    JobEvent,
    Message,
    Project,
    Span,
    Trace,
    Transaction,
    VertexBuild,
)
from flowql.errors import Conflict, NotFound
from flowql.resolvers.locks import KeyedLocks
from flowql.resolvers.users import default_project_id

#: Longest flow or project name (the columns are ``String(255)``).
NAME_MAX = 255

FLOW_NOT_FOUND = "Flow not found"
PROJECT_NOT_FOUND = "Project not found"

#: One lock per user while any of the user's flows or projects is named and stored (there is
#: no unique constraint on names; the server is one process). Entries vanish with their lock.
_naming_locks = KeyedLocks()


def naming_lock(user_id: uuid.UUID) -> asyncio.Lock:
    """The in-process lock serialising "choose a name (or check an id) + store" of one user's
    flows and projects: every create, batch, upload, upsert and rename path holds it from its
    first lookup to its commit, so two concurrent requests never pick the same name. Not
    re-entrant."""
    return _naming_locks.get(user_id)


async def resolve_folder(session: AsyncSession, user_id: uuid.UUID, folder_id: uuid.UUID | None) -> uuid.UUID:
    """``folder_id`` when it is one of the user's projects, else NotFound("Project not found");
    ``None`` → the user's default project."""
    if folder_id is None:
        return await default_project_id(session, user_id)
    found = await session.scalar(
        select(Project.id).where(Project.id == folder_id, Project.user_id == user_id)
    )
    if found is None:
        raise NotFound(PROJECT_NOT_FOUND)
    return found


async def ensure_endpoint_free(
    session: AsyncSession,
    user_id: uuid.UUID,
    endpoint_name: str | None,
    *,
    except_id: uuid.UUID | None = None,
) -> None:
    """Conflict (409) when another flow of the user already has ``endpoint_name``.

    Langflow renames the second one (``name-1``); FlowQL refuses (design.md "Deliberate
    differences").
    """
    if endpoint_name is None:
        return
    query = select(Flow.id).where(Flow.user_id == user_id, Flow.endpoint_name == endpoint_name)
    if except_id is not None:
        query = query.where(Flow.id != except_id)
    if await session.scalar(query) is not None:
        raise Conflict(f"Endpoint name '{endpoint_name}' is already used by another flow")


def integrity_error(exc: IntegrityError) -> Conflict | NotFound:
    """What a failed write means to the caller: a foreign key (the project was deleted
    meanwhile) NotFound("Project not found"); an ``endpoint_name`` clash or a taken id
    Conflict saying which."""
    text = str(exc.orig).lower()
    if "foreign key" in text:
        return NotFound(PROJECT_NOT_FOUND)
    if "endpoint_name" in text:
        return Conflict("A flow with these values already exists (endpoint_name in use)")
    return Conflict("An object with this id already exists")


async def flush_or_conflict(session: AsyncSession) -> None:
    """Flush; a failed write is rolled back and raised as :func:`integrity_error` says."""
    try:
        await session.flush()
    except IntegrityError as exc:
        await session.rollback()
        raise integrity_error(exc) from exc


async def commit_or_conflict(session: AsyncSession) -> None:
    """Commit; a uniqueness race (two writers, same endpoint_name or id) becomes Conflict, a
    project deleted meanwhile NotFound("Project not found"), an update of a flow deleted
    meanwhile NotFound("Flow not found")."""
    try:
        await session.commit()
    except StaleDataError as exc:  # the flow was deleted by a concurrent request
        await session.rollback()
        raise NotFound(FLOW_NOT_FOUND) from exc
    except IntegrityError as exc:
        await session.rollback()
        raise integrity_error(exc) from exc


_NUMBERED = re.compile(r"(.*) \((\d+)\)", re.DOTALL)

#: Names longer than this may be cut to fit a `` (N)`` suffix; their lookup uses this prefix.
_CUT_PREFIX = NAME_MAX - 24


def _suffixed(name: str, number: int) -> str:
    suffix = f" ({number})"
    return name[: NAME_MAX - len(suffix)] + suffix


def next_free_name(name: str, taken: Collection[str]) -> str:
    """Langflow's naming policy: ``name`` when nobody has it, else ``name (N)`` where N is one
    more than the highest ``name (k)`` in ``taken`` (1 when there is none). The base is cut so
    the result fits :data:`NAME_MAX` characters; a ``base (k)`` whose base is ``name`` cut that
    way counts too, so a long name never gets the same suffix twice."""
    if name not in taken:
        return name
    numbers = [
        int(m.group(2))
        for t in taken
        if (m := _NUMBERED.fullmatch(t)) and _suffixed(name, int(m.group(2))) == t
    ]
    number = max(numbers, default=0) + 1
    while _suffixed(name, number) in taken:
        number += 1
    return _suffixed(name, number)


async def _names_like(
    session: AsyncSession,
    model: type[Flow] | type[Project],
    user_id: uuid.UUID,
    name: str,
    except_id: uuid.UUID | None,
) -> set[str]:
    """The user's names of ``model`` equal to ``name`` or starting with ``name (`` (for a
    name that a suffix may cut: starting with its first :data:`_CUT_PREFIX` characters)."""
    prefix = name[:_CUT_PREFIX] if len(name) > _CUT_PREFIX else f"{name} ("
    query = select(model.name).where(
        model.user_id == user_id, (model.name == name) | model.name.startswith(prefix, autoescape=True)
    )
    if except_id is not None:
        query = query.where(model.id != except_id)
    return set(await session.scalars(query))


async def free_names(
    session: AsyncSession,
    model: type[Flow] | type[Project],
    user_id: uuid.UUID,
    names: Sequence[str],
    *,
    except_ids: Sequence[uuid.UUID | None] | None = None,
) -> list[str]:
    """The names to store for new (or renamed) flows or projects of a user, in order: each
    follows :func:`next_free_name` against the user's stored names and the names given to the
    earlier entries. ``except_ids[i]`` is the object entry ``i`` renames (its own name is free)."""
    given: list[str] = []
    for index, name in enumerate(names):
        except_id = except_ids[index] if except_ids is not None else None
        taken = await _names_like(session, model, user_id, name, except_id) | set(given)
        given.append(next_free_name(name, taken))
    return given


async def ensure_name_free(
    session: AsyncSession,
    model: type[Flow] | type[Project],
    user_id: uuid.UUID,
    name: str,
    *,
    except_id: uuid.UUID,
) -> None:
    """Conflict (409) when another of the user's flows (or projects, by ``model``) is already
    called ``name``: a rename never makes a duplicate (as Langflow)."""
    query = select(model.id).where(model.user_id == user_id, model.name == name, model.id != except_id)
    if await session.scalar(query.limit(1)) is not None:
        kind = "flow" if model is Flow else "project"
        raise Conflict(f"A {kind} with this name already exists")


async def hold_write_lock(session: AsyncSession) -> None:
    """On SQLite, take the database's write lock now, as ``BEGIN IMMEDIATE`` would: the reads
    that follow in ``session``'s transaction then see what it will change, and no other writer
    commits in between (the driver otherwise starts the transaction only at the first write,
    leaving earlier reads outside it). Elsewhere a no-op: callers lock rows with FOR UPDATE."""
    if session.get_bind().dialect.name == "sqlite":
        await session.execute(update(Flow).where(false()).values(name=Flow.name))


@dataclass
class DeletedFlows:
    """What :func:`delete_flows_with_runs` removed: how many flows, and the store keys of their
    v1 flow files (rows gone; the stored bytes are deleted after the commit)."""

    count: int
    file_keys: list[str]


async def delete_flows_with_runs(
    session: AsyncSession, user_id: uuid.UUID, flow_ids: Collection[uuid.UUID]
) -> DeletedFlows:
    """Delete those of ``flow_ids`` that are the user's, with their messages, vertex builds,
    transactions, traces (and spans), jobs (and job events) and v1 flow files' rows, in
    ``session``'s transaction (not committed). The foreign keys cascade too; the explicit
    deletes keep it so on a database that does not enforce them. The flows are read under the
    write lock (:func:`hold_write_lock`, row locks elsewhere), so the count and the file keys
    are exactly what this transaction deletes, even when other requests delete or move the
    same flows at the same time."""
    if not flow_ids:
        return DeletedFlows(0, [])
    await hold_write_lock(session)
    owned = select(Flow.id).where(Flow.id.in_(list(flow_ids)), Flow.user_id == user_id)
    ids = list(await session.scalars(owned.with_for_update()))
    if not ids:
        return DeletedFlows(0, [])
    file_keys = list(await session.scalars(select(File.path).where(File.flow_id.in_(ids))))
    traces = select(Trace.id).where(Trace.flow_id.in_(ids))
    jobs = select(Job.id).where(Job.flow_id.in_(ids))
    for statement in (
        delete(Message).where(Message.flow_id.in_(ids)),
        delete(VertexBuild).where(VertexBuild.flow_id.in_(ids)),
        delete(Transaction).where(Transaction.flow_id.in_(ids)),
        delete(Span).where(Span.trace_id.in_(traces)),
        delete(Trace).where(Trace.flow_id.in_(ids)),
        delete(JobEvent).where(JobEvent.job_id.in_(jobs)),
        delete(Job).where(Job.flow_id.in_(ids)),
        delete(File).where(File.flow_id.in_(ids)),
        delete(Flow).where(Flow.id.in_(ids)),
    ):
        await session.execute(statement)
    return DeletedFlows(len(ids), file_keys)
