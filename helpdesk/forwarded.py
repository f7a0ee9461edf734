"""The visitor's own address behind the load balancer: X-Forwarded-For, believed only from trusted proxies.

Every per-address limit (new web chat sessions, admin login attempts, portal sign-in links) keys on
`request.remote`. Behind docker-compose's HAProxy that is the balancer's address for every visitor, so one
script that spent the allowance of new web chat sessions (10 a minute) shut the widget for everyone, and
five wrong admin passwords slowed every other address's sign-in. With `TRUSTED_PROXIES` set, a request
whose peer is one of them has `remote` replaced by the address its proxies saw: the right-most entry of
X-Forwarded-For that is not itself a trusted proxy. Entries left of it were written by the visitor (or their
own proxies) and prove nothing, so they are never used. A malformed header, or one from a peer that is not
trusted, changes nothing.

aiohttp-remotes' `XForwardedStrict` was the library candidate; it refuses (400) any request whose chain
has a different length than configured, which would break visitors behind a proxy of their own and the
balancer's own health checks, which come without the header.
"""

from __future__ import annotations

from collections.abc import Sequence
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

Network = IPv4Network | IPv6Network
MAX_HOPS = 16  # entries of X-Forwarded-For looked at, from the right; a longer header is cut, not parsed


def parse_trusted(value: str) -> tuple[Network, ...]:
    """The networks of `TRUSTED_PROXIES` ("10.0.0.0/8, 172.16.0.0/12, 192.0.2.7"); ValueError says what to write."""
    networks = []
    for item in (part.strip() for part in value.split(",")):
        if not item:
            continue
        try:
            networks.append(ip_network(item, strict=False))
        except ValueError:
            raise ValueError(
                f"{item!r} is not an IP address or network; write addresses or CIDR networks separated by "
                "commas, e.g. 172.16.0.0/12,10.0.0.0/8"
            ) from None
    return tuple(networks)


def _address(text: str) -> IPv4Address | IPv6Address | None:
    try:
        return ip_address(text.strip().strip("[]"))
    except ValueError:
        return None


def visitor_address(peer: str | None, forwarded_for: Sequence[str], trusted: Sequence[Network]) -> str | None:
    """The address a request came from: `peer`, or, when `peer` is a trusted proxy, the right-most address
    of X-Forwarded-For (every header line, in order) that is not a trusted proxy."""
    peer_ip = _address(peer or "")
    if peer_ip is None or not trusted or not any(peer_ip in net for net in trusted):
        return peer
    hops = [part for line in forwarded_for for part in line.split(",")][-MAX_HOPS:]
    found: str | None = peer
    for text in reversed(hops):
        hop = _address(text)
        if hop is None:
            return found  # a malformed entry: what is right of it is all the proxies vouch for
        found = str(hop)
        if not any(hop in net for net in trusted):
            return found
    return found


def forwarded_middleware(trusted: Sequence[Network]) -> Middleware:
    """An aiohttp middleware that sets `request.remote` to `visitor_address` (nothing to do without proxies)."""

    @web.middleware
    async def forwarded(request: web.Request, handler: Handler) -> web.StreamResponse:
        lines = request.headers.getall("X-Forwarded-For", [])
        if lines:
            remote = visitor_address(request.remote, lines, trusted)
            if remote is not None and remote != request.remote:
                request = request.clone(remote=remote)
        return await handler(request)

    return forwarded
