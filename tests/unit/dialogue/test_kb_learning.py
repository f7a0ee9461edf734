"""The bot learns from its clients: Helped keeps the question, Did not help lowers it, engineers link articles.

A real `KnowledgeBase` (hashed-stem embedder) reads articles and phrasings from the memory unit of work.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from dialogue import kb_links
from dialogue.messages import Bot
from kb_search.model import Article, Reader
from kb_search.service import KnowledgeBase
from tests.fakes.memory_uow import MemoryUnitOfWorkFactory
from tests.support.transcript import ChatDriver, Person
from tests.unit.dialogue.conftest import Clock, chat_on, kb_over_articles
from tests.unit.kb_search.fakes import HashEmbedder, MemoryArticleRepository
from ticket_core.model import Ticket

QUESTION = "the vpn app will not sign me in from home"


@pytest.fixture
async def real_kb(uows: MemoryUnitOfWorkFactory) -> AsyncIterator[KnowledgeBase]:
    kb = await kb_over_articles(uows)
    # Just above what the fresh question gets: it is offered as a choice, never answered alone.
    kb.threshold = (await kb.search(QUESTION, Reader.client("acme"))).confidence + 0.01
    yield kb
    await kb.close()


@pytest.fixture
def learning_chat(uows: MemoryUnitOfWorkFactory, real_kb: KnowledgeBase, clock: Clock) -> ChatDriver:
    return chat_on(uows, real_kb, clock)


def _kinds(uows: MemoryUnitOfWorkFactory) -> list[str]:
    return [i["kind"] for i in uows.state.interactions]


async def test_helped_teaches_the_question_to_its_client_and_did_not_help_takes_it_back(
    learning_chat: ChatDriver,
    real_kb: KnowledgeBase,
    uows: MemoryUnitOfWorkFactory,
    anna: Person,
    ivan: Person,
) -> None:
    chat = learning_chat
    got = await chat.say(anna, QUESTION)
    assert got == ["One of these articles may help:"]
    got = await chat.press(anna, "How to connect to the VPN")
    assert "How to connect to the VPN" in got[0]
    assert await chat.press(anna, "Helped") == ["Glad it helped! Write any time."]
    [kept] = uows.state.phrasings.values()
    assert (kept.article_id, kept.text, kept.helped_by, kept.audience) == (
        "vpn-connect",
        QUESTION,
        ("client:acme",),
        "public",
    )

    await real_kb.refresh()
    got = await chat.say(anna, "The VPN app will not sign me in from home!")
    assert "Here is what I found" in got[0] and "How to connect to the VPN" in got[0]
    assert _kinds(uows)[-1] == "kb_answer"
    # One client's confirmation answers that client only: another client still gets choices.
    got = await chat.say(ivan, QUESTION)
    assert _kinds(uows)[-1] == "kb_no_answer"

    # Did not help on the automatic answer turns the pairing against the article for that client.
    await chat.press(anna, "Did not help")
    [kept] = uows.state.phrasings.values()
    assert kept.helped_by == () and kept.not_helped_by == ("client:acme",) and kept.not_helped == 1
    await real_kb.refresh()
    await chat.say(anna, "/cancel")  # Did not help opened the request form
    await chat.say(anna, QUESTION)
    assert _kinds(uows)[-1] == "kb_no_answer"


async def test_did_not_help_on_a_picked_choice_keeps_nothing(
    learning_chat: ChatDriver, uows: MemoryUnitOfWorkFactory, anna: Person
) -> None:
    await learning_chat.say(anna, QUESTION)
    await learning_chat.press(anna, "How to connect to the VPN")
    await learning_chat.press(anna, "Did not help")
    assert uows.state.phrasings == {} and _kinds(uows)[-1] == "kb_not_helped"


async def test_an_engineer_links_articles_in_the_resolution_note_within_the_clients_audience(
    learning_chat: ChatDriver, uows: MemoryUnitOfWorkFactory, ivan: Person, petrov: Person
) -> None:
    from tests.unit.dialogue.test_transcripts import finish_job, open_ticket_as

    chat = learning_chat
    await open_ticket_as(chat, ivan, "Течёт кран на кухне", "Сантехника", "Ромашка на Невском")
    chat.new_texts(petrov)
    note = "Заменил прокладку (kb:ac-filter), см. также kb:eng-only, kb:acme-badge и kb:nope."
    await finish_job(chat, petrov, note)
    got = [m.text for m in chat.messages(petrov)][-5:]
    assert "HD-1001" in got[0]
    assert got[1:] == [
        "Статья ac-filter связана с вопросом клиента: похожие вопросы теперь найдут её.",
        # An internal article keeps the client's question for staff only (their suggestions on similar jobs).
        "Статья «Регламент выезда инженера» (только для сотрудников) связана с вопросом по HD-1001: коллеги "
        "увидят её в подсказках к похожим заявкам.",
        "Статья acme-badge не связана: refused: the question of client romashka cannot be linked to article "
        "acme-badge (audience client:acme), which that person may not read",
        "Статьи nope нет среди опубликованных; связь не сохранена.",
    ]
    kept, internal = uows.state.phrasings.values()
    assert (internal.article_id, internal.audience) == ("eng-only", "internal")
    assert (kept.article_id, kept.text, kept.source, kept.helped_by, kept.open) == (
        "ac-filter",
        "Течёт кран на кухне",
        "engineer_linked",
        ("staff:e-petrov",),
        True,
    )
    assert [i["kind"] for i in uows.state.interactions if i["kind"] == "kb_linked"] == ["kb_linked"] * 2
    ticket = next(iter(uows.state.tickets.values()))
    assert str(ticket.status) == "resolved" and "kb:ac-filter" in (ticket.resolution_note or "")


@pytest.fixture
def ivanova() -> Person:
    """The printer engineer of Saint Petersburg, where Romashka's Nevsky site is."""
    return Person(Bot.STAFF, "e-ivanova", "Мария", "ru")


