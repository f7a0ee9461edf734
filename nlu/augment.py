"""Variants of the training messages, for the first stage to learn the full model's answers on (distillation).

The first stage (TF-IDF and the cheap encoders) sees only ten or so phrasings of an intent in a few-shot set;
the full model (with the transformer encoders) generalises further. Labelling variants of the training
messages with the full model's answers and training the first stage on them moves the first stage's
boundaries towards the full model's, so that it can answer more messages alone. The variants are the kinds
of change a client's message has against the examples: a word left out, two words the other way round, a
common word said another way, a typo, the start of one example with the end of another of the same intent.
No variant is ever made from test data: only the training examples are given here.
"""

from __future__ import annotations

import random
import re

# Common words of client messages and other ways to say them (English and Russian), both directions.
_SYNONYM_PAIRS = (
    ("can't", "cannot"),
    ("won't", "will not"),
    ("don't", "do not"),
    ("didn't", "did not"),
    ("isn't", "is not"),
    ("i'm", "i am"),
    ("i've", "i have"),
    ("want", "would like"),
    ("need", "want"),
    ("get", "receive"),
    ("got", "received"),
    ("buy", "purchase"),
    ("send", "transfer"),
    ("fix", "resolve"),
    ("problem", "issue"),
    ("wrong", "incorrect"),
    ("help", "assist"),
    ("why", "how come"),
    ("how do i", "how can i"),
    ("is it possible to", "can i"),
    ("please", "pls"),
    ("money", "funds"),
    ("quickly", "fast"),
    ("still", "yet"),
    ("show", "display"),
    ("check", "see"),
    ("change", "update"),
    ("cancel", "stop"),
    ("broken", "not working"),
    ("doesn't work", "is not working"),
    ("tell me", "let me know"),
    ("where", "where exactly"),
    ("my", "the"),
    ("hi", "hello"),
    ("thanks", "thank you"),
    ("не работает", "сломался"),
    ("хочу", "нужно"),
    ("пожалуйста", "пж"),
    ("почему", "отчего"),
    ("проблема", "неполадка"),
    ("как", "каким образом"),
    ("можно", "могу ли я"),
    ("срочно", "побыстрее"),
    ("спасибо", "благодарю"),
    ("здравствуйте", "добрый день"),
)
_SYNONYMS: dict[str, list[str]] = {}
for _a, _b in _SYNONYM_PAIRS:
    _SYNONYMS.setdefault(_a, []).append(_b)
    _SYNONYMS.setdefault(_b, []).append(_a)
_PHRASE = re.compile(
    r"(?<!\w)(" + "|".join(re.escape(k) for k in sorted(_SYNONYMS, key=len, reverse=True)) + r")(?!\w)",
    re.IGNORECASE,
)


def _drop_word(words: list[str], rng: random.Random) -> list[str] | None:
    if len(words) < 4:
        return None
    i = rng.randrange(len(words))
    return words[:i] + words[i + 1 :]


def _swap_words(words: list[str], rng: random.Random) -> list[str] | None:
    if len(words) < 3:
        return None
    i = rng.randrange(len(words) - 1)
    return [*words[:i], words[i + 1], words[i], *words[i + 2 :]]


def _typo(words: list[str], rng: random.Random) -> list[str] | None:
    long = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
    if not long:
        return None
    i = rng.choice(long)
    w = words[i]
    j = rng.randrange(1, len(w) - 2)
    return [*words[:i], w[:j] + w[j + 1] + w[j] + w[j + 2 :], *words[i + 1 :]]


def _synonym(text: str, rng: random.Random) -> str | None:
    found = list(_PHRASE.finditer(text))
    if not found:
        return None
    match = rng.choice(found)
    other = rng.choice(_SYNONYMS[match.group(1).lower()])
    return text[: match.start()] + other + text[match.end() :]


def _recombine(words: list[str], partner: list[str], rng: random.Random) -> list[str] | None:
    if len(words) < 4 or len(partner) < 4:
        return None
    return words[: rng.randint(2, len(words) - 2)] + partner[rng.randint(2, len(partner) - 2) :]


def augment(examples: list[tuple[str, str]], per_example: int = 4, seed: int = 0) -> list[tuple[str, int]]:
    """Variants of the training messages, each with the index of the example it was made from.

    Args:
        examples: (text, intent) of every training example; recombination pairs examples of one intent.
        per_example: how many variants to try for each example (a text met before is not repeated).
        seed: the random seed (the same data and seed give the same variants).

    Returns:
        (variant text, index into `examples`), never a text of the training data itself.
    """
    rng = random.Random(seed)
    by_intent: dict[str, list[int]] = {}
    for i, (_, intent) in enumerate(examples):
        by_intent.setdefault(intent, []).append(i)
    seen = {text.lower() for text, _ in examples}
    out: list[tuple[str, int]] = []
    for i, (text, intent) in enumerate(examples):
        words = text.split()
        kinds = ["drop", "swap", "synonym", "typo", "recombine"]
        rng.shuffle(kinds)
        made = 0
        for kind in kinds * 2:
            if made >= per_example:
                break
            variant: str | None
            if kind == "synonym":
                variant = _synonym(text, rng)
            else:
                new: list[str] | None
                if kind == "drop":
                    new = _drop_word(words, rng)
                elif kind == "swap":
                    new = _swap_words(words, rng)
                elif kind == "typo":
                    new = _typo(words, rng)
                else:
                    partners = [j for j in by_intent[intent] if j != i]
                    new = (
                        _recombine(words, examples[rng.choice(partners)][0].split(), rng)
                        if partners
                        else None
                    )
                variant = " ".join(new) if new else None
            if variant and variant.lower() not in seen:
                seen.add(variant.lower())
                out.append((variant, i))
                made += 1
    return out
