"""A working day in the web chats and the admin, in a real browser (Debian's Chromium, driven by Playwright).

The whole loop of issue #18 as people see it, against the real app on the demo data (web chat in demo mode,
so each person is picked in the page's identity picker):

1. A Russian client asks a KB question, says it did not help, fills in the request form (typing some answers,
   not only pressing buttons, and sending a photo) and gets a ticket number.
2. An English client gets an English answer, asks something else and then presses a button of the first
   answer, before and after a reload: it is out of date or opens the article it names, never the one at
   its position in the latest list (bug 1); a button of the latest list opens its article, line breaks kept,
   and on a short window that tall article is shown from its first line (bug 9); the text box takes what the
   server takes (bug 9: 4,096 against 4,000).
3. The engineer the job was offered to sees the client's photo, accepts it, goes on the way and on site on
   the one live job card, writes to the client; the client's reply reaches the engineer (bug 4); the engineer
   finishes the job.
4. The client rates it and writes a new problem (no question mark): it is answered, not saved as the
   rating comment (bug 3).
   The English client opens a request too; another engineer does it, and every text she is told is
   English: the engineer's name and the checklist items in the "done" message included (bug 8).
5. The supervisor reads /queue and /report: the chart is a picture, not "[Photo]" (bug 7).
6. The admin edits the KB article in the web admin; the client asks again and gets the new text; the demo data
   loaded again (as every `make run` does) keeps the edit (bug 2).
7. The supervisor reads the admin in Russian; the admin switches languages.
8. The client says the leak is back and reopens the job: it is offered back to the engineer who did it, says
   it is a reopen and why, and is in his /jobs (bug 6).

A second test plays the afternoon with the app's clock moved on: a cancelled request's offer time passes
without a word to the engineer or an "offer expired" in the timeline (bug 5); a request both air-conditioning
engineers decline reaches the supervisor, who presses "Raise priority" on the "no engineer" alert and
"Reassign" on the 75 % SLA warning that comes 50 minutes later, and the job is offered to the one she picks.

The NLU is on, as in `make run`. A screenshot after each step goes to var/test-artifacts/working-day/ (gitignored). Run
`scripts/install_chromium.sh` first; the test is skipped only when /usr/bin/chromium is missing.
"""

from __future__ import annotations

import itertools
import re
import struct
import time
import zlib
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from aiohttp import web

from dialogue.messages import MAX_TEXT_CHARS
from helpdesk.admin.demo import DEMO_PASSWORDS
from helpdesk.demo.loader import read_directory
from helpdesk.demo.seed import seed_demo
from helpdesk.runtime import Runtime, build_runtime
from helpdesk.settings import Settings
from helpdesk.timers import expire_offers_once
from helpdesk.web import build_web_app
from tests.e2e.channels.webchat_driver import PNG_1X1
from ticket_core.utc import utcnow

if TYPE_CHECKING:
    from playwright.async_api import Browser, FilePayload, Locator, Page

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts" / "working-day"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
WAIT_MS = 15_000  # a generous bound for one reply; most come within a second
TICKET_REF = re.compile(r"HD-\d{4,}")
CYRILLIC = re.compile(r"[А-Яа-яЁё]")
IVAN = "romashka-ivan"  # Иван Кузнецов, Romashka, Russian
ANNA = "acme-anna"  # Anna Brown, ACME, English
SUPERVISOR = "s-sokolova"  # Ольга Соколова
PHOTO_SIZE = (160, 120)
EDITED = "Проверьте дренажный шланг под блоком: он не должен провисать (проверка 7731)."

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Chromium is not installed: run scripts/install_chromium.sh"
    ),
]


