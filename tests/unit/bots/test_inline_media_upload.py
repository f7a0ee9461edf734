"""Generated files (a report chart) travel inline as a data URI and both Telegram adapters upload the bytes."""

from __future__ import annotations

import pytest

from bots.telegram import TelegramChannel
from bots.telegram_ptb import PtbTelegramChannel
from dialogue.inline_media import decode_inline, inline_media, is_inline
from dialogue.messages import Bot, Channel, Outbound
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.support.telegram_fixtures import ChannelFactory

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8


@pytest.fixture(params=[TelegramChannel, PtbTelegramChannel], ids=["aiogram", "ptb"])
def channel_class(request: pytest.FixtureRequest) -> type:
    return request.param  # type: ignore[no-any-return]


async def test_inline_png_is_uploaded_as_multipart_send_photo(
    api: FakeTelegramAPI, make_channel: ChannelFactory
) -> None:
    channel = await make_channel()
    out = Outbound(
        Channel.TELEGRAM, Bot.STAFF, "42", "Report: 3 resolved", media=(inline_media(PNG, "image/png"),)
    )

    await channel.send(out)

    [call] = api.calls_to("sendPhoto")
    assert call.params["caption"] == "Report: 3 resolved"
    [(name, content)] = call.files.values()
    assert content == PNG and name.endswith(".png")
    assert api.calls_to("sendMessage") == []


def test_data_uri_round_trip_and_refusals() -> None:
    media = inline_media(PNG, "image/png")
    assert is_inline(media.file_id) and media.file_id.startswith("data:image/png;base64,")
    assert decode_inline(media.file_id) == (PNG, "image/png")
    assert not is_inline("AgACfile1") and not is_inline(None)
    with pytest.raises(ValueError, match="some bytes"):
        inline_media(b"", "image/png")
    with pytest.raises(ValueError, match="base64"):
        decode_inline("data:image/png,raw")
    with pytest.raises(ValueError, match="broken base64"):
        decode_inline("data:image/png;base64,@@@")
