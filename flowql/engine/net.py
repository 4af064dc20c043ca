"""The guarded HTTP fetcher of the URL and web-search components (design.md "Security rules
for components").

:func:`fetch` GETs one ``http``/``https`` URL with httpx and refuses to reach private,
loopback, link-local, multicast, reserved and unspecified addresses (IPv4, IPv6 and
IPv4-mapped / 6to4 / NAT64 IPv6 forms) unless the URL's host is in
``WebAccess.allowed_hosts`` (``FLOWQL_SSRF_ALLOWED_HOSTS``) or in the call's
``extra_allowed_hosts``.

How the check cannot be bypassed:

- it happens in the network backend (:class:`~flowql.engine.net_guard.GuardedBackend`), the
  one place every TCP connection is opened — the first request and every redirect hop alike;
- the backend resolves the host itself (``getaddrinfo``), checks *every* address it resolves
  to and then connects to one of those checked IP addresses, never to the name again, so DNS
  cannot answer differently between the check and the connection (no rebinding window); TLS
  still verifies the certificate against the URL's host name;
- the client ignores the environment (``trust_env=False``: no proxy variables, no netrc);
- redirects are followed by hand, at most :data:`MAX_REDIRECTS`, each to ``http``/``https``
  only, without reading the redirect bodies;
- bodies are read up to ``max_bytes`` (:data:`MAX_BODY_BYTES`) after content decoding
  (identity, gzip or deflate; decoded incrementally, so a compression bomb cannot expand
  past the cap), then the connection is dropped; the whole fetch, redirects included, must
  finish in ``timeout`` seconds.

Every failure (refused address, bad URL — anything httpx refuses, too long or not valid
Unicode included —, unreachable host, timeout, too many redirects, protocol error) raises
:class:`FetchError` whose message names the URL and the reason (storable text) and never
carries a stack trace or a server path; components turn it into a
:class:`~flowql.engine.tools.ToolError` for the model.
"""

from __future__ import annotations

import asyncio
import re
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import httpcore
import httpx

from flowql.engine.net_guard import FetchError, GuardedTransport
from flowql.engine.text import storable_text
from flowql.engine.types import WebAccess

#: Redirects followed at most per fetch.
MAX_REDIRECTS = 5
#: Bytes of (decoded) body read at most per response; the rest is never read.
MAX_BODY_BYTES = 2 * 1024 * 1024
#: Default seconds a whole fetch may take.
DEFAULT_TIMEOUT = 30.0
#: The only URL schemes fetched.
SCHEMES = ("http", "https")


_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")


@dataclass(frozen=True)
class FetchedPage:
    """A fetched response.

    ``url``: the final URL (after redirects); ``status``: its HTTP status; ``content_type``:
    the media type, lower case, without parameters (``"text/html"``; ``""`` when absent);
    ``content_type_header``: the raw header; ``body``: the (content-decoded) bytes read, at
    most ``max_bytes``; ``text``: ``body`` decoded with the response's charset (UTF-8 when
    none; undecodable bytes replaced); ``truncated``: the body was longer than ``max_bytes``.
    """

    url: str
    status: int
    content_type: str
    content_type_header: str
    body: bytes
    text: str
    truncated: bool = False


def normalize_url(text: str) -> str:
    """A URL as a component was given it, made fetchable: stripped; ``https://`` prepended when
    it has no ``scheme://`` (Langflow's ``ensure_url``). Raises FetchError naming the URL when
    it is empty, its scheme is not ``http``/``https``, or it has no host."""
    url = text.strip()
    if not url:
        raise FetchError("empty URL")
    match = _SCHEME.match(url)
    if match is None:
        url = "https://" + url.lstrip("/")
    parse_url(url)
    return url


def _invalid_url(url: object, exc: Exception) -> FetchError:
    """The FetchError for a URL httpx refuses (``httpx.InvalidURL``, a UnicodeError for text
    that is not valid Unicode, ``"URL component ... too long"``...), naming it and the reason."""
    if isinstance(exc, UnicodeError):
        reason = ": it is not valid Unicode text"
    elif "too long" in str(exc):
        reason = ": it is too long"
    else:
        reason = ""
    return FetchError(f"invalid URL '{_short(str(url))}'{reason}")


