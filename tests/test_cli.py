"""The `pnnkit` command: train writes a complete run folder; eval re-reads it; errors are clear."""

from __future__ import annotations

import json

import numpy as np
import pnnkit.io as pio
import pytest
from pnnkit.cli import main


def test_train_then_eval_crossbar(tmp_path, capsys) -> None:
    rc = main(["train", "--substrate", "crossbar", "--method", "hwa", "--dataset", "digits", "--epochs", "2",
               "--out", str(tmp_path), "--quiet", "--eval-repeats", "1", "--drift", "1h"])
    assert rc == 0
    (run,) = list(tmp_path.iterdir())
    for name in ("config.json", "metrics.json", "metrics.csv", "results.json", "model.npz"):
        assert (run / name).exists(), name
    results = json.loads((run / "results.json").read_text())
    assert 0.0 <= results["acc_1h"] <= 1.0
    assert len(json.loads((run / "metrics.json").read_text())) == 2
    out = capsys.readouterr().out
    assert "acc_1h" in out and "run folder" in out
    model, meta = pio.load(run / "model.npz")
    assert meta["config"]["method"] == "hwa"
    rc = main(["eval", str(run), "--drift", "1h,1d", "--eval-repeats", "1"])
    assert rc == 0
    ev = json.loads((run / "eval.json").read_text())
    assert set(ev) >= {"acc_1h", "acc_1d"}
    assert np.isfinite(ev["acc_1d"])


def test_crossbar_pat_learns_and_counts_physical_queries(tmp_path) -> None:
    rc = main(["train", "--substrate", "crossbar", "--method", "pat", "--dataset", "digits", "--epochs", "3",
               "--out", str(tmp_path), "--quiet", "--eval-repeats", "1", "--drift", "1h"])
    assert rc == 0
    (run,) = list(tmp_path.iterdir())
    results = json.loads((run / "results.json").read_text())
    # every training sample went through the physical forward of both layers at least once per epoch
    assert results["physical_queries"] >= 2 * 3 * 1437
    assert results["test_acc_training_mode"] > 0.8  # chance is 0.1


def test_methods_matrix_lists_crossbar_methods(capsys) -> None:
    assert main(["methods"]) == 0
    out = capsys.readouterr().out
    assert "hwa" in out and "crossbar" in out


def test_unknown_method_is_a_clear_error(tmp_path, capsys) -> None:
    assert main(["train", "--substrate", "crossbar", "--method", "nope", "--out", str(tmp_path)]) == 2
    assert "method 'nope' is not available" in capsys.readouterr().err


def test_bad_drift_spec_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(SystemExit):
        main(["train", "--epochs", "1", "--drift", "1 fortnight", "--out", str(tmp_path), "--quiet"])