@pytest.fixture(scope="session")
def nlu_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's NLU model as `make run` uses it: var/nlu-model when it is current (only read), else
    trained from nlu.yml into a temporary folder (about 10 s)."""
    from nlu.default_model import DEFAULT_DATA, ensure_default_model, model_is_current

    built = Settings(_env_file=None).nlu_model_dir  # type: ignore[call-arg]
    if model_is_current(built, DEFAULT_DATA):
        return built
    return ensure_default_model(tmp_path_factory.mktemp("nlu-model"))


@pytest.fixture
async def day_app(
    demo_db: Path, nlu_model_dir: Path, tmp_path: Path, unused_tcp_port: int
) -> AsyncIterator[tuple[Runtime, str]]:
    """The whole app (web chats in demo mode, admin, worker, the NLU) on the demo database, on a local port.

    The NLU is on as in `make run`: people's wording is read as the product reads it.
    """
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{demo_db}",
        kb_embedder="none",
        kb_cache_dir=None,
        nlu_model_dir=nlu_model_dir,
        worker_poll_s=0.05,
        webchat_upload_dir=tmp_path / "uploads",
        webchat_poll_timeout_s=5,
        webchat_demo=True,  # each page picks who it is
    )
    rt = await build_runtime(settings)
    runner = web.AppRunner(build_web_app(rt), shutdown_timeout=1.0, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", unused_tcp_port).start()
    await rt.start(polling=False)
    try:
        yield rt, f"http://127.0.0.1:{unused_tcp_port}"
    finally:
        await rt.close()
        await runner.cleanup()


class Chat:
    """One person's web chat page (client or staff) and what they do in it, asserted on what it shows."""

    def __init__(self, page: Page, name: str) -> None:
        self.page = page
        self.name = name
        self.found = 0  # messages `wait_for` returned, each named by its number (data-found)

    @property
    def bot(self) -> Locator:
        """The bot's messages, oldest first."""
        return self.page.locator(".msg.bot")

    async def open(self, url: str, identity: str, lang: str) -> None:
        """Open the chat page as `identity` (the demo picker), speaking `lang`."""
        from playwright.async_api import expect

        await self.page.goto(url)
        await self.page.locator(f".lang-btn[data-lang={lang}]").click()
        await self.page.locator("#identity").select_option(identity)
        await expect(self.page.locator("#status")).to_have_attribute("data-state", "online")

    async def mark(self) -> int:
        """Number the bot messages on the page that have no number yet; return the next number: the messages
        shown after this are those "since" it (a live card brought up to date is removed and posted again at
        the end, so a message's position in the page does not say when it came)."""
        return int(
            await self.page.evaluate(
                """() => { let n = window.__botSeq || 0;
                          for (const b of document.querySelectorAll(".msg.bot"))
                              if (!b.dataset.seq) b.dataset.seq = String(n++);
                          window.__botSeq = n; return n; }"""
            )
        )

    async def _numbered(self) -> list[tuple[int | None, str]]:
        """Each bot message's number (None when it came after the last `mark`) and text, oldest first."""
        rows = await self.bot.evaluate_all(
            "bs => bs.map(b => [b.dataset.seq === undefined ? null : Number(b.dataset.seq), b.innerText])"
        )
        return [(seq, text) for seq, text in rows]

    async def say(self, text: str) -> int:
        """Type a message and press Enter; return the mark of the messages shown after it."""
        before = await self.mark()
        await self.page.locator("#text").fill(text)
        await self.page.locator("#text").press("Enter")
        return before

    async def press(self, label: str, within: Locator | None = None) -> int:
        """Press the last live button labelled `label` (in message `within` when given); return the mark."""
        before = await self.mark()
        scope = within if within is not None else self.page
        await scope.locator("button.chip:enabled", has_text=label).last.click(timeout=WAIT_MS)
        return before

    async def wait_for(self, text: str, since: int = 0) -> Locator:
        """The first bot message shown since mark `since` that shows `text`, once the page shows it."""
        deadline = time.monotonic() + WAIT_MS / 1000
        while True:
            numbered = await self._numbered()
            texts = [t for seq, t in numbered if seq is None or seq >= since]
            for i, (seq, shown) in enumerate(numbered):
                if (seq is None or seq >= since) and text in shown:
                    # Named, not numbered: a card moved to the end shifts the messages after it.
                    self.found += 1
                    name = await self.bot.nth(i).evaluate(
                        "(b, n) => b.dataset.found || (b.dataset.found = String(n))", self.found
                    )
                    return self.page.locator(f'.msg.bot[data-found="{name}"]')
            if time.monotonic() > deadline:
                await self.shot(f"failed_{self.name}")
                raise AssertionError(f"{self.name} never saw {text!r}; the chat shows {texts}")
            await self.page.wait_for_timeout(100)

    async def texts_since(self, since: int) -> list[str]:
        """The bot messages shown since mark `since`, as the page shows them."""
        return [text for seq, text in await self._numbered() if seq is None or seq >= since]

    async def shot(self, name: str) -> None:
        """Save what the page shows now."""
        await self.page.wait_for_timeout(300)  # the smooth scroll to the end
        await self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


async def _new_chat(browser: Browser, url: str, identity: str, lang: str, name: str, **options: Any) -> Chat:
    context = await browser.new_context(
        viewport={"width": 900, "height": 1000},
        locale="ru-RU" if lang == "ru" else "en-US",
        timezone_id="Europe/Moscow",  # the demo company's; deadlines are said in it too
        **options,
    )
    chat = Chat(await context.new_page(), name)
    await chat.open(url, identity, lang)
    return chat


async def _replies(chat: Chat, since: int) -> list[str]:
    """The bot's messages from number `since` on, once at least one came and no more came for a moment."""
    await chat.wait_for("", since)
    texts = await chat.texts_since(since)
    while True:
        await chat.page.wait_for_timeout(400)
        now = await chat.texts_since(since)
        if now == texts:
            return texts
        texts = now


