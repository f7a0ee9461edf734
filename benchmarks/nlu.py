"""`helpdesk bench nlu`: the embedded model and Rasa DIET side by side on the same data and machine."""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import click

from helpdesk.cli.bench import bench

# Training messages each backend parses before the clock starts: loads lazy parts, opens the HTTP connection,
# and brings both to the state of a server that has been answering for a while (a first pass over new texts
# runs ~20 % slower in-process here). Never the test texts, and the same ones for both backends.
WARM_UP = 100


async def _warm_up(backend: Any, texts: list[str]) -> None:
    for text in texts[:WARM_UP] or ["warm up"]:
        await backend.parse(text)


async def _measure(backend: Any, texts: list[str], gold: list[str]) -> dict[str, float]:
    from nlu.evaluation import score

    predicted, latencies = [], []
    started = time.perf_counter()
    for text in texts:
        t0 = time.perf_counter()
        predicted.append((await backend.parse(text)).intent.name)
        latencies.append((time.perf_counter() - t0) * 1000)
    wall = time.perf_counter() - started
    report = score(gold, predicted, latencies, None)
    return {
        "accuracy": round(report.accuracy, 4),
        "macro_f1": round(report.macro_f1, 4),
        "p50_ms": round(report.p50_ms, 2),
        "parses_per_s": round(len(texts) / wall, 1),
    }


async def _throughput(backend: Any, texts: list[str], concurrency: int) -> float:
    """Parses per second with `concurrency` messages in flight (many chats at once)."""
    gate = asyncio.Semaphore(concurrency)

    async def one(text: str) -> None:
        async with gate:
            await backend.parse(text)

    started = time.perf_counter()
    await asyncio.gather(*(one(t) for t in texts))
    return round(len(texts) / (time.perf_counter() - started), 1)


async def _compare(
    embedded: Any,
    rasa: Any | None,
    texts: list[str],
    gold: list[str],
    warm_texts: list[str],
    rounds: int,
    concurrency: int,
) -> tuple[dict[str, float], dict[str, float]]:
    """Both backends, warm, measured in alternating rounds; the median of each figure over the rounds.

    Alternating keeps a drift of the machine (other work, frequency, a noisy neighbour) from landing on one
    backend only; the first round also gives the answers that accuracy is scored on. Without `rasa`
    (`--no-rasa`) the embedded backend is measured alone, and Rasa's figures are empty.
    """
    import statistics

    backends = {"embedded": embedded} if rasa is None else {"embedded": embedded, "rasa": rasa}
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in backends}
    try:
        for backend in backends.values():
            await _warm_up(backend, warm_texts)
        for _ in range(max(1, rounds)):
            for name, backend in backends.items():
                measured = await _measure(backend, texts, gold)
                measured["parses_per_s_concurrent"] = await _throughput(backend, texts, concurrency)
                runs[name].append(measured)
    finally:
        if rasa is not None:
            await rasa.close()

    def median_of(rows: list[dict[str, float]]) -> dict[str, float]:
        out = dict(rows[0])
        for key in ("p50_ms", "parses_per_s", "parses_per_s_concurrent"):
            out[key] = round(statistics.median(r[key] for r in rows), 2)
        return out

    return median_of(runs["embedded"]), (median_of(runs["rasa"]) if rasa is not None else {})


def _cascade_share(model: Any, texts: list[str]) -> float:
    """The share of the test messages the cascade's first stage answers without the costly encoders."""
    return round(model.first_stage_share(texts), 4)


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 2) if b else None


