"""Where webhooks may be sent: public addresses only, unless the operator allows private ones.

Whoever holds a `webhooks:admin` token chooses the URL, and the app then POSTs to it from inside the
company's network: without a check that is server-side request forgery (the cloud's metadata service at
169.254.169.254, an internal admin page, the database port). A delivery is refused when the URL's host is,
or resolves to, an address that is not globally routable (loopback, private, link-local, multicast,
reserved), unless `WEBHOOK_PRIVATE_TARGETS` is on (a CRM on the company's own network). The check runs in
the resolver the connection uses, so a name that resolves differently at send time (DNS rebinding) is
caught too.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver


class PrivateTargetRefused(OSError):
    """The webhook's host is or resolves to a non-public address and private targets are not allowed."""


def is_public(address: str) -> bool:
    """Whether an IP address is globally routable (an IPv4-mapped IPv6 address is judged as IPv4)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_literal(host: str) -> None:
    """Refuse a host written as a non-public IP address (aiohttp does not resolve literals).

    Raises:
        PrivateTargetRefused: it is one.
    """
    try:
        ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return  # a name: the resolver checks what it resolves to
    if not is_public(host.strip("[]")):
        raise PrivateTargetRefused(f"{host} is not a public address")


class PublicOnlyResolver(AbstractResolver):
    """Resolves like aiohttp's default resolver, then refuses when any address is not public."""

    def __init__(self) -> None:
        self._resolver = DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        """The host's addresses, all public.

        Raises:
            PrivateTargetRefused: one of them is not.
        """
        found = await self._resolver.resolve(host, port, family)
        private = [r["host"] for r in found if not is_public(r["host"])]
        if private:
            raise PrivateTargetRefused(f"{host} resolves to {', '.join(private)}, which is not public")
        return found

    async def close(self) -> None:
        """Close the wrapped resolver."""
        await self._resolver.close()


def connector_options(private_targets: bool) -> dict[str, Any]:
    """What a webhook's client session is given: the checking resolver unless private targets are allowed."""
    return {} if private_targets else {"resolver": PublicOnlyResolver()}