def _labels(chat: ChatDriver, person: Person) -> list[str]:
    """The buttons of the newest message this person got that has any."""
    newest = next(m for m in reversed(chat.messages(person)) if m.buttons)
    return [b.text for row in newest.buttons for b in row]


async def test_an_engineer_links_a_suggested_article_with_one_press(
    learning_chat: ChatDriver, uows: MemoryUnitOfWorkFactory, ivan: Person, ivanova: Person
) -> None:
    from tests.unit.dialogue.test_transcripts import open_ticket_as

    chat = learning_chat
    await open_ticket_as(
        chat, ivan, "Замятие бумаги в принтере, лист застрял внутри", "Принтеры", "Ромашка на Невском"
    )
    await chat.press(ivanova, "Принять")
    chat.new_texts(ivanova)

    # The job card's KB button: articles for the client's question, internal ones (🔒) included, never
    # another client's private section.
    got = await chat.press(ivanova, "📚 Статьи БЗ")
    assert got == [
        "Статьи базы знаний к вопросу по HD-1001: «Замятие бумаги в принтере, лист застрял внутри». "
        "Нажмите ту, что на него отвечает."
    ]
    offered = _labels(chat, ivanova)
    assert {"📖 Принтер замял бумагу", "🔒 Регламент выезда инженера"} <= set(offered)
    assert len(offered) <= 3 and not any("ACME" in label for label in offered)

    # Done: the checklist, then the note question with the same articles under it.
    await chat.press(ivanova, "Выполнено")
    await chat.press(ivanova, "⬜ Очистить тракт")
    await chat.press(ivanova, "⬜ Распечатать")
    got = await chat.press(ivanova, "Всё сделано")
    assert "Опишите, что сделано по HD-1001" in got[-1] and "нажмите статью ниже" in got[-1]
    assert _labels(chat, ivanova) == offered

    got = await chat.press(ivanova, "📖 Принтер замял бумагу")
    assert got == [
        "Статья «Принтер замял бумагу» связана с вопросом клиента по HD-1001: похожие вопросы теперь найдут её."
    ]
    got = await chat.press(ivanova, "🔒 Регламент выезда инженера")
    assert got == [
        "Статья «Регламент выезда инженера» (только для сотрудников) связана с вопросом по HD-1001: коллеги "
        "увидят её в подсказках к похожим заявкам."
    ]
    kept = {p.article_id: p for p in uows.state.phrasings.values()}
    assert set(kept) == {"printer-jam", "eng-only"}
    question = "Замятие бумаги в принтере, лист застрял внутри"
    assert (kept["printer-jam"].text, kept["printer-jam"].audience, kept["printer-jam"].helped_by) == (
        question,
        "public",
        ("staff:e-ivanova",),
    )
    # The client's words on an internal article count for staff only.
    assert kept["eng-only"].audience == "internal" and kept["eng-only"].open
    links = [i for i in uows.state.interactions if i["kind"] == "kb_linked"]
    assert [i["article_id"] for i in links] == ["printer-jam", "eng-only"]

    # The presses left the note question waiting: the job is finished as before.
    got = await chat.say(ivanova, "Вытащил лист, почистил ролики")
    assert "Сколько времени" in got[-1]
    got = await chat.press(ivanova, "Пропустить")
    assert any("HD-1001 закрыта как выполненная" in g for g in got), got


