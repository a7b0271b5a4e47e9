"""Offline datasets: embedded digits, MNIST IDX loader and the fixed split, synthetic tasks."""

from __future__ import annotations

import gzip

import numpy as np
import pytest
from pnnkit.datasets import find_mnist_dir, load_digits, load_mnist_split, make_blobs, minibatches, narma10, read_idx


def test_digits_split_is_fixed_and_complete() -> None:
    a, b = load_digits(), load_digits()
    assert a.x_train.shape == (1437, 64) and a.x_test.shape == (360, 64)
    assert a.x_train.dtype == np.float32 and 0.0 <= a.x_train.min() and a.x_train.max() <= 1.0
    np.testing.assert_array_equal(a.x_test, b.x_test)
    assert set(np.unique(a.y_test)) == set(range(10))
    # No image appears in both train and test halves (the split is a permutation).
    assert len(a.y_train) + len(a.y_test) == 1797


def test_idx_reader_round_trip(tmp_path) -> None:
    arr = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    header = bytes([0, 0, 0x08, 3]) + b"".join(int(d).to_bytes(4, "big") for d in arr.shape)
    raw = tmp_path / "x-idx3-ubyte"
    raw.write_bytes(header + arr.tobytes())
    np.testing.assert_array_equal(read_idx(raw), arr)
    gz = tmp_path / "x-idx3-ubyte.gz"
    gz.write_bytes(gzip.compress(header + arr.tobytes()))
    np.testing.assert_array_equal(read_idx(gz), arr)
    bad = tmp_path / "bad"
    bad.write_bytes(b"\x01\x02\x03\x04")
    with pytest.raises(ValueError, match="magic"):
        read_idx(bad)
    trunc = tmp_path / "trunc"
    trunc.write_bytes(header + arr.tobytes()[:5])
    with pytest.raises(ValueError, match="truncated"):
        read_idx(trunc)


@pytest.mark.skipif(find_mnist_dir() is None, reason="shared/data/mnist not present")
def test_mnist_fixed_split() -> None:
    d = load_mnist_split()
    assert d.x_train.shape == (8000, 784) and d.x_test.shape == (2000, 784)
    assert d.x_train.max() == pytest.approx(1.0) and d.x_train.min() == 0.0
    assert set(np.unique(d.y_test)) == set(range(10))


def test_missing_mnist_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match="t10k-images"):
        load_mnist_split(tmp_path)


def test_minibatches_cover_everything_once() -> None:
    x = np.arange(10, dtype=float)[:, None]
    y = np.arange(10)
    seen = np.concatenate([yb for _, yb in minibatches(x, y, 3, np.random.default_rng(0))])
    assert sorted(seen) == list(range(10))
    with pytest.raises(ValueError, match="batch_size"):
        next(minibatches(x, y, 0))


def test_synthetic_tasks() -> None:
    d = make_blobs(n_samples=100, seed=1)
    assert len(d.x_train) + len(d.x_test) == 100
    u, y = narma10(500, seed=0)
    assert u.min() >= 0 and u.max() <= 0.5 and np.all(np.isfinite(y))
    # The recurrence holds at a sample time step.
    t = 100
    assert y[t + 1] == pytest.approx(0.3 * y[t] + 0.05 * y[t] * y[t - 9:t + 1].sum() + 1.5 * u[t - 9] * u[t] + 0.1)