def parse_url(url: str | httpx.URL) -> httpx.URL:
    """``url`` parsed; FetchError naming it when it is malformed (anything httpx refuses, e.g.
    too long or not valid Unicode), not ``http``/``https`` or has no host."""
    try:
        parsed = httpx.URL(url) if isinstance(url, str) else url
        host = parsed.host  # decodes punycode: a bad A-label ("xn--") raises idna's UnicodeError
    except (httpx.InvalidURL, TypeError, ValueError) as exc:  # UnicodeError is a ValueError
        raise _invalid_url(url, exc) from exc
    if parsed.scheme not in SCHEMES:
        raise FetchError(f"invalid URL '{_short(str(url))}': only http and https URLs can be fetched")
    if not host:
        raise FetchError(f"invalid URL '{_short(str(url))}': no host")
    return parsed


def _short(text: str, limit: int = 200) -> str:
    """``text`` (a URL shown in a message) cut at ``limit`` characters, made storable (lone
    surrogates and NUL replaced), so the message can be stored and sent to a model."""
    return storable_text(text if len(text) <= limit else text[:limit] + "...")


def _media_type(header: str) -> str:
    return header.split(";", 1)[0].strip().lower()


class _Decompressor:
    """Incremental gzip / deflate decoding that never produces more than asked for, so a
    compressed bomb costs at most ``max_bytes`` of memory."""

    def __init__(self, encoding: str) -> None:
        wbits = 16 + zlib.MAX_WBITS if encoding in ("gzip", "x-gzip") else zlib.MAX_WBITS
        self._inner = zlib.decompressobj(wbits)
        self._deflate = encoding == "deflate"
        self._started = False

    def feed(self, data: bytes, limit: int) -> bytes:
        """Up to ``limit`` decoded bytes of ``data`` (the rest stays pending: :meth:`pending`)."""
        try:
            out = self._inner.decompress(data, limit)
        except zlib.error:
            if not (self._deflate and not self._started):
                raise
            self._inner = zlib.decompressobj(-zlib.MAX_WBITS)  # deflate sent without its zlib header
            out = self._inner.decompress(data, limit)
        self._started = True
        return out

    def pending(self) -> bytes:
        """Input not decoded yet because the last :meth:`feed` hit its limit."""
        return self._inner.unconsumed_tail


