"""The address guard under the URL fetcher (:mod:`flowql.engine.net`): which addresses may be
reached, and the httpcore network backend / httpx transport that resolve a host, check every
address it resolves to and connect only to a checked one (design.md "Security rules for
components").

Private, loopback, link-local, multicast, reserved and unspecified addresses (IPv4, IPv6, and
IPv4 embedded in IPv6 as mapped / 6to4 / NAT64 forms) are refused unless the host is allowed
(``FLOWQL_SSRF_ALLOWED_HOSTS``); an allowed host is connected by name.
"""

from __future__ import annotations

import contextlib
import functools
import ipaddress
import socket
import ssl
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import anyio
import httpcore
import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
#: ``resolve(host, port)`` → the IP address texts the host name resolves to.
Resolver = Callable[[str, int], Awaitable[list[str]]]

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


class FetchError(Exception):
    """A fetch that did not give a response: bad URL, refused address, unreachable host,
    timeout, too many redirects or a protocol error. ``str(exc)`` is a one-line message fit
    for a user or a model (the URL and the reason; no stack, no server path)."""


class AddressRefused(FetchError):
    """The host resolves to an address the fetcher may not reach (private, loopback, ...)."""


def normalize_host(host: str) -> str:
    """A host name or IP literal as compared with the allowed hosts: stripped, lower case,
    without IPv6 brackets or a trailing dot (``"[::1]"`` → ``"::1"``)."""
    text = host.strip().lower()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    return text.rstrip(".")


def _reason(ip: IPAddress) -> str | None:
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if ip.is_reserved:
        return "reserved"
    if ip.is_private:
        return "private"
    if not ip.is_global:
        return "non-public"
    return None


def refusal_reason(address: str | IPAddress) -> str | None:
    """Why the fetcher may not connect to ``address`` (an IP address or its text), e.g.
    ``"loopback"`` or ``"private"``; ``None`` for a public address.

    An IPv6 address embedding an IPv4 one (IPv4-mapped ``::ffff:a.b.c.d``, 6to4 ``2002::/16``,
    NAT64 ``64:ff9b::/96``) is judged by the embedded address too. Raises ValueError for text
    that is not an IP address."""
    ip = ipaddress.ip_address(address.split("%", 1)[0] if isinstance(address, str) else address)
    if isinstance(ip, ipaddress.IPv6Address):
        embedded: ipaddress.IPv4Address | None = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            inner = _reason(embedded)
            if inner is not None:
                return f"{inner} (embedded in IPv6)"
    return _reason(ip)


def _article(word: str) -> str:
    """``"an"`` before a word starting with a vowel (``"an unspecified"``), else ``"a"``."""
    return "an" if word[:1].lower() in ("a", "e", "i", "o", "u") else "a"


async def resolve_host(host: str, port: int) -> list[str]:
    """The IP addresses ``host`` resolves to (``getaddrinfo``, TCP), in the resolver's order,
    without duplicates. An IP literal resolves to itself. Raises OSError when it does not
    resolve."""
    infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses: list[str] = []
    for info in infos:
        address = str(info[4][0])
        if address not in addresses:
            addresses.append(address)
    return addresses


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """An httpcore network backend that checks every TCP connection's addresses.

    ``connect_tcp(host, port)``: a ``host`` in ``allowed_hosts`` (compared by
    :func:`normalize_host`) is connected as given. Any other host is resolved with
    ``resolver`` (default :func:`resolve_host`); when any of its addresses has a
    :func:`refusal_reason` the connection is refused with :class:`AddressRefused`; otherwise
    ``inner`` (default httpcore's anyio backend) connects to the checked addresses in order
    until one answers. Resolution failures raise ``httpcore.ConnectError``, a resolution
    slower than ``timeout`` ``httpcore.ConnectTimeout``. Unix sockets are refused.
    """

    def __init__(
        self,
        allowed_hosts: Iterable[str] = (),
        *,
        inner: httpcore.AsyncNetworkBackend | None = None,
        resolver: Resolver | None = None,
    ) -> None:
        self.allowed_hosts = frozenset(normalize_host(h) for h in allowed_hosts)
        self._inner = inner or httpcore.AnyIOBackend()
        self._resolve = resolver or resolve_host

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's backend signature
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Resolve, check and connect (see the class docstring)."""
        options = list(socket_options) if socket_options is not None else None
        if normalize_host(host) in self.allowed_hosts:
            return await self._inner.connect_tcp(
                host, port, timeout=timeout, local_address=local_address, socket_options=options
            )
        try:
            with anyio.fail_after(timeout) if timeout else contextlib.nullcontext():
                addresses = await self._resolve(host, port)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"resolving {host} timed out") from exc
        except (OSError, UnicodeError) as exc:
            raise httpcore.ConnectError(f"cannot resolve host {host}") from exc
        if not addresses:
            raise httpcore.ConnectError(f"cannot resolve host {host}")
        for address in addresses:
            try:
                reason = refusal_reason(address)
            except ValueError:
                reason = "unrecognised"
            if reason is not None:
                where = host if normalize_host(host) == normalize_host(address) else f"{host} ({address})"
                raise AddressRefused(
                    f"{where} is {_article(reason)} {reason} address, which may not be fetched"
                )
        failure: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout=timeout, local_address=local_address, socket_options=options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's backend signature
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Never: the fetcher speaks TCP only."""
        raise AddressRefused("unix sockets may not be fetched")

    async def sleep(self, seconds: float) -> None:
        """Delegates to the inner backend."""
        await self._inner.sleep(seconds)


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """The verifying TLS context (certifi's roots; the environment's SSL_* variables ignored)."""
    return httpx.create_ssl_context(trust_env=False)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport on a connection pool whose network backend is a
    :class:`GuardedBackend` (``backend``, default one for ``allowed_hosts``). No proxy, no
    environment, HTTP/1.1."""

    def __init__(
        self, allowed_hosts: Iterable[str] = (), *, backend: httpcore.AsyncNetworkBackend | None = None
    ) -> None:
        super().__init__(verify=_ssl_context(), trust_env=False)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=_ssl_context(),
            max_connections=10,
            max_keepalive_connections=5,
            http1=True,
            http2=False,
            network_backend=backend or GuardedBackend(allowed_hosts),
        )
