"""API tokens: generation, hashing, names and scopes."""

from __future__ import annotations

import hashlib

import pytest

from helpdesk.api.tokens import (
    ALL_SCOPES,
    TOKEN_PREFIX,
    Scope,
    TokenError,
    check_name,
    grants,
    hash_token,
    new_token,
    parse_scopes,
    same_hash,
)


def test_tokens_are_random_prefixed_and_carry_32_bytes() -> None:
    tokens = {new_token() for _ in range(200)}
    assert len(tokens) == 200
    for token in tokens:
        assert token.startswith(TOKEN_PREFIX)
        assert len(token) - len(TOKEN_PREFIX) >= 43  # 32 bytes in URL-safe base64


def test_hash_is_sha256_hex_of_the_token() -> None:
    token = new_token()
    assert hash_token(token) == hashlib.sha256(token.encode()).hexdigest()
    assert hash_token(token) != hash_token(token + "x")
    assert same_hash(hash_token(token), hash_token(token))
    assert not same_hash(hash_token(token), hash_token(new_token()))


@pytest.mark.parametrize("name", ["crm", "CRM-Sync", "erp_2.prod", "a" * 48])
def test_valid_names_are_lower_cased(name: str) -> None:
    assert check_name(name) == name.lower()


@pytest.mark.parametrize("name", ["", " ", "-leading", "has space", "a" * 49, "кириллица", None, 5])
def test_invalid_names_say_what_is_allowed(name: object) -> None:
    with pytest.raises(TokenError, match="lower-case letters"):
        check_name(name)  # type: ignore[arg-type]


def test_scopes_parse_from_text_or_list_and_all_expands() -> None:
    assert parse_scopes("kb:read, tickets:write") == (Scope.KB_READ, Scope.TICKETS_WRITE)
    assert parse_scopes(["webhooks:admin", "webhooks:admin"]) == (Scope.WEBHOOKS_ADMIN,)
    assert parse_scopes("all") == ALL_SCOPES
    with pytest.raises(TokenError, match="unknown scope tickets:delete"):
        parse_scopes("kb:read,tickets:delete")
    with pytest.raises(TokenError, match="at least one scope"):
        parse_scopes(" , ")


def test_write_scope_includes_read_of_the_same_area_only() -> None:
    assert grants(["kb:write"], Scope.KB_READ)
    assert grants(["tickets:write"], Scope.TICKETS_READ)
    assert not grants(["kb:read"], Scope.KB_WRITE)
    assert not grants(["kb:write"], Scope.TICKETS_READ)
    assert not grants(["tickets:write"], Scope.DIRECTORY_READ)
    assert not grants([], Scope.KB_READ)
    assert grants(["directory:read"], Scope.DIRECTORY_READ)