async def _engineer_with_the_offer(browser: Browser, base: str, ref: str, skip: str = "") -> Chat:
    """The staff chat of the demo engineer whose chat shows the offer of `ref` (routing picks who; `skip`: one
    who declined it).

    The jobs of this day are air conditioning, which only the Russian-speaking demo engineers do.
    """
    staff = await _new_chat(
        browser,
        base + "/staff",
        SUPERVISOR,
        "ru",
        "engineer",
        geolocation={"latitude": 59.9655, "longitude": 30.3110},  # at the Petrogradskaya office
        permissions=["geolocation"],
    )
    engineers = [row for row in read_directory()["staff"] if row["role"] == "engineer" and row["id"] != skip]
    deadline = time.monotonic() + WAIT_MS / 1000
    while time.monotonic() < deadline:
        for row in engineers:
            await staff.page.locator("#identity").select_option(row["id"])
            await staff.page.wait_for_timeout(400)
            texts = await staff.bot.all_inner_texts()
            headline = "Новая заявка" if row["lang"] == "ru" else "New job"
            if any(f"{headline} {ref}" in text for text in texts):
                staff.name = row["id"]
                return staff
    raise AssertionError(f"no demo engineer got the offer of {ref}")


def _photo(name: str) -> FilePayload:
    """A PNG of PHOTO_SIZE (a blue-grey square, big enough to see in a screenshot), as the file picker gives it."""
    width, height = PHOTO_SIZE
    rows = b"".join(b"\x00" + bytes((70, 110, 160)) * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )
    return {"name": name, "mimeType": "image/png", "buffer": png}


async def _expect_picture(image: Locator, width: int) -> None:
    """The picture is on the page, loaded, and as wide as the file (not a broken image or a "[Photo]" label)."""
    from playwright.async_api import expect

    await expect(image.first).to_be_visible(timeout=WAIT_MS)
    loaded = await image.first.evaluate("i => i.complete ? i.naturalWidth : -1")
    assert loaded == width, loaded


async def _place_in_view(bubble: Locator) -> dict[str, float]:
    """Where a message is in the conversation's scrolled view: its top from the view's top, its height and the
    view's height (px)."""
    return await bubble.evaluate(
        """b => { const v = document.getElementById("messages").getBoundingClientRect();
                  const r = b.getBoundingClientRect();
                  return {top: r.top - v.top, height: r.height, view: v.height}; }"""
    )


async def _finish_job(engineer: Chat, ref: str, card: Locator, note: str, shots: str) -> None:
    """Done on the job card: tick the checklist, send the photo asked for, write the note, skip the time."""
    from playwright.async_api import expect

    since = await engineer.press("Выполнено", within=card)
    for _ in range(12):
        texts = await _replies(engineer, since)
        if any(f"Опишите, что сделано по {ref}" in text for text in texts):
            break
        if any("нужно фото выполненной работы" in text for text in texts):
            since = await engineer.mark()
            photo: FilePayload = {"name": "done.png", "mimeType": "image/png", "buffer": PNG_1X1}
            await engineer.page.locator("#photo").set_input_files(files=[photo])
            continue
        await engineer.wait_for(f"Чек-лист по {ref}", since)
        # One live checklist: each tick updates it in place (it posted a new copy per tick).
        checklist = engineer.page.locator(".msg.bot[data-card]", has_text=f"Чек-лист по {ref}")
        await expect(checklist).to_have_count(1)
        unticked = checklist.locator("button.chip:enabled", has_text="⬜")
        while await unticked.count():
            before = await engineer.bot.count()
            item = (await unticked.first.inner_text()).removeprefix("⬜").strip()
            await unticked.first.click()
            # The card itself shows the tick (its buttons go live again as soon as the press is sent, so a
            # count of unticked buttons could be read before the new card came).
            done = checklist.locator("button.chip", has_text=f"✅ {item}")
            await expect(done).to_have_count(1, timeout=WAIT_MS)
            assert await engineer.bot.count() == before, await engineer.bot.all_inner_texts()
        await expect(checklist).to_have_count(1)
        since = await engineer.press("Всё сделано", within=checklist)
    else:
        raise AssertionError(f"Done never asked for the note: {await engineer.texts_since(0)}")
    await engineer.shot(f"{shots}_checklist")
    since = await engineer.say(note)
    await engineer.wait_for("Сколько времени заняло?", since)
    since = await engineer.press("Пропустить")
    await engineer.wait_for(f"{ref} закрыта как выполненная", since)
    await engineer.shot(f"{shots}_done")


