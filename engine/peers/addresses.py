"""Where a webhook may point (docs/integration.md): https outside development, and a host whose
every address is public, in every environment. Only a development or test deployment that says
so (`MOTCUA_WEBHOOK_ALLOW_PRIVATE`, engine.settings) may reach this machine or its network, e.g.
a local receiver. An IPv6 address carrying an IPv4 one (mapped, 6to4, Teredo, NAT64) is judged by
the IPv4 address it leads to. The check runs at registration and again at each delivery, and the
delivery connects to the address it checked, so a name that later resolves to an internal
address (DNS rebinding) reaches nothing inside. Resolution is bounded in time."""

from __future__ import annotations

import ipaddress
import socket
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from urllib.parse import SplitResult, urlsplit

from engine.settings import DEVELOPMENT_ENVS

#: Environments where a webhook may be plain http (tests, a laptop).
LENIENT_ENVS = DEVELOPMENT_ENVS
RESOLVE_TIMEOUT_SECONDS = 2.0
MAX_URL_CHARS = 500

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
#: getaddrinfo cannot be cancelled: it runs here, and the caller stops waiting at the timeout.
_RESOLVER = ThreadPoolExecutor(max_workers=4, thread_name_prefix="resolve")


#: The well-known NAT64 prefix (RFC 6052): the last 32 bits are the IPv4 address reached.
NAT64_PREFIX = ipaddress.IPv6Network("64:ff9b::/96")


class AddressError(ValueError):
    """The URL or the addresses its host resolves to are not allowed (the message says why)."""


class UnresolvedError(AddressError):
    """The host has no address now (it may have one later: judged again at each delivery)."""


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
    host: str, port: int, *, private_allowed: bool, timeout: float = RESOLVE_TIMEOUT_SECONDS
) -> list[IpAddress]:
    """The host's addresses, every one public unless `private_allowed` (else AddressError;
    UnresolvedError when it has none)."""
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        addresses = _lookup(host, port, timeout)
    if not private_allowed:
        for address in addresses:
            if not is_public(address):
                raise AddressError(f"{host} resolves to a non-public address ({address})")
    return addresses


def is_public(address: IpAddress) -> bool:
    """Not loopback, private, link-local, multicast, reserved or unspecified. An IPv6 address
    that carries an IPv4 one is public when the IPv4 address(es) it leads to are: 2002::/16
    (6to4) may relay to 127.0.0.1 and 2001::/32 (Teredo) to a private client, whatever
    Python's own view of the IPv6 prefix."""
    if isinstance(address, ipaddress.IPv6Address):
        carried = embedded_ipv4(address)
        if carried:
            return all(_is_public(inner) for inner in carried)
    return _is_public(address)


def embedded_ipv4(address: ipaddress.IPv6Address) -> tuple[ipaddress.IPv4Address, ...]:
    """The IPv4 addresses an IPv6 address leads to: IPv4-mapped (::ffff:0:0/96), NAT64
    (64:ff9b::/96), 6to4 (2002::/16, the relay's target) and Teredo (2001::/32: its server and
    its client); none for any other address."""
    if address.ipv4_mapped is not None:
        return (address.ipv4_mapped,)
    if address in NAT64_PREFIX:
        return (ipaddress.IPv4Address(int(address) & 0xFFFFFFFF),)
    if address.sixtofour is not None:
        return (address.sixtofour,)
    if address.teredo is not None:
        return address.teredo
    return ()


def _is_public(address: IpAddress) -> bool:
    # Python counts the deprecated IPv6 site-local range (fec0::/10) as global.
    site_local = isinstance(address, ipaddress.IPv6Address) and address.is_site_local
    return address.is_global and not (
        site_local
        or address.is_loopback
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
        raise UnresolvedError(f"{host} did not resolve within {timeout:g} s") from None
    except OSError as exc:
        raise UnresolvedError(f"{host} does not resolve: {exc.strerror or exc}") from None
    found: list[IpAddress] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        address = ipaddress.ip_address(str(sockaddr[0]).partition("%")[0])
        if address not in found:
            found.append(address)
    if not found:
        raise UnresolvedError(f"{host} has no address")
    return found
