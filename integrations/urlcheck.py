"""Which webhook URLs we may call: http(s) only, and no internal addresses unless allowed."""
from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings

from config.exceptions import InvalidInput


def url_check(*, url: str) -> str:
    """The URL if we may send to it; InvalidInput (400 `url_not_allowed`) saying why if not.

    The host is resolved: a name that points at loopback, link-local or private space is refused
    like the address itself (WEBHOOK_ALLOW_PRIVATE_URLS lifts this, for tests and closed networks).
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise InvalidInput(f"Not a valid URL: {exc}.", code="url_not_allowed") from exc
    if parts.scheme not in ("http", "https"):
        raise InvalidInput("Only http and https URLs are allowed.", code="url_not_allowed")
    if not parts.hostname:
        raise InvalidInput("The URL has no host.", code="url_not_allowed")
    if port == 0:
        raise InvalidInput("Port 0 is not a port a server listens on.", code="url_not_allowed")
    if parts.username or parts.password:
        raise InvalidInput("Credentials in the URL are not allowed.", code="url_not_allowed")
    if settings.WEBHOOK_ALLOW_PRIVATE_URLS:
        return url
    try:
        infos = socket.getaddrinfo(parts.hostname, port or (443 if parts.scheme == "https" else 80),
                                   type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise InvalidInput(f"The host {parts.hostname} does not resolve.",
                           code="url_not_allowed") from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if _internal(address):
            raise InvalidInput(f"The host {parts.hostname} resolves to {address}, an internal "
                               "address; webhooks go to public addresses only.",
                               code="url_not_allowed")
    return url


# NAT64's well-known prefix: the last 32 bits are an IPv4 address a NAT64 gateway calls.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _internal(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Anything but a public unicast address (shared CGNAT space such as 100.64.0.0/10, where
    some clouds keep their metadata service, included), also when an IPv6 form carries an
    internal IPv4 address: mapped, 6to4 (2002::/16), Teredo, NAT64."""
    if address.version == 6:
        carried = [address.ipv4_mapped, address.sixtofour, *(address.teredo or ())]
        if address in _NAT64:
            carried.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
        if any(inner is not None and _internal(inner) for inner in carried):
            return True
    return (not address.is_global or address.is_loopback or address.is_link_local
            or address.is_private or address.is_multicast or address.is_reserved
            or address.is_unspecified)
