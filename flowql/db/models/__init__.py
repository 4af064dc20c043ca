"""All tables; importing this package registers them on ``Base.metadata``."""

from flowql.db.models.accounts import ApiKey, RevokedToken, User
from flowql.db.models.files import File
from flowql.db.models.flows import Flow, Project
from flowql.db.models.jobs import Job, JobEvent
from flowql.db.models.mcp import McpServer
from flowql.db.models.monitor import Message, Transaction, VertexBuild
from flowql.db.models.traces import Span, Trace

__all__ = [
    "ApiKey",
    "File",
    "Flow",
    "Job",
    "JobEvent",
    "McpServer",
    "Message",
    "Project",
    "RevokedToken",
    "Span",
    "Trace",
    "Transaction",
    "User",
    "VertexBuild",
]
