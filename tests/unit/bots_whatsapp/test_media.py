"""Media download and upload through the Graph API, over real HTTP."""

from __future__ import annotations

import pytest

from dialogue.messages import DeliveryError
from tests.fakes.whatsapp_api import DEFAULT_APP_SECRET as SECRET
from tests.fakes.whatsapp_api import FakeGraphAPI
from tests.unit.bots_whatsapp.conftest import CLIENT, ChannelFactory, Hooked, Inbox, open_window


async def test_photo_from_a_person_can_be_downloaded(api: FakeGraphAPI, inbox: Inbox, hooked: Hooked) -> None:
    photo = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 40

    await api.post_webhook(hooked.url, api.image_message(CLIENT, photo, caption="щиток"), SECRET)
    [inbound] = await inbox.wait(1)
    content, mime = await hooked.channel.download_media(inbound.media[0].file_id)

    assert (content, mime) == (photo, "image/jpeg")
    info, download = [c for c in api.calls if c.kind in ("media_info", "media_download")]
    assert info.path == f"/v21.0/{inbound.media[0].file_id}"
    assert download.ok  # the fake checks the bearer token on the media URL too


async def test_upload_then_send_then_download_round_trip(api: FakeGraphAPI, hooked: Hooked) -> None:
    from dialogue.messages import Bot, Channel, Media, Outbound

    await open_window(hooked, api)
    report = b"%PDF-1.4 report of ticket 12"

    media_id = await hooked.channel.upload_media(report, "application/pdf", "act-12.pdf")
    await hooked.channel.send(
        Outbound(Channel.WHATSAPP, Bot.CLIENT, CLIENT, "Акт", media=(Media("document", media_id),))
    )

    [upload] = [c for c in api.calls if c.kind == "upload"]
    assert upload.body == {"messaging_product": "whatsapp", "type": "application/pdf"}
    assert upload.files["file"] == ("act-12.pdf", "application/pdf", report)
    assert api.sent_to(CLIENT)[0].media_id == media_id
    assert await hooked.channel.download_media(media_id) == (report, "application/pdf")


async def test_unknown_media_and_bad_uploads_are_permanent(api: FakeGraphAPI, hooked: Hooked) -> None:
    for attempt in (
        hooked.channel.download_media("123456789"),
        hooked.channel.download_media("AgACAgIAAx-telegram-id"),
        hooked.channel.upload_media(b"", "image/png", "empty.png"),
        hooked.channel.upload_media(b"x", "png", "x.png"),
        hooked.channel.upload_media(b"MZ\x90", "application/x-msdownload", "virus.exe"),
    ):
        with pytest.raises(DeliveryError) as caught:
            await attempt
        assert caught.value.permanent, caught.value


async def test_download_failure_is_retryable(api: FakeGraphAPI, make_channel: ChannelFactory) -> None:
    hooked = await make_channel()
    media_id = api.add_media(b"data", "image/png")
    api.fail_next(500, kind="media_download")

    with pytest.raises(DeliveryError) as caught:
        await hooked.channel.download_media(media_id)

    assert not caught.value.permanent
    assert await hooked.channel.download_media(media_id) == (b"data", "image/png")
