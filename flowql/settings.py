"""Server settings from ``FLOWQL_*`` environment variables (pydantic-settings).

See ../shared/design.md "Settings". ``LANGFLOW_*`` aliases are accepted for a few switches,
never for the database URL (FlowQL must not migrate a Langflow database).
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Annotated, Any

import platformdirs
from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


def _default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("flowql"))


class Settings(BaseSettings):
    """All knobs of one FlowQL process.

    ``auto_login`` ``None`` means "decide from the bind address" (on only for 127.0.0.1);
    ``resolved_auto_login`` gives the effective value. ``default_model`` is the model a model
    component calls when its ``model`` field is empty; ``model_timeout`` (seconds) and
    ``model_max_retries`` apply to every model call.
    """

    model_config = SettingsConfigDict(env_prefix="FLOWQL_", extra="ignore", populate_by_name=True)

    data_dir: Path = Field(default_factory=_default_data_dir)
    database_url: str | None = None
    auto_login: bool | None = Field(
        default=None, validation_alias=AliasChoices("FLOWQL_AUTO_LOGIN", "LANGFLOW_AUTO_LOGIN", "auto_login")
    )
    secret_key: str | None = None
    new_user_is_active: bool = Field(
        default=False,
        validation_alias=AliasChoices(
            "FLOWQL_NEW_USER_IS_ACTIVE", "LANGFLOW_NEW_USER_IS_ACTIVE", "new_user_is_active"
        ),
    )
    superuser: str = Field(
        default="langflow",
        validation_alias=AliasChoices("FLOWQL_SUPERUSER", "LANGFLOW_SUPERUSER", "superuser"),
    )
    # MB; at most 2047 so that every file's size fits GraphQL's 32-bit Int (File.size).
    max_file_size_upload: int = Field(default=100, le=2047)
    webhook_auth: bool = True
    allowed_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    max_run_steps: int = 1000
    default_model: str = "gpt-4o-mini"
    model_timeout: float = 120.0
    model_max_retries: int = 2
    ssrf_allowed_hosts: Annotated[list[str], NoDecode] = Field(default_factory=list)
    web_search_url: str = "https://html.duckduckgo.com/html/"
    news_search_url: str = "https://news.google.com/rss/search"
    #: Databases the SQL component may open (exact URLs; comma-separated or a JSON list).
    sql_allowed_urls: Annotated[list[str], NoDecode] = Field(default_factory=list)
    #: Whether the SQL component may run statements that write (default: read-only).
    sql_allow_writes: bool = False
    arxiv_url: str = "https://export.arxiv.org/api/query"
    #: Limits of the data and control-flow components; beyond one, the vertex fails with a
    #: component error naming it. Seconds an If-Else ``regex`` may take to match:
    regex_timeout_seconds: float = Field(default=1.0, gt=0)
    #: Seconds one SQL component query may run (then it is interrupted).
    sql_timeout_seconds: float = Field(default=30.0, gt=0)
    #: Characters the File component may read from one file (text or extracted PDF text).
    file_max_chars: int = Field(default=2_000_000, ge=1)
    #: Pages and seconds of PDF text extraction per file.
    pdf_max_pages: int = Field(default=500, ge=1)
    pdf_timeout_seconds: float = Field(default=30.0, gt=0)
    #: Chunks and total characters Split Text may produce.
    split_max_chunks: int = Field(default=10_000, ge=1)
    split_max_chars: int = Field(default=10_000_000, ge=1)
    #: Characters one output of any vertex may hold (a Parser's or Prompt's text, a SQL result).
    max_output_chars: int = Field(default=10_000_000, ge=1)
    #: Megabytes of address space a PDF extraction child process may use (POSIX).
    pdf_max_memory_mb: int = Field(default=1024, ge=16)
    graphql_max_depth: int = 12
    graphql_max_aliases: int = 30
    #: Folder of extra starter projects (``*.json`` flow exports) served after FlowQL's own.
    starter_projects_dir: Path | None = None
    #: Folder of flow files (``*.json``) that ``POST /api/v1/agentic/execute/{flow_name}`` runs,
    #: indexed by file stem; unset: the assistant endpoints answer 404 naming this setting.
    agentic_flows_dir: Path | None = None
    #: The entry of that folder's index that ``/api/v1/agentic/assist`` runs (a file stem).
    assistant_flow: str | None = None
    #: Level of FlowQL's and uvicorn's loggers; records kept in the ``/logs`` ring buffer.
    log_level: str = "INFO"
    log_buffer_size: int = Field(default=10_000, ge=1, le=1_000_000)
    #: Where ``POST /api/v1/mcp/project/{id}/install`` writes MCP client configs (one fixed
    #: subfolder per client); default ``data_dir/mcp_clients``.
    mcp_config_dir: Path | None = None
    #: The URL clients reach FlowQL at (``FLOWQL_PUBLIC_URL``, e.g. ``https://flowql.example``):
    #: the base of the MCP URLs that ``composer-url`` answers and ``install`` writes; default
    #: ``http://{host}:{port}``. Never taken from a request's Host header.
    public_url: str | None = None
    access_token_minutes: int = 60
    refresh_token_minutes: int = 60 * 24 * 7
    host: str = "127.0.0.1"
    port: int = 7860

    @field_validator("allowed_origins", "ssrf_allowed_hosts", "sql_allowed_urls", mode="before")
    @classmethod
    def _split_list(cls, value: Any) -> Any:
        """``FLOWQL_ALLOWED_ORIGINS`` and ``FLOWQL_SSRF_ALLOWED_HOSTS`` (host names or IP
        literals the URL fetcher may reach although private) are comma-separated; a JSON list is
        accepted too."""
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    @property
    def resolved_auto_login(self) -> bool:
        """Auto-login as configured, else on only when bound to 127.0.0.1."""
        if self.auto_login is not None:
            return self.auto_login
        return self.host == "127.0.0.1"

    @property
    def resolved_database_url(self) -> str:
        """The SQLAlchemy async URL: ``sqlite:///`` is upgraded to aiosqlite; default a file in data_dir."""
        url = self.database_url or f"sqlite+aiosqlite:///{self.data_dir / 'flowql.db'}"
        if url.startswith("sqlite://"):
            url = "sqlite+aiosqlite://" + url[len("sqlite://") :]
        elif url.startswith("postgresql://") or url.startswith("postgres://"):
            url = "postgresql+asyncpg://" + url.split("://", 1)[1]
        return url

    @property
    def resolved_mcp_config_dir(self) -> Path:
        """The folder MCP client configs are installed under: ``mcp_config_dir`` or
        ``data_dir/mcp_clients``."""
        return self.mcp_config_dir or self.data_dir / "mcp_clients"

    @property
    def resolved_public_url(self) -> str:
        """``public_url`` without a trailing ``/``, else ``http://{host}:{port}`` — with
        ``127.0.0.1`` for a wildcard host (``0.0.0.0``, ``::``, empty), which no client can
        connect to: set ``FLOWQL_PUBLIC_URL`` when clients reach the server by another name."""
        wildcard = self.host in ("0.0.0.0", "::", "[::]", "")  # noqa: S104 (compared, never bound)
        host = "127.0.0.1" if wildcard else self.host
        return (self.public_url or f"http://{host}:{self.port}").rstrip("/")

    def resolved_secret_key(self) -> str:
        """The JWT signing key: configured, else generated once and kept in ``data_dir/secret_key``."""
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / "secret_key"
        if path.exists():
            return path.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.write_text(key)
        path.chmod(0o600)
        self.secret_key = key
        return key
