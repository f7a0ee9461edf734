"""Choosing the auto-answer threshold."""

from __future__ import annotations

from pathlib import Path

from kb_search import calibration


def test_lowest_threshold_that_meets_the_target_is_chosen() -> None:
    samples = [(0.9, True)] * 10 + [(0.8, True)] * 9 + [(0.7, False)] * 5 + [(0.6, True)] * 5
    threshold, precision, coverage = calibration.choose_threshold(samples, 0.95)
    assert threshold == 0.8
    assert precision == 1.0
    assert coverage == 19 / 29


def test_ties_are_not_split() -> None:
    samples = [(0.9, True)] * 19 + [(0.5, True), (0.5, False)]
    threshold, precision, _ = calibration.choose_threshold(samples, 0.99)
    assert threshold == 0.9 and precision == 1.0


def test_no_threshold_reaches_the_target_means_no_auto_answers() -> None:
    samples = [(0.9, False)] * 10
    threshold, _, coverage = calibration.choose_threshold(samples, 0.95)
    assert threshold > 0.9 and coverage == 0.0


def test_save_keeps_other_embedders(tmp_path: Path) -> None:
    path = tmp_path / "cal.json"
    calibration.save("a", calibration.Calibration(0.5, 0.95, 1.0, 0.4, 10), path)
    calibration.save("b", calibration.Calibration(0.7, 0.95, 0.96, 0.3, 10), path)
    assert calibration.threshold_for("a", path) == 0.5
    assert calibration.threshold_for("b", path) == 0.7
    assert calibration.threshold_for("c", path) == calibration.FALLBACK_THRESHOLD
