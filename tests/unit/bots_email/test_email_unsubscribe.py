"""Unsubscribe links: a token names its address and cannot be made or altered without the key."""

from __future__ import annotations

from email.headerregistry import Address

from bots.email.compose import compose
from bots.email.unsubscribe import derive_key, make_token, read_token
from dialogue.messages import Bot, Channel, Outbound

KEY = derive_key("a-secret-key-for-tests")


def test_a_token_reads_back_its_address_and_nothing_else() -> None:
    token = make_token(KEY, " Ivan@Romashka.TEST ")
    assert read_token(KEY, token) == "ivan@romashka.test"
    assert read_token(derive_key("another key"), token) is None
    encoded, mac = token.split(".")
    other = make_token(KEY, "anna@acme.test").split(".")[0]
    assert read_token(KEY, f"{other}.{mac}") is None  # another address with this address's mac
    for bad in ("", ".", "abc", f"{encoded}.{mac}.x", f"{encoded}.!!", "x" * 700):
        assert read_token(KEY, bad) is None


def test_a_notification_offers_one_click_unsubscribe_and_a_link() -> None:
    out = Outbound(Channel.EMAIL, Bot.CLIENT, "ivan@romashka.test", "HD-1042 is resolved.", lang="en")
    url = "https://desk.test/portal/unsubscribe/" + make_token(KEY, "ivan@romashka.test")
    mail = compose(out, Address("Helpdesk", addr_spec="support@desk.test"), "desk.test", unsubscribe_url=url)
    assert mail["List-Unsubscribe"] == f"<{url}>, <mailto:support@desk.test?subject=unsubscribe>"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = mail.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert url in text and f'href="{url}"' in html
    assert "Stop these notifications by mail" in text
    ru = compose(
        Outbound(Channel.EMAIL, Bot.CLIENT, "ivan@romashka.test", "Заявка решена.", lang="ru"),
        Address("Helpdesk", addr_spec="support@desk.test"),
        "desk.test",
        unsubscribe_url=url,
    )
    assert "Не присылать эти уведомления на почту" in ru.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    # An answer to the person's own mail is not a notification: no unsubscribing from it.
    answer = Outbound(
        Channel.EMAIL, Bot.CLIENT, "ivan@romashka.test", "Opened HD-1043.", lang="en", reply_to="<a@b.test>"
    )
    mail = compose(
        answer, Address("Helpdesk", addr_spec="support@desk.test"), "desk.test", unsubscribe_url=url
    )
    assert mail["List-Unsubscribe"] is None and url not in mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    # Over plain http (a local demo) there is no one-click POST (RFC 8058 asks for https), the link stays.
    local = "http://127.0.0.1:8080/portal/unsubscribe/x"
    mail = compose(
        out, Address("Helpdesk", addr_spec="support@desk.test"), "desk.test", unsubscribe_url=local
    )
    assert mail["List-Unsubscribe-Post"] is None and local in mail["List-Unsubscribe"]
