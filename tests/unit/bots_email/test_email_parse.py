"""bots.email: a mail read into what the engine needs; automatic mail told apart; our mails composed."""

from __future__ import annotations

from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser

from bots.email.compose import compose
from bots.email.inbound import thread_key, to_inbound
from bots.email.parse import read_mail
from bots.email.safety import automatic_reason
from dialogue.messages import Bot, Button, Channel, Outbound

DOMAIN = "desk.test"


def mail(body: str = "The printer in room 5 jams.", **headers: str) -> bytes:
    m = EmailMessage()
    m["From"] = headers.pop("From", "Ivan Petrov <Ivan@Client.test>")
    m["To"] = "support@desk.test"
    m["Subject"] = headers.pop("Subject", "Printer jams")
    m["Message-ID"] = headers.pop("Message_ID", "<abc.1@client.test>")
    for name, value in headers.items():
        m[name.replace("_", "-")] = value
    m.set_content(body)
    return bytes(m)


def test_a_mail_becomes_an_inbound_of_the_email_channel() -> None:
    read = read_mail(mail())
    assert read is not None
    inbound = to_inbound(read, DOMAIN)
    assert inbound.channel is Channel.EMAIL and inbound.bot is Bot.CLIENT
    assert inbound.sender_id == inbound.chat_id == "ivan@client.test"  # addresses are matched lower-cased
    assert inbound.sender_name == "Ivan Petrov"
    assert inbound.dedup_key == "mail:abc.1@client.test"
    assert inbound.subject == "Printer jams" and inbound.text == "The printer in room 5 jams."
    assert inbound.reply_to == "<abc.1@client.test>" and inbound.thread_id is None
    assert inbound.lang == "en"


def test_a_reply_names_the_ticket_thread_of_ours_it_answers() -> None:
    raw = mail(
        "Still jams.",
        Subject="Re: [HD-1042] Printer jams",
        In_Reply_To="<hd-1042.0a1b@desk.test>",
        References="<hd-1042@desk.test> <hd-1042.0a1b@desk.test>",
    )
    read = read_mail(raw)
    assert read is not None and read.subject == "[HD-1042] Printer jams"
    assert thread_key(read, DOMAIN) == "hd-1042"
    assert thread_key(read, "other.test") is None  # another desk's ids name none of our tickets


def test_a_mail_without_message_id_gets_a_stable_key_and_a_mail_without_sender_none() -> None:
    m = EmailMessage()
    m["From"] = "a@b.test"
    m.set_content("hi")
    first, second = read_mail(bytes(m)), read_mail(bytes(m))
    assert first is not None and second is not None and first.message_id == second.message_id
    del m["From"]
    assert read_mail(bytes(m)) is None


def test_an_html_only_mail_is_read_as_text_without_its_scripts() -> None:
    m = EmailMessage()
    m["From"] = "a@b.test"
    m["Subject"] = "Кондиционер"
    m.set_content(
        "<p>Кондиционер <b>течёт</b></p><script>alert(1)</script><p>второй этаж</p>", subtype="html"
    )
    read = read_mail(bytes(m))
    assert read is not None
    assert read.body == "Кондиционер течёт\nвторой этаж"
    assert read.lang == "ru"


def test_attachments_are_kept() -> None:
    m = EmailMessage()
    m["From"] = "a@b.test"
    m.set_content("photo attached")
    m.add_attachment(b"\x89PNG...", maintype="image", subtype="png", filename="jam.png")
    read = read_mail(bytes(m))
    assert read is not None
    assert [(a.filename, a.content_type, a.data) for a in read.attachments] == [
        ("jam.png", "image/png", b"\x89PNG...")
    ]


def _parsed(raw: bytes) -> EmailMessage:
    parsed = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(parsed, EmailMessage)
    return parsed


def test_automatic_mail_is_told_apart() -> None:
    assert automatic_reason(_parsed(mail())) is None
    assert automatic_reason(_parsed(mail(Auto_Submitted="no"))) is None
    assert automatic_reason(_parsed(mail(Auto_Submitted="auto-replied"))) == "auto-submitted"
    assert automatic_reason(_parsed(mail(Precedence="bulk"))) == "precedence"
    assert automatic_reason(_parsed(mail(X_Autoreply="yes"))) == "x-autoreply"
    assert automatic_reason(_parsed(mail(From="MAILER-DAEMON@mx.test"))) == "bounce"
    assert automatic_reason(_parsed(mail()), envelope_from="") == "null-sender"
    dsn = EmailMessage()
    dsn["From"] = "postmaster@mx.test"
    dsn.set_content("Delivery failed")
    dsn.make_mixed()
    dsn.replace_header("Content-Type", 'multipart/report; report-type="delivery-status"')
    assert automatic_reason(_parsed(bytes(dsn))) == "bounce"


def test_our_mail_is_multipart_threaded_and_marked_automatic() -> None:
    out = Outbound(
        Channel.EMAIL,
        Bot.CLIENT,
        "ivan@client.test",
        "Request HD-1042 is open.\n\nReply to add to it.",
        buttons=((Button("Open", url="https://desk.test/t/1042"), Button("Rate", payload="x")),),
        thread_id="hd-1042",
        reply_to="<abc.1@client.test>",
        thread_title="Request HD-1042: Printer jams",
        lang="en",
    )
    m = compose(out, Address("Helpdesk", addr_spec="support@desk.test"), DOMAIN)
    assert m["Subject"] == "Request HD-1042: Printer jams"
    assert str(m["Message-ID"]).startswith("<hd-1042.") and str(m["Message-ID"]).endswith("@desk.test>")
    assert m["In-Reply-To"] == "<abc.1@client.test>"
    assert m["References"] == "<hd-1042@desk.test> <abc.1@client.test>"
    assert m["Auto-Submitted"] == "auto-replied" and m["List-Unsubscribe"] is None
    assert m.get_content_type() == "multipart/alternative"
    text = m.get_body(("plain",))
    html = m.get_body(("html",))
    assert text is not None and html is not None
    assert "Reply to add to it." in text.get_content() and "https://desk.test/t/1042" in text.get_content()
    assert '<html lang="en">' in html.get_content() and "<br>" not in html.get_content().split("<p>")[1]
    # A notification (no mail answered): its own thread from the ticket named, and a way to unsubscribe.
    note = Outbound(Channel.EMAIL, Bot.CLIENT, "ivan@client.test", "HD-7: an engineer <b>took</b> it")
    n = compose(note, Address("Helpdesk", addr_spec="support@desk.test"), DOMAIN)
    assert n["Subject"] == "HD-7: an engineer <b>took</b> it"  # the ref is there already: not twice
    assert n["Auto-Submitted"] == "auto-generated"
    assert n["List-Unsubscribe"] == "<mailto:support@desk.test?subject=unsubscribe>"
    assert "&lt;b&gt;took" in str(n.get_body(("html",)).get_content())  # type: ignore[union-attr]