@bench.command("nlu")
@click.option(
    "--data",
    "data_path",
    type=click.Path(exists=True, path_type=Path),
    default=None,
    help="training data, Rasa format (default: nlu/data/nlu.yml split 80/20)",
)
@click.option(
    "--test",
    "test_path",
    type=click.Path(exists=True, path_type=Path),
    default=None,
    help="test data, Rasa format (default: a stratified 20 %% of --data)",
)
@click.option("--per-intent", type=int, default=None, help="train on at most N examples per intent")
@click.option(
    "--max-test", type=int, default=600, show_default=True, help="parse at most this many test messages"
)
@click.option("--epochs", type=int, default=40, show_default=True, help="DIET epochs")
@click.option(
    "--encoders", default="auto", show_default=True, help="embedded model encoders (auto, minilm, e5, ...)"
)
@click.option(
    "--concurrency",
    type=int,
    default=16,
    show_default=True,
    help="messages in flight for parses/s under load",
)
@click.option(
    "--rounds",
    type=int,
    default=5,
    show_default=True,
    help="alternating measuring rounds of both backends (medians are reported)",
)
@click.option(
    "--model",
    "model_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="an embedded model trained before on the same --data (skips its training; train_s is its own)",
)
@click.option(
    "--no-rasa",
    is_flag=True,
    help="train and measure the embedded model only (no DIET: its training takes minutes); no ratios",
)
@click.option("--json", "as_json", is_flag=True, help="print one JSON object")
def bench_nlu(
    data_path: Path | None,
    test_path: Path | None,
    per_intent: int | None,
    max_test: int,
    epochs: int,
    encoders: str,
    concurrency: int,
    rounds: int,
    model_dir: Path | None,
    no_rasa: bool,
    as_json: bool,
) -> None:
    """Train the embedded model and Rasa DIET on the same data; compare accuracy, train time and parses/s."""
    from benchmarks.nlu_profile import stage_times
    from nlu import DEFAULT_DATA, TrainConfig, TrainingDataError, load_training_data, train
    from nlu.convert import sample_per_intent, split_per_intent
    from nlu.embedded import EmbeddedBackend
    from nlu.features import FeatureConfig
    from nlu.model import EmbeddedModel
    from nlu.rasa_backend import RasaBackend
    from nlu.rasa_server import RasaServer, RasaSetupError, rasa_available, rasa_venv
    from nlu.rasa_yaml import to_yaml

    if not no_rasa and not rasa_available():
        raise click.ClickException(f"Rasa is not installed in {rasa_venv()}; run scripts/rasa/setup.sh first")
    try:
        data = load_training_data(data_path or DEFAULT_DATA)
        if test_path is not None:
            test = load_training_data(test_path)
        else:
            data, test = split_per_intent(data, 0.2, seed=0)
    except TrainingDataError as exc:
        raise click.ClickException(str(exc)) from None
    if per_intent is not None:
        data = sample_per_intent(data, per_intent, seed=0)
    if len(test.examples) > max_test:
        # An even sample across intents keeps the comparison fair when the test set is cut.
        test = sample_per_intent(test, max(1, max_test // max(1, len(test.intents))), seed=0)
    names = tuple(n for n in encoders.split(",") if n and n != "none")
    config = TrainConfig(features=FeatureConfig(encoders=names))
    texts = [ex.text for ex in test.examples]
    gold = [ex.intent for ex in test.examples]
    # Spread over the intents (the data is grouped by intent), so both warm up on every kind of message.
    warm_texts = [ex.text for ex in data.examples[:: max(1, len(data.examples) // WARM_UP)]]
    language = (
        "ru" if sum(any("а" <= ch.lower() <= "я" for ch in t) for t in texts) > len(texts) / 2 else "en"
    )

    with tempfile.TemporaryDirectory(prefix="bench-nlu-") as tmp:
        work = Path(tmp)
        train_file = work / "train.yml"
        train_file.write_text(to_yaml(data), encoding="utf-8")

        click.echo(
            f"embedded: training on {len(data.examples)} examples, {len(data.intents)} intents", err=True
        )
        started = time.perf_counter()
        if model_dir is not None:
            model = EmbeddedModel.load(model_dir)
            embedded_train_s = model.train_seconds
        else:
            model = train(train_file, work / "embedded", config)
            embedded_train_s = time.perf_counter() - started

        def measure(rasa_backend: RasaBackend | None) -> tuple[dict[str, float], dict[str, float]]:
            # No result cache: the rounds parse the same texts again, and Rasa has no cache.
            return asyncio.run(
                _compare(
                    EmbeddedBackend(model, cache_size=0),
                    rasa_backend,
                    texts,
                    gold,
                    warm_texts,
                    rounds,
                    concurrency,
                )
            )

        rasa_train_s = 0.0
        if no_rasa:
            click.echo(f"measuring the embedded model in {rounds} rounds (no DIET)", err=True)
            embedded, rasa = measure(None)
        else:
            click.echo(f"rasa: training DIET ({epochs} epochs)", err=True)
            try:
                from nlu.rasa_server import train_rasa

                rasa_model, rasa_train_s = train_rasa(
                    train_file, work / "rasa", epochs=epochs, language=language
                )
                with RasaServer(rasa_model, work_dir=work / "rasa") as server:
                    click.echo(f"measuring both in {rounds} alternating rounds", err=True)
                    embedded, rasa = measure(RasaBackend(server.url))
            except RasaSetupError as exc:
                raise click.ClickException(str(exc)) from None

    out: dict[str, Any] = {
        "train_examples": len(data.examples),
        "test_examples": len(texts),
        "intents": len(data.intents),
        "diet_epochs": None if no_rasa else epochs,
        "embedded": {
            **embedded,
            "train_s": round(embedded_train_s, 2),
            "encoders": model.meta["config"]["features"]["encoders"],
            "cascade_share": _cascade_share(model, texts),
            **stage_times(model, texts),
        },
        "rasa_diet": {**rasa, "train_s": round(rasa_train_s, 2)} if rasa else None,
        "concurrency": concurrency,
        "rounds": rounds,
    }
    if rasa:
        out["accuracy_gain"] = round(embedded["accuracy"] - rasa["accuracy"], 4)
        out["train_speedup"] = _ratio(rasa_train_s, embedded_train_s)
        out["parse_speedup"] = _ratio(embedded["parses_per_s"], rasa["parses_per_s"])
        out["parse_speedup_concurrent"] = _ratio(
            embedded["parses_per_s_concurrent"], rasa["parses_per_s_concurrent"]
        )
    if as_json:
        click.echo(json.dumps(out))
        return
    click.echo(
        f"{'':12}{'accuracy':>10}{'macro_f1':>10}{'train_s':>10}{'parses/s':>10}"
        f"{f'x{concurrency} /s':>10}{'p50_ms':>9}"
    )
    for name, row in (("embedded", out["embedded"]), ("rasa DIET", out["rasa_diet"])):
        if row is None:
            continue
        click.echo(
            f"{name:12}{row['accuracy']:>10.4f}{row['macro_f1']:>10.4f}{row['train_s']:>10.1f}"
            f"{row['parses_per_s']:>10.1f}{row['parses_per_s_concurrent']:>10.1f}{row['p50_ms']:>9.2f}"
        )
    share = f"the first stage answered {out['embedded']['cascade_share']:.0%} of the test messages alone"
    if not rasa:
        click.echo(f"{len(data.examples)} train / {len(texts)} test examples; {share}; no DIET (--no-rasa)")
        return
    click.echo(
        f"embedded vs DIET: accuracy {out['accuracy_gain']:+.4f}, trains {out['train_speedup']}x faster, "
        f"{out['parse_speedup']}x more parses/s one by one, {out['parse_speedup_concurrent']}x with "
        f"{concurrency} in flight ({len(data.examples)} train / {len(texts)} test examples, "
        f"{epochs} DIET epochs; {share})"
    )
