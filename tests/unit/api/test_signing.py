"""Webhook signatures: HMAC-SHA256 of the body, checked the way docs/api.md tells subscribers to."""

from __future__ import annotations

import hashlib
import hmac

from helpdesk.api.signing import MIN_SECRET, new_secret, sign, verify

BODY = b'{"event":"ticket_opened","id":"d-1"}'


def test_signature_is_hmac_sha256_hex_of_the_body() -> None:
    expected = hmac.new(b"s3cret-s3cret-s3cret", BODY, hashlib.sha256).hexdigest()
    assert sign("s3cret-s3cret-s3cret", BODY) == f"sha256={expected}"


def test_verify_accepts_only_the_same_secret_and_bytes() -> None:
    header = sign("secret-one-0123456789", BODY)
    assert verify("secret-one-0123456789", BODY, header)
    assert not verify("secret-two-0123456789", BODY, header)
    assert not verify("secret-one-0123456789", BODY.replace(b"d-1", b"d-2"), header)
    assert not verify("secret-one-0123456789", BODY, None)
    assert not verify("secret-one-0123456789", BODY, header.removeprefix("sha256="))
    assert not verify("secret-one-0123456789", BODY, "sha256=" + "0" * 64)


def test_generated_secrets_are_long_and_distinct() -> None:
    secrets = {new_secret() for _ in range(50)}
    assert len(secrets) == 50
    assert all(len(s) >= MIN_SECRET for s in secrets)
