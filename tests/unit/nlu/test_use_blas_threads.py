"""USE's training batches give numpy's BLAS thread count back; its parses keep it at one thread (#22).

A count left at every core by a training batch made every later parse in the process wake OpenBLAS's
second thread, which spun: `bench nlu`, which trains in its own process, parsed a third slower.
"""

from __future__ import annotations

import os

import pytest
from threadpoolctl import ThreadpoolController

from nlu.encoders import SMALL_BATCH, get_encoder


def _counts() -> list[int]:
    return [lib.num_threads for lib in ThreadpoolController().select(user_api="blas").lib_controllers]


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: there is no other count to leave behind")
def test_a_training_batch_gives_the_count_back_and_a_parse_takes_one_thread() -> None:
    use = get_encoder("use")
    use.encode(["one message"])
    assert set(_counts()) == {1}
    vectors = use.encode([f"training message number {i}" for i in range(SMALL_BATCH + 8)])
    assert vectors.shape == (SMALL_BATCH + 8, use.dim)
    assert set(_counts()) == {1}, "the training batch left BLAS on every core"

    for lib in ThreadpoolController().select(user_api="blas").lib_controllers:
        lib.set_num_threads(2)
    use.encode(["the next parse"])
    assert set(_counts()) == {1}, "a parse ran on a BLAS count another caller had raised"
