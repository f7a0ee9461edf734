"""Button codecs (`dialogue.payloads`): every action reads back what it wrote, in the text the flows always
built (buttons already in chats keep working), fits Telegram's 64 bytes signed with its longest values, and a
garbled or forged payload is refused with a clear answer, never a crash."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialogue import payloads as p
from dialogue.conversation import EditField
from dialogue.messages import Bot
from dialogue.payloads import Action, PayloadSigner, decode
from tests.support.transcript import ChatDriver, Person

CODECS: list[type[Action]] = [cls for same in Action._codecs.values() for cls in same]

# The text each action had when the flows built it with f-strings: a button sent then is read now.
WIRE: dict[str, Action] = {
    "in:q": p.IntakeUseQuestion(),
    "in:x": p.IntakeCancel(),
    "in:ok": p.IntakeConfirm(),
    "in:ed": p.IntakeEdit(),
    "in:c:hvac": p.IntakeCategory("hvac"),
    "in:s:2": p.IntakeSite(2),
    "in:p:P2": p.IntakePriority("P2"),
    "in:ef:place": p.IntakeEditField(EditField.PLACE),
    "kb:y:a1b2c3": p.KbHelped("a1b2c3"),
    "kb:n:a1b2c3": p.KbNotHelped("a1b2c3"),
    "kb:s:a1b2c3:4": p.KbChoose("a1b2c3", 4),
    "rt:1001:5": p.Rate(1001, 5),
    "ro:1001": p.NotFixed(1001),
    "nq:0f0f0f": p.NewQuestion("0f0f0f"),
    "rc:skip:1001": p.SkipRatingComment(1001),
    "cx:1001": p.CancelAsk(1001),
    "cx:1001:y": p.CancelAnswer(1001, "y"),
    "cx:0:n": p.CancelAnswer(0, "n"),
    "lg:en": p.Language("en"),
    "rl:1001": p.TalkToPerson(1001),
    "tk:1001": p.ShowTicket(1001),
    "of:a:1001": p.OfferAccept(1001),
    "of:d:1001": p.OfferDecline(1001),
    "of:r:1001:busy": p.OfferDeclineReason(1001, "busy"),
    "jb:d:1001": p.JobStep("d", 1001),
    "jb:v:1001": p.JobStep("v", 1001),
    "jb:t:1001:30": p.JobTime(1001, "30"),
    "jb:t:1001:-": p.JobTime(1001, "-"),
    "jb:w:1001:parts": p.JobHoldReason(1001, "parts"),
    "ck:3:1001": p.ChecklistTick(3, 1001),
    "ck:ok:1001": p.ChecklistDone(1001),
    "jp:1001:filter-hepa": p.PartPick(1001, "filter-hepa"),
    "jp:1001:ok": p.PartPick(1001, "ok"),  # a part's code may be any word; "jp:ok:N" is Done
    "jp:ok:1001": p.PartsDone(1001),
    "jp:x:1001": p.PartsClear(1001),
    "jp:m:1001": p.PartsMore(1001),
    "es:1001:y": p.EstimateAnswer(1001, "y"),
    "dh:1001:n": p.DebtHoldAnswer(1001, "n"),
    "sla:a:1001:rsl1": p.SlaAck(1001, "rsl1"),
    "sla:p:1001": p.SlaRaise(1001),
    "sla:r:1001": p.SlaReassign(1001),
    "sla:q:1001": p.SlaToQueue(1001),
    "sla:e:1001:e-petrov": p.SlaToEngineer(1001, "e-petrov"),
    "sla:x:1001:rsp": p.SlaExtend(1001, "rsp"),
    "sla:d:1001:120": p.SlaExtendBy(1001, 120),
    "kb:p:printer-jam": p.KbPublish("printer-jam"),
    "kb:u:printer-jam": p.KbUnpublish("printer-jam"),
    "kb:e:body:faq:printer": p.KbEdit("body", "faq:printer"),  # an article id may hold ":"
    "kb:l:1001:faq:printer": p.KbLink(1001, "faq:printer"),
    "jb:k:1001": p.JobStep("k", 1001),
}

BIG = 10**10  # the largest ticket number a button carries
# Each codec at its longest: the ids that fit are the longest an id may be and still get a button.
WORST: dict[type[Action], Action] = {
    p.IntakeUseQuestion: p.IntakeUseQuestion(),
    p.IntakeCancel: p.IntakeCancel(),
    p.IntakeConfirm: p.IntakeConfirm(),
    p.IntakeEdit: p.IntakeEdit(),
    p.IntakeCategory: p.IntakeCategory("c" * 32),
    p.IntakeSite: p.IntakeSite(99),
    p.IntakePriority: p.IntakePriority("p" * 32),
    p.IntakeEditField: p.IntakeEditField(EditField.DESCRIPTION),
    p.KbHelped: p.KbHelped("f" * 16),
    p.KbNotHelped: p.KbNotHelped("f" * 16),
    p.KbChoose: p.KbChoose("f" * 16, 99),
    p.Rate: p.Rate(BIG, 5),
    p.NotFixed: p.NotFixed(BIG),
    p.NewQuestion: p.NewQuestion("f" * 16),
    p.SkipRatingComment: p.SkipRatingComment(BIG),
    p.CancelAsk: p.CancelAsk(BIG),
    p.CancelAnswer: p.CancelAnswer(BIG, "y"),
    p.Language: p.Language("en"),
    p.TalkToPerson: p.TalkToPerson(BIG),
    p.ShowTicket: p.ShowTicket(BIG),
    p.OfferAccept: p.OfferAccept(BIG),
    p.OfferDecline: p.OfferDecline(BIG),
    p.OfferDeclineReason: p.OfferDeclineReason(BIG, "r" * 32),
    p.JobStep: p.JobStep("v", BIG),
    p.JobTime: p.JobTime(BIG, "999999"),
    p.JobHoldReason: p.JobHoldReason(BIG, "client"),
    p.ChecklistTick: p.ChecklistTick(99, BIG),
    p.ChecklistDone: p.ChecklistDone(BIG),
    p.PartPick: p.PartPick(BIG, "p" * 32),
    p.PartsDone: p.PartsDone(BIG),
    p.PartsClear: p.PartsClear(BIG),
    p.PartsMore: p.PartsMore(BIG),
    p.EstimateAnswer: p.EstimateAnswer(BIG, "y"),
    p.DebtHoldAnswer: p.DebtHoldAnswer(BIG, "n"),
    p.SlaAck: p.SlaAck(BIG, "rsl99"),
    p.SlaRaise: p.SlaRaise(BIG),
    p.SlaReassign: p.SlaReassign(BIG),
    p.SlaToQueue: p.SlaToQueue(BIG),
    p.SlaToEngineer: p.SlaToEngineer(BIG, "e" * 33),
    p.SlaExtend: p.SlaExtend(BIG, "rsl"),
    p.SlaExtendBy: p.SlaExtendBy(BIG, 100_000),
    p.KbPublish: p.KbPublish("a" * 46),
    p.KbUnpublish: p.KbUnpublish("a" * 46),
    p.KbEdit: p.KbEdit("title", "a" * 40),
    p.KbLink: p.KbLink(BIG, "a" * 34),
}


def test_every_codec_has_a_wire_example_and_a_worst_case() -> None:
    assert set(WORST) == set(CODECS)
    assert {type(action) for action in WIRE.values()} == set(CODECS)
    assert len(CODECS) >= 38


@pytest.mark.parametrize("text", list(WIRE))
def test_the_text_buttons_always_carried_reads_as_its_action_and_is_written_the_same(text: str) -> None:
    assert decode(text) == WIRE[text]
    assert WIRE[text].encode() == text


@pytest.mark.parametrize("cls", CODECS, ids=lambda c: c.__name__)
def test_the_longest_action_of_every_codec_fits_telegrams_64_bytes_signed(cls: type[Action]) -> None:
    action = WORST[cls]
    payload = PayloadSigner("s" * 64).sign("staff", "9" * 20, action.encode())
    assert len(payload.encode()) <= 64  # Telegram's callback_data limit
    assert decode(payload.rsplit("|", 1)[0]) == action


def test_an_id_too_long_for_a_button_is_refused_when_built() -> None:
    too_long = p.SlaToEngineer(BIG, "e" * 34)
    assert not too_long.fits()
    with pytest.raises(ValueError, match="too long"):
        too_long.encode()
    assert p.KbEdit("title", "a" * 40).fits() and not p.KbEdit("title", "a" * 41).fits()
    assert p.KbLink(BIG, "a" * 34).fits() and not p.KbLink(BIG, "a" * 35).fits()


def test_a_forged_payload_that_is_not_ascii_is_refused_not_a_crash() -> None:
    signer = PayloadSigner("s" * 64)
    genuine = signer.sign("staff", "42", p.JobStep("d", 1042).encode())

    assert signer.verify("staff", "42", genuine) == "jb:d:1042"
    assert signer.verify("staff", "42", "jb:d:1042|ééééééééééé") is None  # hmac cannot compare it as a str
    assert signer.verify("staff", "42", "jb:d:1042|" + "x" * 60) is None


# --- properties: any action round-trips; any text decodes to an action or None, never an exception
_FIELD = {
    "TicketNo": st.integers(0, BIG),
    "Index": st.integers(0, 99),
    "Tag": st.text("0123456789abcdef", min_size=1, max_size=16),
    "Word": st.from_regex(r"\A[A-Za-z0-9_-]{1,32}\Z"),
    "Ident": st.from_regex(r"\A[A-Za-z0-9_.:@+-]{1,30}\Z"),
    "Minutes": st.from_regex(r"\A(\d{1,6}|-)\Z"),
    "EditField": st.sampled_from(EditField),
    "SlaClock": st.sampled_from(["rsp", "rsl"]),
    "JobVerb": st.sampled_from(["o", "s", "c", "h", "r", "d", "x", "z", "m", "n", "v"]),
    "YesNo": st.sampled_from(["y", "n"]),
    "HoldReason": st.sampled_from(["parts", "client"]),
    "KbField": st.sampled_from(["title", "body"]),
    "Score": st.integers(1, 5),
    "ExtendBy": st.integers(1, 100_000),
    "LangCode": st.from_regex(r"\A[a-z]{2}\Z"),
    "AlertKey": st.from_regex(r"\A(rsp|rsl)\d{1,2}\Z"),
}


def _strategy(cls: type[Action]) -> st.SearchStrategy[Action]:
    args: dict[str, Any] = {f.name: _FIELD[str(f.type)] for f in fields(cls)}
    return st.builds(cls, **args).filter(lambda a: a.fits())


_actions = st.one_of([_strategy(cls) for cls in CODECS])


@settings(max_examples=500, deadline=None)
@given(_actions)
def test_every_action_reads_back_what_it_wrote(action: Action) -> None:
    assert decode(action.encode()) == action


_pieces = st.sampled_from(sorted({c.code for c in CODECS} | {"", "-1", "999999999999", "ok", "y", "x", ":"}))
_garbled = st.lists(_pieces | st.text(max_size=12), max_size=6).map(":".join)


@settings(max_examples=1000, deadline=None)
@given(st.text(max_size=70) | _garbled)
def test_any_text_is_an_action_or_refused_never_a_crash(text: str) -> None:
    action = decode(text)
    assert action is None or decode(action.encode()) == action


# --- through the engine: a garbled action signed with the right key is refused in words, nothing changes
BAD = "Эта кнопка устарела или не для вас. Напишите, что нужно, или /help."


@pytest.mark.parametrize(
    "action", ["jb:q:1001", "rt:1001:9", "cx:abc", "in:ef:everything", "sla:a:1001:zzz", "ck:-1:1001", "nq"]
)
async def test_a_garbled_button_gets_a_clear_refusal(chat: ChatDriver, action: str) -> None:
    for person in (Person(Bot.CLIENT, "romashka-ivan"), Person(Bot.STAFF, "e-petrov")):
        payload = PayloadSigner("test-secret").sign(str(person.bot), person.account, action)
        assert await chat.send_inbound(person, payload=payload) == [BAD]
