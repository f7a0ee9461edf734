"""The KB's own auto-answer threshold, from its confirmed history: questions known to be answered by an article.

The confidence model's threshold was fitted on public data; on a given KB its probabilities can sit higher or
lower than they say (`docs/kb.md`, Reliability). Once a KB has enough confirmed phrasings (a history file
given to `kb eval --history`, or the Helped presses and engineers' links of a running app) they are labelled
questions of this very KB, so they can place its threshold. No query being measured is used: only the KB and
its history.

How (`fit`): the confirmed questions are cut into `FOLDS` folds; each fold's questions are searched with the
other folds' phrasings only (a question must not find itself), as the reader its audience stands for. That
gives, per question, the confidence the search had and whether its top hit was the confirmed article. The
threshold is the lowest at which the questions it would answer (at least `MIN_ANSWERED`) keep the target
precision, and no more than `MAX_LOWER` below the model's. When there are too few questions, or no threshold reaches the target, the model's stays.

**Enough** (`MIN_CONFIRMED`, `MIN_ARTICLES`): at least 60 confirmed questions over at least 5 articles. A
threshold is chosen where 95 % precision holds on the questions it answers; with 60 questions and an
automatic answer to half of them, one mistake moves the measured precision by 3 points, so fewer questions
cannot tell 95 % from 90 %. Five articles keep a KB whose history is all about one topic from setting the
threshold for the rest. Below that the model's own threshold (fitted on 15 public sets) is the better guess.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from kb_search.model import CLIENT_PREFIX, INTERNAL, Reader
from kb_search.phrasing_index import PhrasingIndex, question_vectors
from kb_search.phrasings import Phrasing

if TYPE_CHECKING:
    from kb_search.service import KnowledgeBase

log = logging.getLogger(__name__)

MIN_CONFIRMED = 60
MIN_ARTICLES = 5
MIN_ANSWERED = 20
"""Automatic answers a threshold must give among the history's questions before its precision is trusted."""
FOLDS = 5
MAX_QUESTIONS = 800
"""Questions searched per fit at most (spread evenly over the history): a fit stays under a minute of CPU."""
GRID = tuple(round(0.5 + 0.005 * i, 3) for i in range(100))
"""Thresholds tried, 0.5 to 0.995: below 0.5 the top hit is more often wrong than right."""
MAX_LOWER = 0.1
"""How far below the model's threshold a history may place one. Confirmed questions are all answerable, so a
history cannot see the wrong automatic answers to questions the KB does not answer: held out, CLINC150 with
its out-of-scope questions fell to precision 0.886 at the 0.60 its history placed, and keeps 0.986 at 0.84
(`helpdesk bench kb-confidence`, docs/kb.md). Raising it is not bounded."""
REFIT_GROWTH = 0.2
"""A running app fits again once its confirmed questions grew by this share since the last fit."""


@dataclass(frozen=True, slots=True)
class HistoryFit:
    """What a fit found: the threshold (None: keep the model's), and the figures it rests on."""

    threshold: float | None
    questions: int
    articles: int
    answered: int
    precision: float
    top1: float
    reason: str

    def as_dict(self) -> dict[str, object]:
        """The JSON-ready form (for `kb eval --json`'s stderr line and the logs)."""
        return {
            "threshold": self.threshold,
            "questions": self.questions,
            "articles": self.articles,
            "answered": self.answered,
            "precision": round(self.precision, 4),
            "top1": round(self.top1, 4),
            "reason": self.reason,
        }


def confirmed(phrasings: Sequence[Phrasing]) -> list[Phrasing]:
    """The phrasings that count as labelled questions: active, helpful on balance and open to every reader
    of their audience (trusted, or confirmed by `MIN_CLIENTS` distinct clients)."""
    return [p for p in phrasings if p.active and p.weight > 0 and p.open]


def enough(phrasings: Sequence[Phrasing]) -> bool:
    """Whether a history is big enough to place a threshold (see the module doc)."""
    return len(phrasings) >= MIN_CONFIRMED and len({p.article_id for p in phrasings}) >= MIN_ARTICLES


def reader_of(audience: str) -> Reader:
    """The reader a phrasing's question stands for: a client of its section, staff for internal, else public."""
    if audience.startswith(CLIENT_PREFIX):
        return Reader.client(audience[len(CLIENT_PREFIX) :])
    return Reader.staff() if audience == INTERNAL else Reader.public()