async def _read_capped(response: httpx.Response, max_bytes: int) -> tuple[bytes, bool]:
    """At most ``max_bytes`` of the body, content-decoded (identity, gzip or deflate), and
    whether there was more. Raises FetchError for another content encoding or a corrupt one."""
    codings = [c.strip().lower() for c in response.headers.get("content-encoding", "").split(",")]
    codings = [c for c in codings if c and c != "identity"]
    if len(codings) > 1 or (codings and codings[0] not in ("gzip", "x-gzip", "deflate")):
        raise FetchError(f"unsupported content encoding '{', '.join(codings)}'")
    decoder = _Decompressor(codings[0]) if codings else None
    body = bytearray()
    async for chunk in response.aiter_raw():
        if decoder is None:
            body += chunk
        else:
            data = chunk
            try:
                while data and len(body) <= max_bytes:
                    body += decoder.feed(data, max_bytes + 1 - len(body))
                    data = decoder.pending()
            except zlib.error as exc:
                raise FetchError(f"corrupt {codings[0]} body") from exc
        if len(body) > max_bytes:
            return bytes(body[:max_bytes]), True
    return bytes(body), False


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9._:-]+)""", re.IGNORECASE)


def _decode(body: bytes, charset: str | None, content_type: str) -> str:
    """``body`` as text: the header's charset, else (HTML) a ``<meta charset>`` near the top,
    else a BOM, else UTF-8; undecodable bytes replaced."""
    if not charset and content_type in ("text/html", "application/xhtml+xml", ""):
        found = _META_CHARSET.search(body[:4096])
        charset = found.group(1).decode("ascii") if found else None
    if not charset and body.startswith(b"\xef\xbb\xbf"):
        charset = "utf-8-sig"
    try:
        return body.decode(charset or "utf-8", errors="replace")
    except LookupError:
        return body.decode("utf-8", errors="replace")


async def fetch(
    url: str,
    web: WebAccess,
    *,
    timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109 - a budget enforced inside, like httpx's
    headers: Mapping[str, str] | None = None,
    params: Mapping[str, str] | None = None,
    follow_redirects: bool = True,
    extra_allowed_hosts: Iterable[str] = (),
    max_bytes: int = MAX_BODY_BYTES,
    backend: httpcore.AsyncNetworkBackend | None = None,
) -> FetchedPage:
    """GET ``url`` under the rules of the module docstring.

    - ``web``: the allowed hosts and the default ``User-Agent`` (``headers`` win over it).
    - ``timeout``: seconds for the whole fetch, redirects and body included (also each
      connect/read); must be > 0.
    - ``params``: query parameters merged into the URL's query.
    - ``follow_redirects``: follow up to :data:`MAX_REDIRECTS` redirects (off: the redirect
      response itself is the result).
    - ``extra_allowed_hosts``: hosts reachable for this call although private (an
      operator-configured endpoint); not for other hosts a redirect leads to.
    - ``max_bytes``: body bytes read at most (:attr:`FetchedPage.truncated` tells).
    - ``backend``: the network backend (tests); default a :class:`~flowql.engine.net_guard.GuardedBackend`.

    Returns the :class:`FetchedPage` of the final response whatever its status. Raises
    :class:`~flowql.engine.net_guard.FetchError` (``AddressRefused`` for a refused address).
    """
    target = parse_url(url)
    if params:
        try:
            target = target.copy_merge_params(dict(params))
        except (httpx.InvalidURL, TypeError, ValueError) as exc:
            raise _invalid_url(target, exc) from exc
    if timeout <= 0:
        raise FetchError("timeout must be more than 0 seconds")
    allowed = {*web.allowed_hosts, *extra_allowed_hosts}
    transport = GuardedTransport(allowed, backend=backend)
    client = httpx.AsyncClient(
        transport=transport,
        trust_env=False,
        follow_redirects=False,
        timeout=httpx.Timeout(timeout),
        headers={"User-Agent": web.user_agent, "Accept-Encoding": "gzip, deflate"},
    )
    shown = _short(str(target))
    try:
        async with client, asyncio.timeout(timeout):
            return await _fetch_with_redirects(client, target, headers, follow_redirects, max_bytes)
    except FetchError:
        raise
    except (TimeoutError, httpx.TimeoutException) as exc:
        raise FetchError(f"fetching {shown} timed out after {timeout:g} s") from exc
    except httpx.ConnectError as exc:
        raise FetchError(f"could not connect to {_short(target.host)}") from exc
    except httpx.HTTPError as exc:
        raise FetchError(f"fetching {shown} failed ({type(exc).__name__})") from exc
    except (httpx.InvalidURL, UnicodeError) as exc:  # e.g. a header value that is not ASCII
        raise FetchError(f"fetching {shown} failed: a URL or header could not be sent") from exc


async def _fetch_with_redirects(
    client: httpx.AsyncClient,
    target: httpx.URL,
    headers: Mapping[str, str] | None,
    follow_redirects: bool,
    max_bytes: int,
) -> FetchedPage:
    request = client.build_request("GET", target, headers=dict(headers or {}))
    for hop in range(MAX_REDIRECTS + 1):
        response = await client.send(request, stream=True)
        try:
            next_request = response.next_request if follow_redirects else None
            if next_request is not None:
                if hop == MAX_REDIRECTS:
                    raise FetchError(f"fetching {_short(str(target))}: more than {MAX_REDIRECTS} redirects")
                parse_url(next_request.url)
                request = next_request
                continue
            body, truncated = await _read_capped(response, max_bytes)
            header = response.headers.get("content-type", "")
            return FetchedPage(
                url=str(response.url),
                status=response.status_code,
                content_type=_media_type(header),
                content_type_header=header,
                body=body,
                text=_decode(body, response.charset_encoding, _media_type(header)),
                truncated=truncated,
            )
        finally:
            await response.aclose()
    raise FetchError(f"fetching {_short(str(target))}: more than {MAX_REDIRECTS} redirects")