async def test_a_link_button_works_only_for_the_jobs_engineer_and_readable_articles(
    learning_chat: ChatDriver, uows: MemoryUnitOfWorkFactory, ivan: Person, ivanova: Person
) -> None:
    from dialogue.payloads import KbLink, PayloadSigner
    from tests.unit.dialogue.test_transcripts import open_ticket_as

    chat = learning_chat
    await open_ticket_as(chat, ivan, "Принтер замял бумагу", "Принтеры", "Ромашка на Невском")
    await chat.press(ivanova, "Принять")
    await chat.press(ivanova, "📚 Статьи БЗ")
    chat.new_texts(ivanova)
    signer = PayloadSigner("test-secret")

    # Another engineer's press on Ivanova's button is refused by the signature; signed for themselves, by the job.
    smirnov = Person(Bot.STAFF, "e-smirnov", "Алексей")
    await chat.say(smirnov, "/start SMIRNOV-2026")
    chat.new_texts(smirnov)
    await chat._send(smirnov, payload=chat.find_button(ivanova, "📖 Принтер замял бумагу"))
    assert "Эта кнопка устарела или не для вас" in " ".join(chat.new_texts(smirnov))
    own = signer.sign("staff", "e-smirnov", KbLink(1001, "printer-jam").encode())
    await chat._send(smirnov, payload=own)
    assert chat.new_texts(smirnov) == ["Не нашёл такой заявки среди ваших. Проверьте номер."]

    # A button naming another client's article, or one that is gone, changes nothing and says why.
    for article_id, why in (("acme-badge", "не связана: refused"), ("nope", "Статьи nope нет")):
        payload = signer.sign("staff", "e-ivanova", KbLink(1001, article_id).encode())
        await chat._send(ivanova, payload=payload)
        assert why in " ".join(chat.new_texts(ivanova))
    assert uows.state.phrasings == {}
    assert not [i for i in uows.state.interactions if i["kind"] == "kb_linked"]


async def test_an_english_engineer_gets_the_suggestions_in_english(
    learning_chat: ChatDriver, uows: MemoryUnitOfWorkFactory, anna: Person
) -> None:
    from tests.unit.dialogue.test_transcripts import open_ticket_as

    chat = learning_chat
    miller = Person(Bot.STAFF, "e-miller", "John", "en")
    for colleague in ("e-smirnov", "e-ivanova"):  # off shift: the job goes to the English-speaking engineer
        assert "/shift" not in " ".join(await chat.say(Person(Bot.STAFF, colleague), "/shift off"))
    await open_ticket_as(
        chat, anna, "The VPN app will not sign me in from home", "Computers and network", "Head office"
    )
    got = " ".join(chat.new_texts(miller))
    assert "HD-1001" in got, got
    await chat.press(miller, "Accept")
    got = await chat.press(miller, "📚 KB articles")
    assert got == [
        "KB articles for the question on HD-1001: “The VPN app will not sign me in from home”. "
        "Press the one that answers it."
    ]
    assert _labels(chat, miller)[0] == "📖 How to connect to the VPN"
    got = await chat.press(miller, "📖 How to connect to the VPN")
    assert got == [
        "Article “How to connect to the VPN” is linked to the client's question on HD-1001: similar questions "
        "now find it."
    ]
    [kept] = uows.state.phrasings.values()
    assert (kept.article_id, kept.audience) == ("vpn-connect", "public")


AC_LEAK = Article(
    "ac-leak-ru",
    "Кондиционер течёт: капает вода",
    "Если из кондиционера течёт и капает вода, забит дренаж: выключите его и вызовите инженера.",
    lang="ru",
    tags=("кондиционер", "течёт", "капает вода", "протечка", "дренаж"),
)
TAP_LEAK = Article(
    "tap-leak",
    "Течёт кран на кухне",
    "Если кран течёт и капает вода, перекройте воду под раковиной и замените прокладку.",
    lang="ru",
    tags=("кран", "смеситель", "сантехника"),
)


async def _kb_of(uows: MemoryUnitOfWorkFactory, articles: list[Article]) -> KnowledgeBase:
    repository = MemoryArticleRepository()
    for article in articles:
        await repository.upsert(article, "admin")
    uows.articles = repository
    kb = KnowledgeBase(embedder=HashEmbedder())
    await kb.load(uows, refresh_every=None)
    return kb


