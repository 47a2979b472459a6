"""Where a webhook may point (docs/integration.md): https outside development, and in production
only a host whose every address is public. The check runs at registration and again at each
delivery, and the delivery connects to the address it checked, so a name that later resolves
to an internal address (DNS rebinding) reaches nothing inside. Resolution is bounded in time."""

from __future__ import annotations

import ipaddress
import socket
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from urllib.parse import SplitResult, urlsplit

#: Environments where a webhook may be plain http and point at this machine (tests, a laptop).
LENIENT_ENVS = frozenset({"development", "test"})
RESOLVE_TIMEOUT_SECONDS = 2.0
MAX_URL_CHARS = 500

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
#: getaddrinfo cannot be cancelled: it runs here, and the caller stops waiting at the timeout.
_RESOLVER = ThreadPoolExecutor(max_workers=4, thread_name_prefix="resolve")


class AddressError(ValueError):
    """The URL or the addresses its host resolves to are not allowed (the message says why)."""


def check_url(url: str, *, env: str) -> SplitResult:
    """The URL's parts if its form is allowed in `env` (no resolution)."""
    if len(url) > MAX_URL_CHARS:
        raise AddressError(f"at most {MAX_URL_CHARS} characters")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError as exc:
        raise AddressError(f"not a URL: {exc}") from exc
    allowed = ("https", "http") if env in LENIENT_ENVS else ("https",)
    if parts.scheme not in allowed:
        raise AddressError("must start with " + " or ".join(f"{s}://" for s in allowed))
    if not parts.hostname:
        raise AddressError("has no host")
    if parts.username or parts.password:
        raise AddressError("must not carry a user name or password")
    if parts.fragment:
        raise AddressError("must not have a #fragment")
    return parts


def resolve(
    host: str, port: int, *, production: bool, timeout: float = RESOLVE_TIMEOUT_SECONDS
) -> list[IpAddress]:
    """The host's addresses, every one public in production (else AddressError)."""
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        addresses = _lookup(host, port, timeout)
    if production:
        for address in addresses:
            if not is_public(address):
                raise AddressError(f"{host} resolves to a non-public address ({address})")
    return addresses


def is_public(address: IpAddress) -> bool:
    """Not loopback, private, link-local, multicast, reserved or unspecified (nor such an
    IPv4 address mapped into IPv6)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def _lookup(host: str, port: int, timeout: float) -> list[IpAddress]:
    future = _RESOLVER.submit(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
    try:
        infos = future.result(timeout=timeout)
    except FutureTimeout:
        raise AddressError(f"{host} did not resolve within {timeout:g} s") from None
    except OSError as exc:
        raise AddressError(f"{host} does not resolve: {exc.strerror or exc}") from None
    found: list[IpAddress] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        address = ipaddress.ip_address(str(sockaddr[0]).partition("%")[0])
        if address not in found:
            found.append(address)
    if not found:
        raise AddressError(f"{host} has no address")
    return found
