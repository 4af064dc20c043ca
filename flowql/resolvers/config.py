"""Server configuration and version, as Langflow's UI and clients read them.

Mirrors ``GET /api/v1/config`` (``ConfigResponse`` for a caller with credentials,
``PublicConfigResponse`` without) and ``GET /api/v1/version``. Values FlowQL really has come
from its settings; the rest are fixed answers describing what FlowQL does (no custom component
code, no voice mode, no local vector store, no assistant).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flowql import __version__
from flowql.context import Context
from flowql.resolvers.users import DEFAULT_PROJECT_NAME

PACKAGE_NAME = "FlowQL"


@dataclass(frozen=True)
class VersionInfo:
    """Langflow's ``/api/v1/version`` answer: FlowQL's own version and package name."""

    version: str
    main_version: str
    package: str


def get_version(_ctx: Context | None = None) -> VersionInfo:
    """The server's version (Langflow ``GET /api/v1/version``, GraphQL ``version``); public."""
    return VersionInfo(version=__version__, main_version=__version__, package=PACKAGE_NAME)


def _public_config(ctx: Context) -> dict[str, Any]:
    return {
        "feature_flags": {
            "wxo_deployments": False,
            "mvp_components": False,
            "instance_migration": False,
            "data_subject_requests": False,
        },
        "max_file_size_upload": ctx.settings.max_file_size_upload,  # MB
        "event_delivery": "streaming",
        "voice_mode_available": False,
        "frontend_timeout": 0,
        "mcp_base_url": "",
        "enable_extension_reload": False,
        "authz_enabled": False,
        "catalog_governance_enabled": False,
        "substitute_outdated_component_code": True,
        "type": "public",
        # FlowQL never runs the ``code`` inside a flow: components are native implementations.
        "allow_custom_components": False,
    }


def get_config(ctx: Context) -> dict[str, Any]:
    """The configuration (Langflow ``GET /api/v1/config``, GraphQL ``config``): the full
    ``ConfigResponse`` (``"type": "full"``) when ``ctx`` has a principal, else only the
    ``PublicConfigResponse`` keys (``"type": "public"``). Never raises.

    ``max_file_size_upload`` is ``FLOWQL_MAX_FILE_SIZE_UPLOAD`` (MB), ``webhook_auth_enable``
    is ``FLOWQL_WEBHOOK_AUTH`` and ``default_folder_name`` the default project's name.
    """
    config = _public_config(ctx)
    if ctx.principal is None:
        return config
    config.update(
        {
            "type": "full",
            "serialization_max_items_length": 1000,
            "serialization_max_text_length": 6000,
            "auto_saving": True,
            "auto_saving_interval": 5000,  # ms
            "health_check_max_retries": 5,
            "webhook_polling_interval": 0,
            "public_flow_cleanup_interval": 3600,  # s
            "public_flow_expiration": 86400,  # s
            "webhook_auth_enable": ctx.settings.webhook_auth,
            "default_folder_name": DEFAULT_PROJECT_NAME,
            "hide_getting_started_progress": False,
            "embedded_mode": False,
            "hide_logout_button": False,
            "hide_new_project_button": False,
            "hide_new_flow_button": False,
            "hide_starter_projects": False,
            "mcp_servers_locked": False,
            "custom_component_admin_only": False,
            "a2a_enabled": False,
            "agentic_experience": False,
            "assistant_max_message_length": 2000,
            "local_vector_store_available": False,
            "default_vector_store_backend": "sqlite",
            "configured_vector_store_backends": [],
            "blocked_component_types": [],
        }
    )
    return config
