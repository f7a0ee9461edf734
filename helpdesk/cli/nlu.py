"""`helpdesk nlu ...`: train, parse, evaluate and convert NLU data and models."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from helpdesk.cli import main

F = TypeVar("F", bound=Callable[..., Any])


@main.group()
def nlu() -> None:
    """Intent and entity recognition."""


def _fail(message: str) -> None:
    raise click.ClickException(message)


def _encoders(value: str) -> tuple[str, ...]:
    from nlu.encoders import ENCODER_NAMES
    from nlu.features import AUTO

    names = tuple(n.strip() for n in value.split(",") if n.strip() and n.strip() != "none")
    if names == (AUTO,):
        return names
    bad = [n for n in names if n not in ENCODER_NAMES]
    if bad:
        raise click.BadParameter(
            f"unknown encoder(s) {', '.join(bad)}; choose auto, or a comma list of {', '.join(ENCODER_NAMES)}, or none"
        )
    return names


@nlu.command("train")
@click.argument("data", type=click.Path(path_type=Path))
@click.option(
    "--out", "out_dir", type=click.Path(path_type=Path), required=True, help="model folder to write"
)
@click.option(
    "--encoders",
    default="auto",
    show_default=True,
    help="auto (USE + MiniLM + mpnet for English data, USE + e5 when it has Russian), or a comma list of "
    "use, minilm, minilm-int8, minilm-q8 (torch int8), mpnet, mpnet-int8, mpnet-mixed, e5, or none",
)
@click.option("--no-tfidf", is_flag=True, help="leave out TF-IDF word and character n-grams")
@click.option(
    "--c", "c", type=float, default=1.0, show_default=True, help="SVM regularisation (larger fits harder)"
)
@click.option(
    "--no-cascade",
    is_flag=True,
    help="no first stage: every message meets every encoder and the full classifier",
)
@click.option(
    "--publish",
    "publish",
    is_flag=True,
    help="then publish it to the database: every running process loads it (as `helpdesk nlu publish`)",
)
def train_cmd(
    data: Path, out_dir: Path, encoders: str, no_tfidf: bool, c: float, no_cascade: bool, publish: bool
) -> None:
    """Train the embedded model from DATA (Rasa YAML file or folder, or Rasa legacy JSON)."""
    from nlu import TrainConfig, TrainingDataError, train
    from nlu.features import FeatureConfig

    names = _encoders(encoders)
    if not names and no_tfidf:
        _fail("no features left: keep --encoders or TF-IDF")
    config = TrainConfig(
        features=FeatureConfig(encoders=names, tfidf=not no_tfidf), c=c, cascade=not no_cascade
    )
    try:
        model = train(data, out_dir, config)
    except TrainingDataError as exc:
        _fail(f"{exc}\nFix the file and run the command again; the old model (if any) is unchanged.")
        return
    meta = model.meta
    cascade = (
        f", the first stage answers {model.cascade.coverage:.0%} of held-out messages alone"
        if model.cascade is not None
        else ""
    )
    click.echo(
        f"trained {meta['n_examples']} examples, {len(meta['intents'])} intents in {meta['train_s']:.1f}s "
        f"-> {out_dir} (fallback below {model.threshold:.3f}{cascade})"
    )
    if publish:
        _publish(out_dir)


@nlu.command("publish")
@click.argument("model_dir", type=click.Path(path_type=Path, file_okay=False))
def publish_cmd(model_dir: Path) -> None:
    """Publish a trained model folder (MODEL_DIR) to the database: every running process loads it.

    Processes on PostgreSQL hear of it at once (NOTIFY) and load it in the background; any process looks for
    a newer model every 30 s as well. Turns in flight finish with the model they started with.
    """
    _publish(model_dir)


def _publish(model_dir: Path) -> None:
    from helpdesk.nlu_models import publish_model
    from helpdesk.settings import get_settings
    from storage.db import make_engine

    async def run() -> int:
        db = make_engine(get_settings().database_url)
        try:
            return await publish_model(db, model_dir)
        finally:
            await db.dispose()

    try:
        version = asyncio.run(run())
    except ValueError as exc:
        _fail(str(exc))
        return
    click.echo(f"published {model_dir} as NLU model version {version}: running processes load it now")


async def _parse_once(kind: str, model_dir: Path, rasa_url: str, text: str) -> dict[str, object]:
    from nlu import load_backend

    backend = load_backend(kind, model_dir, rasa_url)
    try:
        result = await backend.parse(text)
    finally:
        close = getattr(backend, "close", None)
        if close is not None:
            await close()
    return result.to_dict()


def _load_error(exc: Exception, kind: str, model_dir: Path, rasa_url: str) -> str:
    from nlu.model import ModelNotFoundError
    from nlu.rasa_backend import RasaUnavailableError

    if isinstance(exc, ModelNotFoundError | RasaUnavailableError):
        return str(exc)
    return f"{kind} backend failed ({exc.__class__.__name__}: {exc}); check --model {model_dir} / --rasa-url {rasa_url}"


def _backend_options(command: F) -> F:
    """The --model, --backend and --rasa-url options that `parse` and `eval` share."""
    command = click.option("--rasa-url", default=None, help="Rasa server URL (default: settings RASA_URL)")(
        command
    )
    command = click.option(
        "--backend", "kind", type=click.Choice(["embedded", "rasa"]), default="embedded", show_default=True
    )(command)
    return click.option(
        "--model",
        "model_dir",
        type=click.Path(path_type=Path),
        default=None,
        help="model folder (default: settings)",
    )(command)


@nlu.command("parse")
@click.argument("text")
@_backend_options
def parse_cmd(text: str, model_dir: Path | None, kind: str, rasa_url: str | None) -> None:
    """Print the ParseResult JSON (Rasa's /model/parse shape) for TEXT."""
    from helpdesk.settings import get_settings

    settings = get_settings()
    model_dir = model_dir or settings.nlu_model_dir
    rasa_url = rasa_url or settings.rasa_url
    if not text.strip():
        _fail("the text is empty; give the message to parse in quotes")
    try:
        out = asyncio.run(_parse_once(kind, model_dir, rasa_url, text))
    except Exception as exc:
        _fail(_load_error(exc, kind, model_dir, rasa_url))
        return
    click.echo(json.dumps(out, ensure_ascii=False, indent=2))


@nlu.command("eval")
@click.argument("test", type=click.Path(path_type=Path))
@_backend_options
@click.option("--json", "as_json", is_flag=True, help="print one JSON object")
def eval_cmd(test: Path, model_dir: Path | None, kind: str, rasa_url: str | None, as_json: bool) -> None:
    """Evaluate intents on TEST (Rasa format); gold out_of_scope/oos is right when the parse falls back."""
    from helpdesk.settings import get_settings
    from nlu import TrainingDataError, load_backend, load_training_data
    from nlu.evaluation import evaluate

    settings = get_settings()
    model_dir = model_dir or settings.nlu_model_dir
    rasa_url = rasa_url or settings.rasa_url
    try:
        data = load_training_data(test)
    except TrainingDataError as exc:
        _fail(f"{exc}\nGive a Rasa YAML/JSON test file (convert public sets with `helpdesk nlu convert`).")
        return
    train_s = _train_seconds(model_dir) if kind == "embedded" else None

    async def run() -> dict[str, object]:
        backend = load_backend(kind, model_dir, rasa_url)
        try:
            return (await evaluate(backend, data, train_s)).to_dict()
        finally:
            close = getattr(backend, "close", None)
            if close is not None:
                await close()

    try:
        report = asyncio.run(run())
    except Exception as exc:
        _fail(_load_error(exc, kind, model_dir, rasa_url))
        return
    if as_json:
        click.echo(json.dumps(report))
    else:
        for key, value in report.items():
            click.echo(f"{key:>18}: {value}")


def _train_seconds(model_dir: Path) -> float | None:
    meta = model_dir / "meta.json"
    if not meta.is_file():
        return None
    try:
        return float(json.loads(meta.read_text(encoding="utf-8")).get("train_s"))
    except (ValueError, TypeError, json.JSONDecodeError):
        return None


@nlu.command("convert")
@click.argument("fmt", type=click.Choice(["banking77", "clinc150", "csv", "rasa"]))
@click.argument("source", type=click.Path(exists=True, dir_okay=True, path_type=Path))
@click.option("--out", "out", type=click.Path(path_type=Path), required=True, help="Rasa YAML file to write")
@click.option(
    "--splits", default="train", show_default=True, help="clinc150: comma list, e.g. train,oos_train"
)
@click.option("--per-intent", type=int, default=None, help="keep at most N examples per intent (few-shot)")
@click.option(
    "--holdout", type=float, default=None, help="write a stratified split: OUT gets 1-F, OUT.test.yml gets F"
)
@click.option(
    "--rest-to-test",
    is_flag=True,
    help="with --per-intent N: OUT gets N per intent, OUT.test.yml every other example",
)
@click.option("--seed", type=int, default=0, show_default=True)
def convert_cmd(
    fmt: str,
    source: Path,
    out: Path,
    splits: str,
    per_intent: int | None,
    holdout: float | None,
    rest_to_test: bool,
    seed: int,
) -> None:
    """Convert a public data set (Banking77 CSV, CLINC150 JSON, text/intent CSV, Rasa JSON/YAML) to Rasa YAML."""
    from nlu import TrainingDataError, load_training_data
    from nlu.convert import from_clinc, from_csv, sample_per_intent, split_few_shot, split_per_intent
    from nlu.rasa_yaml import to_yaml

    try:
        if fmt in ("banking77", "csv"):
            data = from_csv(source)
        elif fmt == "clinc150":
            data = from_clinc(source, tuple(s.strip() for s in splits.split(",") if s.strip()))
        else:
            data = load_training_data(source)
    except TrainingDataError as exc:
        _fail(str(exc))
        return
    if holdout is not None and not 0 < holdout < 1:
        _fail("--holdout must be between 0 and 1, e.g. 0.2")
    if rest_to_test and (per_intent is None or per_intent < 1 or holdout is not None):
        _fail("--rest-to-test needs --per-intent N (N >= 1) and no --holdout")
    outputs = [(out, data)]
    if rest_to_test and per_intent is not None:
        train_part, test_part = split_few_shot(data, per_intent, seed)
        outputs = [(out, train_part), (out.with_suffix(".test.yml"), test_part)]
        per_intent = None  # already applied
    elif holdout is not None:
        train_part, test_part = split_per_intent(data, holdout, seed)
        outputs = [(out, train_part), (out.with_suffix(".test.yml"), test_part)]
    for path, part in outputs:
        if per_intent is not None and path == out:
            part = sample_per_intent(part, per_intent, seed)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(to_yaml(part), encoding="utf-8")
        click.echo(
            f"wrote {len(part.examples)} examples, {len(part.intents)} intents -> {path}", file=sys.stderr
        )