def bounded(chosen: float | None, model_threshold: float | None) -> float | None:
    """A history's threshold kept within `MAX_LOWER` below the model's (None stays None)."""
    if chosen is None or model_threshold is None:
        return chosen
    return round(max(chosen, model_threshold - MAX_LOWER), 3)


def choose(confidence: np.ndarray, right: np.ndarray, target: float) -> tuple[float | None, int, float]:
    """The lowest grid threshold whose automatic answers (at least `MIN_ANSWERED`) keep precision >= `target`,
    with how many it answers and their precision (None: no threshold does)."""
    for t in GRID:
        answered = confidence >= t
        n = int(answered.sum())
        if n >= MIN_ANSWERED and (precision := float(right[answered].mean())) >= target:
            return t, n, precision
    return None, 0, 0.0


async def evidence(
    kb: KnowledgeBase, labelled: Sequence[Phrasing]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Search each confirmed question with the other folds' phrasings only (`FOLDS`; at most `MAX_QUESTIONS`
    of them): its confidence, its confidence features, and whether its top hit was its article."""
    embedder = await kb.embedder()
    vectors = await asyncio.to_thread(question_vectors, [p.text for p in labelled], embedder)
    step = max(1, -(-len(labelled) // MAX_QUESTIONS))
    fold_of = np.arange(len(labelled)) % FOLDS
    confidence: list[float] = []
    rows: list[np.ndarray] = []
    right: list[bool] = []
    for fold in range(FOLDS):
        keep = np.flatnonzero(fold_of != fold)
        index = PhrasingIndex(kb.phrasings.params, lexical=embedder is None)
        index.put([labelled[int(i)] for i in keep], vectors[keep])
        await asyncio.to_thread(index.compile)
        for i in np.flatnonzero(fold_of == fold):
            if i % step:
                continue
            question = labelled[int(i)]
            result, row = await kb.evidence(question.text, reader_of(question.audience), phrasings=index)
            confidence.append(result.confidence)
            rows.append(row)
            right.append(bool(result.hits) and result.hits[0].article_id == question.article_id)
            await asyncio.sleep(0)  # a search whose vector is kept runs inline: let clients' questions in
    features = np.vstack(rows) if rows else np.zeros((0, 0))
    return np.array(confidence), features, np.array(right, dtype=bool)


async def fit(kb: KnowledgeBase, phrasings: Sequence[Phrasing], target: float = 0.95) -> HistoryFit:
    """Place the KB's threshold from its confirmed questions (no change to `kb`; see `apply`)."""
    labelled = [p for p in confirmed(phrasings) if kb.article(p.article_id) is not None]
    articles = len({p.article_id for p in labelled})
    if not enough(labelled):
        why = f"{len(labelled)} confirmed questions over {articles} articles; {MIN_CONFIRMED} over {MIN_ARTICLES} needed"
        return HistoryFit(None, len(labelled), articles, 0, 0.0, 0.0, why)
    conf, _, ok = await evidence(kb, labelled)
    threshold, answered, precision = choose(conf, ok, target)
    top1 = float(ok.mean()) if len(ok) else 0.0
    if threshold is None:
        why = f"no threshold answers {MIN_ANSWERED} of {len(ok)} confirmed questions at precision {target}"
        return HistoryFit(None, len(ok), articles, 0, 0.0, top1, why)
    model = kb.confidence_model.threshold if kb.confidence_model is not None else None
    why = (
        f"{answered} of {len(ok)} confirmed questions answered at precision {precision:.3f} from {threshold}"
    )
    if (placed := bounded(threshold, model)) != threshold:
        why += f"; kept within {MAX_LOWER} of the model's {model}"
    return HistoryFit(placed, len(ok), articles, answered, precision, top1, why)


async def apply(kb: KnowledgeBase, phrasings: Sequence[Phrasing], target: float = 0.95) -> HistoryFit:
    """Fit, and use the threshold found unless the KB was given one (by its caller or `kb calibrate`)."""
    result = await fit(kb, phrasings, target)
    if result.threshold is not None and kb.threshold_is_default:
        kb.set_threshold(result.threshold)
        log.info("KB threshold %.3f from its confirmed history: %s", result.threshold, result.reason)
    return result
