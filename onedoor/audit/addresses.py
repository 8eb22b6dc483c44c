"""Where a request came from: the client's own address, even behind a trusted proxy.

The rate limits, the sign-in lockouts and the audit trail's "from where" all ask
`client_address`. It is REMOTE_ADDR, unless REMOTE_ADDR is one of `TRUSTED_PROXIES`. Then
X-Forwarded-For is read from the right, where each trusted proxy appended the address it
was sent from, past every trusted proxy, to the first address that is not one: the client.
Whatever lies left of that was written by the client and is never believed. An entry that
is not an address ends the walk, and REMOTE_ADDR is the answer: the proxy's, shared by
everyone behind it, but never an address the client chose.
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv6Address, ip_address

from django.conf import settings
from django.http import HttpRequest


def _parse(text: str) -> IPv4Address | IPv6Address | None:
    try:
        address = ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped  # ::ffff:10.0.0.1 is 10.0.0.1
    return address


def _trusted(address: IPv4Address | IPv6Address) -> bool:
    return any(address in network for network in settings.TRUSTED_PROXIES)


def client_address(request: HttpRequest) -> str | None:
    """The address of the client this request came from, or None if the server gave none."""
    remote = request.META.get("REMOTE_ADDR") or None
    peer = _parse(remote) if remote else None
    if peer is None or not _trusted(peer):
        return remote
    for entry in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        hop = _parse(entry)
        if hop is None:
            return remote
        if not _trusted(hop):
            return str(hop)
    return remote
