"""Database helpers shared by the flow resolvers: folder ownership, endpoint names, commits."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from flowql.db.models import Flow, Project
from flowql.errors import Conflict, NotFound
from flowql.resolvers.users import default_project_id

FLOW_NOT_FOUND = "Flow not found"
PROJECT_NOT_FOUND = "Project not found"


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


async def commit_or_conflict(session: AsyncSession) -> None:
    """Commit; a uniqueness race (two writers, same endpoint_name or id) becomes Conflict, an
    update of a flow deleted meanwhile NotFound("Flow not found")."""
    try:
        await session.commit()
    except StaleDataError as exc:  # the flow was deleted by a concurrent request
        await session.rollback()
        raise NotFound(FLOW_NOT_FOUND) from exc
    except IntegrityError as exc:
        await session.rollback()
        raise Conflict("A flow with these values already exists (endpoint_name in use)") from exc
