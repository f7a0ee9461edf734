"""The packaged sentence encoders: shapes, unit length, batch equals one by one, meaning across languages."""

from __future__ import annotations

import numpy as np

from nlu.encoders import ENCODER_NAMES, SMALL_BATCH, get_encoder


def _cos(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b)


def test_use_embeds_russian_and_english_by_meaning() -> None:
    assert "use" in ENCODER_NAMES
    use = get_encoder("use")
    texts = ["принтер не печатает", "the printer does not print", "какая сегодня погода", ""]
    vecs = use.encode(texts)
    assert vecs.shape == (4, use.dim) and vecs.dtype == np.float32
    assert np.allclose(np.linalg.norm(vecs[:3], axis=1), 1.0, atol=1e-4)
    # A translation is closer than a message on another subject.
    assert _cos(vecs[0], vecs[1]) > _cos(vecs[0], vecs[2]) + 0.2
    assert use.encode([]).shape == (0, use.dim)


def test_use_gives_the_same_vectors_in_a_training_batch_and_one_by_one() -> None:
    use = get_encoder("use")
    texts = [f"мой заказ HD-{n} не пришёл" if n % 2 else f"card number {n} was declined" for n in range(40)]
    assert len(texts) > SMALL_BATCH  # the big batch runs on every core, a message on one thread
    batch = use.encode(texts)
    singles = np.vstack([use.encode([t]) for t in texts[:3]])
    assert np.allclose(batch[:3], singles, atol=1e-5)


def test_mpnet_embeds_english_by_meaning() -> None:
    mpnet = get_encoder("mpnet")
    vecs = mpnet.encode(
        ["my card has not arrived yet", "I am still waiting for my new card", "what is the fee"]
    )
    assert vecs.shape == (3, 768)
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-4)
    assert _cos(vecs[0], vecs[1]) > _cos(vecs[0], vecs[2]) + 0.2