async def test_a_working_day_in_the_web_chats_and_the_admin(day_app: tuple[Runtime, str]) -> None:
    from playwright.async_api import async_playwright, expect

    rt, base = day_app
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("*.png"):
        old.unlink()

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            # 1. Иван asks in Russian, it does not help, he fills in the form (typing two answers).
            ivan = await _new_chat(browser, base + "/", IVAN, "ru", "ivan")
            await ivan.say("Кондиционер течёт, капает вода на пол")
            answer = await ivan.wait_for("Вот что нашлось в базе знаний")
            await expect(answer).to_contain_text("дренаж")
            await ivan.wait_for("Это помогло?")
            await ivan.shot("01_ru_kb_answer")
            await ivan.press("Не помогло")
            await ivan.wait_for("Опишите проблему")
            since = await ivan.say("Течёт уже второй день, лужа под внутренним блоком в переговорной")
            if "К чему это относится?" in "\n".join(await _replies(ivan, since)):  # unless the NLU knew
                since = await ivan.press("Кондиционеры и вентиляция")
            await ivan.wait_for("Выберите объект", since)
            # A photo of the puddle, sent in the middle of the form: it goes with the request.
            since = await ivan.mark()
            await ivan.page.locator("#photo").set_input_files(files=[_photo("puddle.png")])
            await ivan.wait_for("Фото добавлено к заявке", since)
            await ivan.say("на петроградской")  # typed, not pressed
            await ivan.wait_for("Насколько срочно?")
            await ivan.say("ну средне")
            summary = await ivan.wait_for("Проверьте заявку")
            await expect(summary).to_contain_text("Тип: Кондиционеры и вентиляция")
            await expect(summary).to_contain_text("Ромашка на Петроградской")
            await expect(summary).to_contain_text("Срочность: Обычная")
            await expect(summary).to_contain_text("Фото: 1")
            await ivan.shot("01_ru_summary")
            since = await ivan.press("Отправить заявку")
            opened = await ivan.wait_for("оформлена", since)
            found = TICKET_REF.search(await opened.inner_text())
            assert found, await opened.inner_text()
            ref = found.group()
            await ivan.shot("01_ru_ticket")

            # 2. Anna asks in English and gets English; a button of an earlier list is out of date or right.
            anna = await _new_chat(browser, base + "/", ANNA, "en", "anna")
            await anna.say("My air conditioner is leaking water")
            answer = await anna.wait_for("Here is what I found")
            await expect(answer).to_contain_text("Air conditioner is leaking water")
            await anna.wait_for("Did this help?")
            since = await anna.say("internet")
            first_list = await anna.wait_for("One of these articles may help", since)
            await expect(
                first_list.locator("button.chip", has_text="Working hours and response times")
            ).to_be_visible()
            since = await anna.say("door")  # another list, with other articles at the same places
            second_list = await anna.wait_for("One of these articles may help", since)
            others = set(await second_list.locator("button.chip").all_inner_texts())
            others -= {"Working hours and response times", "None of these - open a request"}
            assert others, await second_list.inner_text()
            await anna.shot("02_en_answers")
            since = await anna.press("Working hours and response times", within=first_list)
            old_button = "\n".join(await _replies(anna, since))
            assert (
                "Those buttons belong to an earlier answer" in old_button
                or "Working hours and response times" in old_button
            ), old_button
            assert not [title for title in others if title in old_button], (others, old_button)
            await anna.shot("02_en_old_button")
            # A button of the latest list opens its article, with the article's line breaks.
            picked = sorted(others)[0]
            # On a short window (a phone's, or a laptop's with the keyboard up) the article is taller than the
            # conversation's view: it is brought into view from its first line (bug 9: it stayed below).
            await anna.page.set_viewport_size({"width": 900, "height": 480})
            since = await anna.press(picked, within=second_list)
            article = await anna.wait_for(picked, since)
            assert "\n\n" in await article.inner_text(), await article.inner_text()
            await _replies(anna, since)  # "Did this help?" after it must not pull the view past its start
            place = await _place_in_view(article)
            assert place["height"] > place["view"], place  # a tall reply, or this checks nothing
            assert 0 <= place["top"] <= 40, place  # its first line at the top of the view
            await anna.shot("02_en_tall_article_in_view")
            await anna.page.set_viewport_size({"width": 900, "height": 1000})
            # A reload brings the old buttons back to life in the page: they still act on what they name.
            await anna.page.reload()
            await expect(anna.page.locator("#status")).to_have_attribute("data-state", "online")
            first_list = anna.bot.filter(has_text="One of these articles may help").first
            since = await anna.press("Slow Wi-Fi or internet keeps dropping", within=first_list)
            old_button = "\n".join(await _replies(anna, since))
            assert (
                "Those buttons belong to an earlier answer" in old_button
                or "Slow Wi-Fi or internet keeps dropping" in old_button
            ), old_button
            assert not [title for title in others if title in old_button], (others, old_button)
            await anna.shot("02_en_old_button_after_reload")
            # The text box stops where the server does (bug 9: 4,096 in the box, 4,000 on the server): a message
            # as long as the box takes is read, not refused as too long.
            box = anna.page.locator("#text")
            assert await box.get_attribute("maxlength") == str(MAX_TEXT_CHARS)
            await box.fill(("My printer prints blank pages. " * 200)[: MAX_TEXT_CHARS + 96])
            assert len(await box.input_value()) <= MAX_TEXT_CHARS
            since = await anna.mark()
            await box.press("Enter")
            long_reply = "\n".join(await _replies(anna, since))
            assert "too long" not in long_reply, long_reply
            for text in await anna.bot.all_inner_texts():
                assert not CYRILLIC.search(text), f"Cyrillic in an English client's chat: {text!r}"
                assert "**" not in text, f"raw Markdown in the chat: {text!r}"

            # 3. The engineer the job was offered to: accept, on the way, on site, write to the client.
            engineer = await _engineer_with_the_offer(browser, base, ref)
            offer = await engineer.wait_for(f"Новая заявка {ref}")
            await expect(offer).to_contain_text("Течёт уже второй день")
            # The engineer sees the client's photo itself, not "Photo: 1" (issue #18, friction).
            shown = await engineer.wait_for(f"Фото от клиента по {ref}")
            await _expect_picture(shown.locator("img"), PHOTO_SIZE[0])
            await engineer.shot("03_engineer_offer")
            since = await engineer.press("Принять", within=offer)
            await engineer.wait_for(f"Вы приняли {ref}", since)
            await ivan.wait_for(f"принял вашу заявку {ref}")
            card = engineer.page.locator(".msg.bot[data-card]", has_text=ref).last
            await expect(card.locator("button.chip", has_text="В пути")).to_be_enabled(timeout=WAIT_MS)
            await engineer.shot("03_engineer_accepted")
            await engineer.press("В пути", within=card)
            await ivan.wait_for(f"к вам по заявке {ref}")
            await expect(card.locator("button.chip", has_text="В пути")).to_have_count(0, timeout=WAIT_MS)
            await engineer.press("На месте", within=card)
            check_in = await engineer.wait_for(f"чтобы отметиться на месте по {ref}")
            await engineer.press("Отправить местоположение", within=check_in)  # the browser's geolocation
            await engineer.wait_for(f"Отметка на месте по {ref}")
            # The location asked for was sent: its button is spent (it stayed live after use).
            await expect(
                check_in.locator("button.chip", has_text="Отправить местоположение")
            ).to_be_disabled()
            await ivan.wait_for(f"на месте по заявке {ref}")
            live = engineer.page.locator(".msg.bot[data-card]", has_text=ref)
            await expect(live).to_have_count(1)  # one live card, updated in place
            await expect(live).to_contain_text(f"{ref} — в работе")
            await expect(live.locator("button.chip", has_text="На месте")).to_have_count(0, timeout=WAIT_MS)
            await expect(live.locator("button.chip", has_text="Написать клиенту")).to_be_enabled()
            await engineer.shot("03_engineer_on_site")
            since = await engineer.press("Написать клиенту", within=live)
            await engineer.wait_for(f"Напишите сообщение клиенту по {ref}", since)  # he starts the talk
            since = await engineer.say("Я на месте, у переговорной. Кто откроет дверь?")
            await engineer.wait_for(f"Сообщение по {ref} отправлено клиенту", since)
            await ivan.wait_for("Я на месте, у переговорной")
            await ivan.shot("03_client_sees_engineer")
            since = await ivan.say("Ключ у Лены на ресепшене")
            ack = await ivan.wait_for("Передал инженеру", since)
            await expect(ack).to_contain_text(ref)
            for text in await ivan.texts_since(since):
                assert "Вот что нашлось" not in text and "Это помогло?" not in text, text
            await engineer.wait_for("Ключ у Лены на ресепшене")
            await engineer.shot("03_engineer_gets_reply")

            await _finish_job(engineer, ref, live, "Прочистил дренаж, протечки нет", "03_engineer")

            # 4. Иван rates the job, then asks a new question: it is answered, not saved as the comment.
            done = await ivan.wait_for(f"Заявка {ref} выполнена")
            await expect(done).to_contain_text("Прочистил дренаж")
            since = await ivan.press("5")
            await ivan.wait_for("Спасибо за оценку 5", since)
            await ivan.shot("04_client_rated")
            since = await ivan.say("Забыл пароль от почты, не могу войти")
            reply = "\n".join(await _replies(ivan, since))
            assert "Забыли пароль от почты" in reply, reply  # the article, as an answer or in a list
            assert "комментарий сохранён" not in reply, reply
            await engineer.wait_for(f"Клиент оценил {ref}: 5 из 5")
            await ivan.shot("04_client_new_question")

            # 4b. Anna's own request: everything she is told is English, the checklist and names included.
            since = await anna.say("My air conditioner is leaking water again")
            await anna.wait_for("Did this help?", since)
            since = await anna.press("Did not help")
            await anna.wait_for("Describe the problem", since)
            since = await anna.say("Water drips from the unit above the reception desk")
            if "Choose a site" not in "\n".join(await _replies(anna, since)):  # the type is asked first
                since = await anna.press("Air conditioning")
            sites = await anna.wait_for("Choose a site", since)
            since = await anna.mark()
            await sites.locator("button.chip:enabled").first.click()
            await anna.wait_for("How urgent is it?", since)
            since = await anna.press("Normal")
            anna_summary = await anna.wait_for("Please check the request", since)
            await expect(anna_summary).to_contain_text("Type: Air conditioning")
            since = await anna.press("Send the request")
            opened = await anna.wait_for("is open", since)
            found = TICKET_REF.search(await opened.inner_text())
            assert found, await opened.inner_text()
            anna_ref = found.group()
            anna_engineer = await _engineer_with_the_offer(browser, base, anna_ref)
            offer = await anna_engineer.wait_for(f"Новая заявка {anna_ref}")
            since = await anna_engineer.press("Принять", within=offer)
            await anna_engineer.wait_for(f"Вы приняли {anna_ref}", since)
            await anna.wait_for(f"has taken your request {anna_ref}")
            card = anna_engineer.page.locator(".msg.bot[data-card]", has_text=anna_ref).last
            await anna_engineer.press("В пути", within=card)
            await anna.wait_for(f"is on the way for {anna_ref}")
            await _finish_job(anna_engineer, anna_ref, card, "Cleaned the drain line", "04b_engineer")
            done = await anna.wait_for(f"Request {anna_ref} is done")
            await expect(done).to_contain_text("Cleaned the drain line")
            await anna.shot("04b_en_client_done")
            for text in await anna.bot.all_inner_texts():
                assert not CYRILLIC.search(text), f"Cyrillic in an English client's chat: {text!r}"

            # 5. The supervisor: the queue and the report with its chart as a picture.
            olga = await _new_chat(browser, base + "/staff", SUPERVISOR, "ru", "supervisor")
            # The picker says roles in the page's language ("(engineer)" showed in the Russian page).
            people = await olga.page.locator("#identity option").all_inner_texts()
            assert "Ольга Соколова (руководитель)" in people and not [p for p in people if "(engineer)" in p]
            since = await olga.say("/queue")
            queue = "\n".join(await _replies(olga, since))
            assert "Очередь пуста" in queue or "Ждут инженера" in queue, queue
            since = await olga.say("/report")
            picture = olga.page.locator(".msg.bot img").last
            await expect(picture).to_be_visible(timeout=WAIT_MS)
            assert await picture.evaluate("i => i.naturalWidth") > 100
            for text in await olga.texts_since(since):
                assert "[Фото]" not in text and "[Photo]" not in text, text
                assert not re.search(r"\d\.\d", text), text  # "100,0 %" and "5,00" to her, not "100.0%"
            await olga.shot("05_supervisor_report")

            # 6. The admin edits the article in the web admin; Иван asks again and gets the new text.
            admin = await (await browser.new_context(viewport={"width": 1280, "height": 900})).new_page()
            await admin.goto(base + "/admin/login?next=/admin/kb/ac-leak-ru")
            await admin.locator("input[name=login]").fill("a-admin")
            await admin.locator("input[name=password]").fill(DEMO_PASSWORDS["a-admin"])
            await admin.locator("form button[type=submit]").click()
            body = admin.locator("textarea[name=body]")
            await expect(body).to_contain_text("дренаж")
            await body.fill(EDITED + "\n\n" + await body.input_value())
            await admin.locator("#save-button").click()
            await expect(admin.locator(".flash.ok")).to_be_visible()
            if await admin.locator("#status-button").inner_text() == "Publish":
                await admin.locator("#status-button").click()
            await expect(admin.locator("#article-status")).to_have_text("published")
            await admin.screenshot(path=str(ARTIFACTS / "06_admin_edited.png"), full_page=True)
            since = await ivan.say("Кондиционер течёт, капает вода на пол")
            replies = "\n".join(await _replies(ivan, since))
            if "Вот что нашлось в базе знаний" not in replies:
                # Since #14's refit the edited article may come as the first of a list (not answered alone):
                # the client picks it and reads the new text all the same.
                assert "Возможно, подойдёт одна из статей" in replies, replies
                since = await ivan.press("Кондиционер течёт: капает вода")
            await ivan.wait_for("проверка 7731", since)
            await ivan.shot("06_client_gets_edited_article")
            # `make run` again loads the demo data again (`helpdesk demo-data`): the admin's edit stays, in the
            # admin and in the chat (bug 2: the demo article was republished over it).
            await seed_demo(rt.settings)
            await admin.reload()
            await expect(admin.locator("textarea[name=body]")).to_contain_text("проверка 7731")
            await expect(admin.locator("#article-status")).to_have_text("published")
            since = await ivan.say("Кондиционер течёт, капает вода на пол")
            if "Вот что нашлось в базе знаний" not in "\n".join(await _replies(ivan, since)):
                since = await ivan.press("Кондиционер течёт: капает вода")
            await ivan.wait_for("проверка 7731", since)
            await ivan.shot("06_client_edit_kept_after_demo_data")
            for text in await ivan.bot.all_inner_texts():
                assert "**" not in text, f"raw Markdown in the chat: {text!r}"

            # 7. The admin in Russian: the supervisor reads it in her language, the admin switches his.
            await _admin_in_russian(browser, base, ref)
            await admin.locator("header .langs button", has_text="RU").click()
            await expect(admin.locator("header nav")).to_contain_text("База знаний")
            await expect(admin.locator(".flash.ok")).to_contain_text("Язык изменён")
            # Times in the zone every other admin page uses, not bare UTC ("2026-12-07 02:01" beside "05:01 MSK").
            await expect(admin.locator("#not-answered")).to_contain_text("MSK")
            await admin.screenshot(path=str(ARTIFACTS / "07_admin_switched_to_russian.png"), full_page=True)
            await admin.locator("header .langs button", has_text="EN").click()
            await expect(admin.locator("header nav")).to_contain_text("Knowledge base")

            # 8. The leak is back: Иван reopens the job and it goes back to the engineer who did it, says it is
            # a reopen and why, and is in his /jobs (bug 6: a new engineer got a "New job").
            since = await ivan.say("Опять течёт кондиционер в переговорной, снова лужа")
            back = await ivan.wait_for(f"Похоже, проблема по заявке {ref} вернулась", since)
            since = await ivan.press(f"Да, открыть {ref} снова", within=back)
            await ivan.wait_for(f"Заявка {ref} снова открыта", since)
            await ivan.shot("08_client_reopened")
            reopened = await engineer.wait_for(f"Снова открыта заявка {ref}")
            await expect(reopened).to_contain_text("вы её выполняли")
            await expect(reopened).to_contain_text("Опять течёт")
            # Chosen because he did it (the routing's reason), not because he happened to rank first again.
            await expect(reopened).to_contain_text("до повторного открытия")
            await engineer.shot("08_engineer_reopen_offer")
            since = await engineer.say("/jobs")
            jobs = "\n".join(await _replies(engineer, since))
            assert f"Снова открыта заявка {ref}" in jobs, jobs  # the reopen waiting for his answer, said so
            # Said in his language like the offer was ("skill: hvac, 0.8 km from site" came back from the log).
            assert "навык: Кондиционеры и вентиляция" in jobs and "skill:" not in jobs, jobs
            assert f"Фото от клиента по {ref}" in jobs, jobs  # the card says the photo is below: it is
            await engineer.shot("08_engineer_jobs")
        finally:
            await browser.close()


