"""`helpdesk bench dialogue` posts an update again when its connection breaks, as Telegram does.

At load 15 a reset connection (a keep-alive connection the app had closed, a full listen queue) ended the
whole run with a traceback after minutes of work; now it is counted and the update is delivered again.
"""

from __future__ import annotations

import time
from collections import Counter

import aiohttp
from aiohttp import web

from benchmarks.dialogue import DELIVERY_ATTEMPTS, _Poster


async def _webhook(broken_posts: int) -> tuple[web.AppRunner, str, Counter[int]]:
    """A webhook that drops the connection, unanswered, on the first `broken_posts` posts of each update."""
    seen: Counter[int] = Counter()

    async def handle(request: web.Request) -> web.Response:
        update_id = (await request.json())["update_id"]
        seen[update_id] += 1
        if seen[update_id] <= broken_posts:
            assert request.transport is not None
            request.transport.close()  # no answer: the client sees the connection break
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/webhook/telegram/client", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}", seen


async def test_a_broken_connection_is_counted_and_the_update_posted_again() -> None:
    runner, base, seen = await _webhook(broken_posts=1)
    try:
        poster = _Poster(base, repost_every=0, texts=["Не работает лифт"])
        async with aiohttp.ClientSession() as http:
            await poster.post(http, 7, 0, time.perf_counter())
    finally:
        await runner.cleanup()
    assert seen[7] == 2  # posted again after the break
    assert poster.connection_errors == 1
    assert poster.failed == 0  # the second post was answered
    assert len(poster.latencies) == 1


async def test_an_update_that_never_gets_through_counts_as_failed() -> None:
    runner, base, seen = await _webhook(broken_posts=DELIVERY_ATTEMPTS)
    try:
        poster = _Poster(base, repost_every=0, texts=["Lift is broken"])
        async with aiohttp.ClientSession() as http:
            await poster.post(http, 8, 0, time.perf_counter())
    finally:
        await runner.cleanup()
    assert seen[8] == DELIVERY_ATTEMPTS
    assert poster.connection_errors == DELIVERY_ATTEMPTS
    assert poster.failed == 1