@pytest.mark.parametrize("with_plumbing_article", [True, False])
async def test_a_plumbing_job_is_not_offered_air_conditioner_articles(
    uows: MemoryUnitOfWorkFactory, clock: Clock, ivan: Person, petrov: Person, with_plumbing_article: bool
) -> None:
    # #18: the engineer's KB suggestions for a leaking tap were the air conditioner's leak articles (they
    # share "течёт", "капает вода"); suggestions must fit the job's category, or say honestly that none does.
    from tests.unit.dialogue.test_transcripts import open_ticket_as

    kb = await _kb_of(uows, [AC_LEAK, TAP_LEAK] if with_plumbing_article else [AC_LEAK])
    try:
        chat = chat_on(uows, kb, clock)
        await open_ticket_as(
            chat, ivan, "Течёт кран на кухне, капает вода", "Сантехника", "Ромашка на Невском"
        )
        await chat.press(petrov, "Принять")
        chat.new_texts(petrov)
        got = await chat.press(petrov, "📚 Статьи БЗ")
        if with_plumbing_article:
            assert "Статьи базы знаний к вопросу по HD-1001" in got[0]
            assert _labels(chat, petrov) == ["📖 Течёт кран на кухне"]
        else:
            assert got == [
                "К вопросу по HD-1001 не нашлось статей базы знаний из категории «Сантехника»; статьи других "
                "категорий не предлагаю. Если подходящая статья есть, укажите её как kb:ID в описании, когда "
                "завершите заявку."
            ]
        # The note question of Done offers the same, or says the same.
        await chat.press(petrov, "Выполнено")
        note_q = joined_texts(await chat.photo(petrov, "after"))
        assert "Опишите, что сделано по HD-1001" in note_q and "Кондиционер" not in note_q
        if not with_plumbing_article:
            assert "не нашлось статей базы знаний из категории «Сантехника»" in note_q
        # The air conditioner's job still gets its article: the filter is by the job's category.
        assert [a.id for a in await kb_links.suggestions(kb, replace(_ticket(uows), category="hvac"))] == [
            "ac-leak-ru"
        ]
    finally:
        await kb.close()


def joined_texts(texts: list[str]) -> str:
    return "\n---\n".join(texts)


def _ticket(uows: MemoryUnitOfWorkFactory) -> Ticket:
    return next(iter(uows.state.tickets.values()))


def _demo_articles() -> list[Article]:
    from tests.unit.dialogue.test_kb_topics import _demo

    return list(_demo().values())


async def test_a_heating_job_is_not_offered_general_articles_the_search_is_unsure_of(
    uows: MemoryUnitOfWorkFactory, clock: Clock, ivan: Person, petrov: Person
) -> None:
    # #18 replay: a heating job "очень срочно, люди мёрзнут" was offered "Вывоз мусора", "Застряли в лифте",
    # "Изменить договор": articles about no category passed as general whatever their score. A general
    # article must be what the search is confident of; else nothing is offered rather than noise.
    from tests.unit.dialogue.test_transcripts import open_ticket_as

    kb = await _kb_of(uows, _demo_articles())
    try:
        chat = chat_on(uows, kb, clock)
        await open_ticket_as(
            chat, ivan, "Срочно нужен мастер, люди мёрзнут", "Отопление и котлы", "Ромашка на Невском"
        )
        assert _ticket(uows).category == "heating"
        await chat.press(petrov, "Принять")
        chat.new_texts(petrov)
        got = await chat.press(petrov, "📚 Статьи БЗ")
        assert "не нашлось статей базы знаний" in got[0] and "Нажмите ту" not in got[0], got
        assert not chat.messages(petrov)[-1].buttons
        # Nor does the note question of Done.
        await chat.press(petrov, "Выполнено")
        await chat.press(petrov, "⬜ Проверить давление в системе")
        await chat.press(petrov, "⬜ Проверить розжиг и пламя")
        note_q = joined_texts(await chat.press(petrov, "Всё сделано"))
        if "Опишите, что сделано" not in note_q:  # a heating job may want a photo first
            note_q = joined_texts(await chat.photo(petrov, "after"))
        assert "Опишите, что сделано по HD-1001" in note_q and "нажмите статью ниже" not in note_q, note_q
        # A general article the search is sure of is still offered (an elevator stuck on an electrical job).
        kb.threshold = (await kb.search("Застряли в лифте", Reader.staff())).confidence - 0.01
        stuck = replace(_ticket(uows), category="electrical", description="Застряли в лифте")
        assert [a.id for a in await kb_links.suggestions(kb, stuck)][:1] == ["elevator-stuck"]
    finally:
        await kb.close()
