"""Alembic environment: runs on the connection handed over by ``flowql.db.migrate``."""

from __future__ import annotations

from alembic import context

import flowql.db.models  # noqa: F401  (registers the tables)
from flowql.db.base import Base

target_metadata = Base.metadata
connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `flowql migrate`")
context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