async def _admin_in_russian(browser: Browser, base: str, ref: str) -> None:
    """The supervisor (Russian) signs in to the admin: the pages, states and filters are Russian, a client is
    picked by name, and the 30 date labels of a report chart do not overlap."""
    from playwright.async_api import expect

    page = await (
        await browser.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU")
    ).new_page()
    await page.goto(base + "/admin/login")
    await expect(page.locator("main h1")).to_have_text("Войти")  # the browser's language before signing in
    await page.locator("input[name=login]").fill(SUPERVISOR)
    await page.locator("input[name=password]").fill(DEMO_PASSWORDS[SUPERVISOR])
    await page.locator("form button[type=submit]").click()
    await expect(page.locator("header nav")).to_contain_text("Заявки")
    await page.goto(base + "/admin/tickets")
    await page.locator("input[name=client]").fill("ромашка")  # part of the name, any case
    await page.locator("form.filters button[type=submit]").click()
    table = page.locator("#tickets-table")
    await expect(table).to_contain_text(ref)
    await expect(page.locator("input[name=client]")).to_have_value(re.compile("Ромашка"))
    shown = await table.inner_text()
    assert "Выполнена" in shown or "Закрыта" in shown, shown  # readable states, not resolved / closed
    for raw in ("in_progress", "resolved", "closed", "on_hold", "at_risk"):
        assert raw not in shown, (raw, shown)
    await page.screenshot(path=str(ARTIFACTS / "07_admin_ru_tickets.png"), full_page=True)
    # The ticket page: no raw configuration (the zone, the policy's key, "кому: assignee").
    await page.goto(base + f"/admin/tickets/{ref.removeprefix('HD-')}")
    sla = page.locator("#sla")
    await expect(sla).to_contain_text("политика «стандартная»")
    shown = await page.locator("main").inner_text()
    for raw in ("Europe/Moscow", "assignee", "supervisor", "standard"):
        assert raw not in shown, (raw, shown)
    await page.screenshot(path=str(ARTIFACTS / "07_admin_ru_ticket.png"), full_page=True)
    await page.goto(base + "/admin/reports")  # the last 30 days by day
    chart = page.locator("svg.chart").first
    await expect(chart).to_be_visible()
    boxes = await chart.locator("text.chart-label").evaluate_all(
        "els => els.map(e => { const b = e.getBBox(); return [b.x, b.x + b.width, e.textContent]; })"
    )
    assert len(boxes) >= 4, boxes
    for (_l1, right, first), (left, _r2, second) in itertools.pairwise(boxes):
        assert right < left, f"date labels {first!r} and {second!r} overlap"
    assert not [b for b in boxes if re.fullmatch(r"\d{4}-\d{2}-\d{2}", b[2])], boxes  # "7 нояб.", not ISO
    await page.screenshot(path=str(ARTIFACTS / "07_admin_ru_report.png"), full_page=True)
    await page.context.close()


