"""X-Forwarded-For names the visitor only when it comes from a trusted proxy, and only its right-most part."""

from __future__ import annotations

import pytest

from helpdesk.config_errors import ConfigError
from helpdesk.forwarded import parse_trusted, visitor_address
from helpdesk.settings import Settings, settings_error

LB = parse_trusted("172.31.240.10, 10.0.0.0/8")


@pytest.mark.parametrize(
    ("peer", "lines", "expected"),
    [
        # the balancer appended the visitor's address
        ("172.31.240.10", ["203.0.113.5"], "203.0.113.5"),
        # what the visitor wrote on the left is never believed
        ("172.31.240.10", ["6.6.6.6, 203.0.113.5"], "203.0.113.5"),
        ("172.31.240.10", ["6.6.6.6", "203.0.113.5"], "203.0.113.5"),  # as two header lines
        # two trusted hops: the first untrusted address from the right
        ("172.31.240.10", ["203.0.113.5, 10.1.2.3"], "203.0.113.5"),
        # a peer that is not a proxy: its header is the visitor's own words
        ("203.0.113.9", ["1.2.3.4"], "203.0.113.9"),
        # a malformed entry ends what the proxies vouch for
        ("172.31.240.10", ["1.2.3.4, not-an-ip, 10.1.2.3"], "10.1.2.3"),
        ("172.31.240.10", ["garbage"], "172.31.240.10"),
        ("172.31.240.10", [""], "172.31.240.10"),
        ("172.31.240.10", ["[2001:db8::1]"], "2001:db8::1"),
    ],
)
def test_the_visitor_is_the_rightmost_untrusted_address(peer: str, lines: list[str], expected: str) -> None:
    assert visitor_address(peer, lines, LB) == expected


def test_without_trusted_proxies_the_header_is_ignored() -> None:
    assert visitor_address("127.0.0.1", ["203.0.113.5"], ()) == "127.0.0.1"


def test_a_bad_trusted_proxies_setting_is_one_line_naming_it() -> None:
    with pytest.raises(Exception) as caught:
        Settings(_env_file=None, trusted_proxies="10.0.0.0/8, lb.example")  # type: ignore[call-arg]
    error = settings_error(caught.value)  # type: ignore[arg-type]
    assert isinstance(error, ConfigError)
    assert "TRUSTED_PROXIES" in str(error) and "'lb.example' is not an IP address or network" in str(error)
