"""The network settings a run's URL and web-search components get
(``EngineServices.web``), from Settings (design.md "Settings", "Security rules for
components")."""

from __future__ import annotations

from flowql.engine.net_guard import normalize_host
from flowql.engine.types import WebAccess
from flowql.settings import Settings


def web_access(settings: Settings) -> WebAccess:
    """``FLOWQL_SSRF_ALLOWED_HOSTS`` (normalised: lower case, no IPv6 brackets, empty entries
    dropped), ``FLOWQL_WEB_SEARCH_URL`` and ``FLOWQL_NEWS_SEARCH_URL`` from ``settings``."""
    hosts = frozenset(normalize_host(h) for h in settings.ssrf_allowed_hosts if h.strip())
    return WebAccess(
        allowed_hosts=hosts,
        web_search_url=settings.web_search_url.strip(),
        news_search_url=settings.news_search_url.strip(),
    )