async def _open_request(client: Chat, problem: str) -> str:
    """The client opens a request at once (/new) at the Petrogradskaya office, normal urgency; its number."""
    since = await client.say("/new")
    await client.wait_for("Опишите проблему", since)
    since = await client.say(problem)
    if "К чему это относится?" in "\n".join(await _replies(client, since)):
        since = await client.press("Кондиционеры и вентиляция")
    await client.wait_for("Выберите объект", since)
    since = await client.say("на петроградской")
    await client.wait_for("Насколько срочно?", since)
    since = await client.say("обычная")
    await client.wait_for("Проверьте заявку", since)
    since = await client.press("Отправить заявку")
    found = TICKET_REF.search(await (await client.wait_for("оформлена", since)).inner_text())
    assert found
    return found.group()


async def test_an_afternoon_of_cancels_and_alerts(day_app: tuple[Runtime, str]) -> None:
    """The afternoon, with the app's clock moved on: a cancelled job's offer timer passes without a word to the
    engineer (bug 5); a job both air-conditioning engineers decline reaches the supervisor, who presses the
    buttons of the "no engineer" alert and, 45 minutes on, of the 75 % SLA warning (issue #18, friction)."""
    from playwright.async_api import async_playwright

    rt, base = day_app
    ahead = [timedelta(0)]

    def clock() -> datetime:
        return utcnow() + ahead[0]

    # The worker's timers (offers, SLA) run on the engine's clock; the outbox rows it writes are due on it too.
    rt.engine.clock = rt.delivery.clock = rt.inbox.clock = clock
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("10_*.png"):
        old.unlink()

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            ivan = await _new_chat(browser, base + "/", IVAN, "ru", "ivan")
            olga = await _new_chat(browser, base + "/staff", SUPERVISOR, "ru", "supervisor")

            # 1. Иван opens a request and cancels it while it is offered; the offer's time passes.
            ref = await _open_request(ivan, "Кондиционер гудит и не холодит в переговорной")
            engineer = await _engineer_with_the_offer(browser, base, ref)
            since = await ivan.say(f"/cancel {ref}")
            ask = await ivan.wait_for(f"Отменить заявку {ref}?", since)
            since = await ivan.press("Да, отменить", within=ask)
            await ivan.wait_for(f"Заявка {ref} отменена", since)
            await engineer.wait_for(f"Клиент отменил заявку {ref}")
            ahead[0] = timedelta(seconds=rt.settings.offer_timeout_s + 60)
            await expire_offers_once(rt.engine)  # what the worker does every few seconds, now
            await engineer.page.wait_for_timeout(2000)  # what it would say would be delivered by now
            for text in await engineer.bot.all_inner_texts():
                assert f"Время на ответ по {ref} истекло" not in text, text
            await engineer.shot("10_engineer_after_cancelled_offer_time")
            timeline = await _admin_timeline(browser, base, ref)
            assert "Заявка отменена" in timeline, timeline
            assert "Время на ответ истекло" not in timeline, timeline
            await engineer.page.context.close()

            # 2. Another request: both air-conditioning engineers decline it, the supervisor is told.
            ref = await _open_request(ivan, "Из кондиционера в кабинете 12 пахнет гарью")
            declined = ""
            for _ in range(2):
                engineer = await _engineer_with_the_offer(browser, base, ref, skip=declined)
                offer = await engineer.wait_for(f"Новая заявка {ref}")
                since = await engineer.press("Отклонить", within=offer)
                why = await engineer.wait_for(f"Почему отклоняете {ref}?", since)
                since = await engineer.press("Занят", within=why)
                await engineer.wait_for(f"Вы отклонили {ref}", since)
                declined = engineer.name
                await engineer.page.context.close()
            alert = await olga.wait_for(f"Нет инженера для {ref}")
            await ivan.wait_for(f"Ищем свободного инженера для заявки {ref}")
            await olga.shot("10_supervisor_no_engineer")
            since = await olga.press("Повысить приоритет", within=alert)
            await olga.wait_for(f"Приоритет {ref} повышен", since)

            # 3. 50 minutes later nobody has it: the 75 % warning reaches the supervisor, who gives it to someone.
            ahead[0] += timedelta(minutes=50)
            warning = await olga.wait_for(f"⚠ {ref}: срок ответа подходит к концу")
            await olga.shot("10_supervisor_sla_warning")
            since = await olga.press("Переназначить", within=warning)
            who = await olga.wait_for(f"Кому передать {ref}? Сейчас она ни у кого", since)
            since = await olga.press("Сергей Петров", within=who)
            await olga.wait_for(f"{ref} предложена инженеру", since)
            await olga.shot("10_supervisor_reassigned")
            petrov = await _new_chat(browser, base + "/staff", "e-petrov", "ru", "petrov")
            await petrov.wait_for(f"{ref}")
            await petrov.shot("10_engineer_gets_reassigned_job")
        finally:
            await browser.close()


async def _admin_timeline(browser: Browser, base: str, ref: str) -> str:
    """The ticket's timeline in the web admin, as the supervisor (Russian) reads it; screenshot saved."""
    from playwright.async_api import expect

    page = await (
        await browser.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU")
    ).new_page()
    await page.goto(base + f"/admin/login?next=/admin/tickets/{ref.removeprefix('HD-')}")
    await page.locator("input[name=login]").fill(SUPERVISOR)
    await page.locator("input[name=password]").fill(DEMO_PASSWORDS[SUPERVISOR])
    await page.locator("form button[type=submit]").click()
    timeline = page.locator("#timeline")
    await expect(timeline).to_be_visible()
    await page.screenshot(path=str(ARTIFACTS / "10_admin_cancelled_ticket.png"), full_page=True)
    text = await timeline.inner_text()
    await page.context.close()
    return text
