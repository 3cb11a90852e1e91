"""Compiled LightGBM models predict what LightGBM predicts, and are compiled once per model."""

from __future__ import annotations

from pathlib import Path

import lightgbm as lgb
import numpy as np
import pytest

from bot.search.forest import CompiledModel
from bot.search.models import FoldAverage

FEATURES = 6


def _booster(seed: int, rounds: int) -> lgb.Booster:
    """A small regression forest over random rows (a nonlinear target, so trees differ)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(400, FEATURES))
    y = np.sin(x[:, 0]) + x[:, 1] * x[:, 2] + (x[:, 3] > 0.5)
    params = {"objective": "regression", "num_leaves": 15, "seed": seed, "verbose": -1}
    return lgb.train(params, lgb.Dataset(x, y), num_boost_round=rounds)


def _rows(seed: int) -> np.ndarray:
    rows = np.random.default_rng(seed).normal(size=(60, FEATURES)).astype(np.float32)
    rows[0] = 0.0  # exactly on no threshold in particular, and a row of zeros
    return rows


def test_compiled_predictions_are_lightgbms(tmp_path: Path) -> None:
    booster = _booster(1, 40)
    booster.save_model(str(tmp_path / "model.txt"))
    compiled = CompiledModel(tmp_path / "model.txt", tmp_path / "cache")
    rows = _rows(2)
    expected = booster.predict(rows)
    assert np.ptp(expected) > 0.5  # the rows reach different leaves
    np.testing.assert_allclose(compiled.predict(rows), expected, rtol=0, atol=1e-9)
    np.testing.assert_allclose(compiled.predict(rows[:1]), expected[:1], rtol=0, atol=1e-9)


def test_a_model_is_compiled_once_and_a_changed_one_again(tmp_path: Path) -> None:
    model_file, cache = tmp_path / "ranker-1.txt", tmp_path / "cache"
    _booster(1, 40).save_model(str(model_file))
    first = CompiledModel(model_file, cache)
    (compiled,) = cache.iterdir()
    stamp = compiled.stat().st_mtime_ns
    again = CompiledModel(model_file, cache)
    assert list(cache.iterdir()) == [compiled]  # read back, not compiled over
    assert compiled.stat().st_mtime_ns == stamp
    rows = _rows(3)
    np.testing.assert_array_equal(again.predict(rows), first.predict(rows))

    retrained = _booster(5, 25)
    retrained.save_model(str(model_file))
    changed = CompiledModel(model_file, cache)
    assert len(list(cache.iterdir())) == 2
    assert not list(cache.glob("*.partial"))
    np.testing.assert_allclose(changed.predict(rows), retrained.predict(rows), rtol=0, atol=1e-9)


def test_fold_average_loaded_compiled_predicts_the_boosters_mean(tmp_path: Path) -> None:
    boosters = [_booster(seed, 30) for seed in (1, 2, 3)]
    FoldAverage(boosters).save(tmp_path, "ranker")
    compiled_dir = tmp_path / "compiled"
    loaded = FoldAverage.load(tmp_path, "ranker", 3, compiled_dir)
    assert loaded.compiled is not None and len(loaded.compiled) == 3
    rows = _rows(4)
    expected = np.mean([b.predict(rows) for b in boosters], axis=0)
    np.testing.assert_allclose(loaded.predict(rows), expected, rtol=0, atol=1e-9)

    # Refitted, a fold's model is compiled anew and its old object deleted.
    (first_object,) = compiled_dir.glob("ranker-1-*.o")
    boosters[0] = _booster(9, 30)
    boosters[0].save_model(str(tmp_path / "ranker-1.txt"))
    refitted = FoldAverage.load(tmp_path, "ranker", 3, compiled_dir)
    assert len(list(compiled_dir.glob("ranker-*.o"))) == 3
    assert not first_object.exists()
    expected = np.mean([b.predict(rows) for b in boosters], axis=0)
    np.testing.assert_allclose(refitted.predict(rows), expected, rtol=0, atol=1e-9)

    plain = FoldAverage.load(tmp_path, "ranker", 3)
    assert plain.compiled is None
    np.testing.assert_allclose(plain.predict(rows), expected, rtol=0, atol=1e-12)


def test_compiled_models_must_match_the_fold_models(tmp_path: Path) -> None:
    booster = _booster(1, 10)
    booster.save_model(str(tmp_path / "m.txt"))
    compiled = CompiledModel(tmp_path / "m.txt", tmp_path / "cache")
    with pytest.raises(ValueError, match="one compiled model per fold model"):
        FoldAverage([booster, booster], [compiled])
