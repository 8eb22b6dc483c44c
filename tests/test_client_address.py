"""The client's address behind a proxy (onedoor/audit/addresses.py): X-Forwarded-For is read
only when the request comes from one of TRUSTED_PROXIES, and then only as far as the first
address that is not a trusted proxy. The rate limits, the lockouts and the audit trail use it:
see their tests (test_referral_form, test_coproduction, test_sign_in, test_audit_trail)."""

from __future__ import annotations

from ipaddress import ip_network

import pytest
from django.test import RequestFactory

from onedoor.audit.addresses import client_address

# The TLS proxy the deployment runs behind, and a second (a load balancer) in front of it.
PROXY = "10.0.0.2"
LOAD_BALANCER = "10.1.0.9"
FAMILY = "203.0.113.5"
SPOOFED = "198.51.100.66"


def _address(remote_addr: str, forwarded_for: str | None = None) -> str | None:
    headers = {} if forwarded_for is None else {"X-Forwarded-For": forwarded_for}
    return client_address(RequestFactory().get("/", headers=headers, REMOTE_ADDR=remote_addr))


@pytest.fixture
def behind_proxies(settings):  # type: ignore[no-untyped-def]
    settings.TRUSTED_PROXIES = [ip_network(PROXY), ip_network("10.1.0.0/16")]


def test_without_trusted_proxies_the_header_is_never_believed() -> None:
    assert _address(PROXY, FAMILY) == PROXY
    assert _address(FAMILY, SPOOFED) == FAMILY


def test_a_request_not_from_a_trusted_proxy_keeps_its_own_address(behind_proxies: None) -> None:
    assert _address(FAMILY, SPOOFED) == FAMILY
    assert _address(FAMILY) == FAMILY


def test_a_trusted_proxy_gives_the_address_it_was_sent_from(behind_proxies: None) -> None:
    assert _address(PROXY, FAMILY) == FAMILY
    assert _address(PROXY, f" {FAMILY} ") == FAMILY
    assert _address(f"::ffff:{PROXY}", FAMILY) == FAMILY


def test_what_the_client_wrote_left_of_its_own_address_is_ignored(behind_proxies: None) -> None:
    assert _address(PROXY, f"{SPOOFED}, {FAMILY}") == FAMILY
    assert _address(PROXY, f"{LOAD_BALANCER}, {FAMILY}") == FAMILY


def test_a_chain_of_trusted_proxies_is_walked_from_the_right(behind_proxies: None) -> None:
    assert _address(PROXY, f"{SPOOFED}, {FAMILY}, {LOAD_BALANCER}") == FAMILY
    assert _address(PROXY, f"{FAMILY},10.1.4.4,{LOAD_BALANCER}") == FAMILY
    assert _address(PROXY, "2001:db8::7, 10.1.4.4") == "2001:db8::7"


@pytest.mark.parametrize(
    "forwarded_for",
    [
        "",
        "not-an-address",
        f"{FAMILY}, unknown",  # a malformed entry ends the walk
        f"{FAMILY}:443",  # a port is not an address
        f"{FAMILY}, {LOAD_BALANCER}, 999.1.1.1",
        LOAD_BALANCER,  # only trusted proxies: no client named
    ],
)
def test_a_malformed_or_empty_header_falls_back_to_the_proxy(
    behind_proxies: None, forwarded_for: str
) -> None:
    assert _address(PROXY, forwarded_for) == PROXY


def test_a_trusted_proxy_without_the_header_is_the_address(behind_proxies: None) -> None:
    assert _address(PROXY) == PROXY


def test_no_address_at_all_is_none() -> None:
    assert client_address(RequestFactory().get("/", REMOTE_ADDR="")) is None
