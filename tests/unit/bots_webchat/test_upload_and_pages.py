"""Photo uploads, the files they are served from, identities and the two pages."""

from __future__ import annotations

import struct
import zlib

import aiohttp
import pytest

from dialogue.messages import Bot
from tests.unit.bots_webchat.conftest import MAX_UPLOAD, Harness


def tiny_png() -> bytes:
    """Return a valid 1x1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    raw = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def form(photo: bytes | None, content_type: str = "image/png", **fields: str) -> aiohttp.FormData:
    data = aiohttp.FormData(default_to_multipart=True)
    for key, value in {"chat_id": "c1", "client_msg_id": "u1", **fields}.items():
        data.add_field(key, value)
    if photo is not None:
        data.add_field("photo", photo, filename="p.png", content_type=content_type)
    return data


async def test_an_uploaded_photo_reaches_the_app_and_is_served_back(harness: Harness) -> None:
    png = tiny_png()
    resp = await harness.client.post(
        "/webchat/api/client/upload", data=form(png, text="the meter", lang="en")
    )
    assert resp.status == 200, await resp.text()
    (inbound,) = harness.received
    (media,) = inbound.media
    assert media.kind == "photo" and media.file_id.startswith("web:") and media.mime_type == "image/png"
    assert inbound.text == "the meter" and media.caption == "the meter"
    assert inbound.dedup_key == "web:client:c1:u1" and inbound.lang == "en"
    name = media.file_id.removeprefix("web:")
    served = await harness.client.get(f"/webchat/files/{name}")
    assert served.status == 200
    assert served.headers["Content-Type"] == "image/png"
    assert await served.read() == png
    (echo,) = await harness.history.list_after(Bot.CLIENT, "c1", 0, 10)
    assert echo["media"][0]["url"] == f"/webchat/files/{name}"


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (form(b"just some text, not an image"), "only photos"),
        (form(b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image/svg+xml"), "only photos"),
        (form(b"\x89PNG\r\n\x1a\n" + b"0" * MAX_UPLOAD), "too large"),
        (form(b""), "empty"),
        (form(None), "no photo"),
        (form(tiny_png(), chat_id="no spaces please"), "'chat_id' must be"),
    ],
)
async def test_bad_uploads_are_refused_and_store_nothing(
    harness: Harness, data: aiohttp.FormData, fragment: str
) -> None:
    resp = await harness.client.post("/webchat/api/client/upload", data=data)
    assert resp.status == 400
    assert fragment in (await resp.json())["error"]
    assert harness.received == []
    assert not harness.upload_dir.exists() or list(harness.upload_dir.iterdir()) == []


async def test_an_upload_that_is_not_multipart_is_refused(harness: Harness) -> None:
    resp = await harness.client.post("/webchat/api/client/upload", json={"chat_id": "c1"})
    assert resp.status == 400
    assert "multipart" in (await resp.json())["error"]


@pytest.mark.parametrize("name", ["..%2Fsecret.png", "abc.png", "0" * 32 + ".svg", "0" * 32 + ".png"])
async def test_only_stored_uploads_are_served(harness: Harness, name: str) -> None:
    resp = await harness.client.get(f"/webchat/files/{name}")
    assert resp.status == 404


async def test_identities_lists_only_usable_ids(harness: Harness) -> None:
    resp = await harness.client.get("/webchat/api/staff/identities")
    assert resp.status == 200
    assert await resp.json() == {
        "identities": [
            {"id": "eng-1", "label": "Ivan Petrov (engineer)"},
            {"id": "eng-2", "label": "eng-2"},
        ]
    }
    resp = await harness.client.get("/webchat/api/client/identities")
    assert [i["id"] for i in (await resp.json())["identities"]] == ["contact-7"]
    assert (await harness.client.get("/webchat/api/nobody/identities")).status == 400


async def test_identities_without_a_source_is_empty_and_a_failing_source_is_503(harness: Harness) -> None:
    harness.channel.identities = None
    assert await (await harness.client.get("/webchat/api/staff/identities")).json() == {"identities": []}

    async def broken(bot: Bot) -> list[dict[str, str]]:
        raise RuntimeError("db down")

    harness.channel.identities = broken
    resp = await harness.client.get("/webchat/api/staff/identities")
    assert resp.status == 503
    assert "reload the page" in (await resp.json())["error"]


@pytest.mark.parametrize(
    ("path", "title", "bot"),
    [("/", "Helpdesk - client chat", "client"), ("/staff", "Helpdesk - staff chat", "staff")],
)
async def test_pages_are_served_with_their_assets(harness: Harness, path: str, title: str, bot: str) -> None:
    resp = await harness.client.get(path)
    assert resp.status == 200
    assert resp.content_type == "text/html"
    html = await resp.text()
    assert f"<title>{title}</title>" in html
    assert f'data-api="/webchat/api/{bot}"' in html
    for asset in ("chat.js", "chat.css"):
        assert f"/webchat/static/{asset}?v=" in html
        static = await harness.client.get(f"/webchat/static/{asset}")
        assert static.status == 200
    # No request leaves the machine: the demo runs offline.
    assert "https://" not in html and "//cdn" not in html
