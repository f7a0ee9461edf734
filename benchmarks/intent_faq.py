"""Make a FAQ-shaped KB, queries and confirmed history from a public intent data set, for
`helpdesk kb eval --kb KB --queries Q [--history H]`.

Each intent becomes one article (its title and body are the intent's name in words: the KB knows nothing
else about it); per intent, `--per-intent` utterances are drawn (seeded), the first half becomes history
(questions confirmed answered by that article) and the rest queries. The shape follows a real support FAQ
with about ten rephrased questions per article, half of them given as history.

    python -m benchmarks.intent_faq banking77 /tmp/b77 [--per-intent 10] [--seed 1]

`demo` splits the demo KB's own labelled questions instead: every other answerable question of
`helpdesk/demo/kb_queries.jsonl` is history, the rest and the unanswerable ones are queries.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path

DATA = Path("/work/shared/data/nlu")


def read_intents(name: str, root: Path = DATA) -> dict[str, list[str]]:
    """Utterances per intent of banking77, clinc150 (train + val, in-scope only) or hwu64."""
    out: dict[str, list[str]] = defaultdict(list)
    if name == "banking77":
        with (root / "banking77" / "train.csv").open(encoding="utf-8") as f:
            for row in csv.DictReader(f):
                out[row["category"]].append(row["text"])
    elif name == "clinc150":
        data = json.loads((root / "clinc150" / "train_val.json").read_text(encoding="utf-8"))
        for text, intent in [*data["train"], *data["val"]]:
            out[intent].append(text)
    elif name == "hwu64":
        data = json.loads((root / "hwu64" / "train_kfold1.rasa.json").read_text(encoding="utf-8"))
        for example in data["rasa_nlu_data"]["common_examples"]:
            out[example["intent"]].append(example["text"])
    else:
        raise SystemExit(f"unknown data set {name!r}: banking77, clinc150 or hwu64")
    return out


DEMO = Path(__file__).resolve().parent.parent / "helpdesk" / "demo"


def _write(out: Path, files: Mapping[str, Sequence[Mapping[str, object]]]) -> dict[str, int]:
    out.mkdir(parents=True, exist_ok=True)
    for file, rows in files.items():
        with (out / file).open("w", encoding="utf-8") as f:
            for row in rows:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
    return {
        "articles": len(files["kb.jsonl"]),
        "queries": len(files["queries.jsonl"]),
        "history": len(files["history.jsonl"]),
    }


def make_demo(out: Path) -> dict[str, int]:
    """The demo KB with every other answerable demo question as history."""
    kb = [
        json.loads(line)
        for line in (DEMO / "kb.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    lines = (DEMO / "kb_queries.jsonl").read_text(encoding="utf-8").splitlines()
    labelled = [json.loads(line) for line in lines if line.strip()]
    answerable = [q for q in labelled if q["relevant"]]
    unanswerable = [q for q in labelled if not q["relevant"]]
    return _write(
        out,
        {"kb.jsonl": kb, "queries.jsonl": answerable[1::2] + unanswerable, "history.jsonl": answerable[0::2]},
    )


def make(name: str, out: Path, per_intent: int, seed: int) -> dict[str, int]:
    """Write kb.jsonl, queries.jsonl and history.jsonl under `out`; return their sizes."""
    if name == "demo":
        return make_demo(out)
    rng = random.Random(seed)
    intents = read_intents(name)
    kb, queries, history = [], [], []
    for intent in sorted(intents):
        words = intent.replace("_", " ").strip(" ?")
        article_id = re.sub(r"[^A-Za-z0-9_.-]+", "-", intent).strip("-")
        kb.append(
            {"id": article_id, "title": words.capitalize(), "body": f"{words.capitalize()}.", "lang": "en"}
        )
        texts = sorted(set(intents[intent]))
        rng.shuffle(texts)
        drawn = texts[:per_intent]
        half = len(drawn) // 2
        history += [{"query": t, "relevant": [article_id]} for t in drawn[:half]]
        queries += [{"query": t, "relevant": [article_id]} for t in drawn[half:]]
    return _write(out, {"kb.jsonl": kb, "queries.jsonl": queries, "history.jsonl": history})


def main() -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("dataset", choices=["banking77", "clinc150", "hwu64", "demo"])
    parser.add_argument("out", type=Path)
    parser.add_argument("--per-intent", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(json.dumps(make(args.dataset, args.out, args.per_intent, args.seed)))


if __name__ == "__main__":
    main()
