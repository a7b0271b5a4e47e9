"""Seeded synthetic tasks for tests and quick experiments."""

from __future__ import annotations

import numpy as np

from .split import DataSplit


def make_blobs(n_samples: int = 600, n_features: int = 8, n_classes: int = 3, spread: float = 0.6,
               seed: int = 0, test_fraction: float = 0.25) -> DataSplit:
    """Gaussian class clusters with unit-norm random centres, features scaled to [0, 1]."""
    if n_samples < 2 or n_features < 1 or n_classes < 2:
        raise ValueError("need n_samples >= 2, n_features >= 1, n_classes >= 2")
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction}")
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(n_classes, n_features))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    y = rng.integers(0, n_classes, n_samples)
    x = centres[y] + spread * rng.normal(size=(n_samples, n_features)) / np.sqrt(n_features)
    x = (x - x.min(0)) / (x.max(0) - x.min(0) + 1e-12)
    n_test = max(1, int(round(test_fraction * n_samples)))
    return DataSplit(x[n_test:].astype(np.float32), y[n_test:], x[:n_test].astype(np.float32), y[:n_test],
                     n_classes=n_classes, name="blobs")


def make_linear_regression(n_samples: int = 256, n_in: int = 2, n_out: int = 2, noise: float = 0.0,
                           seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Inputs uniform in [-1, 1], targets ``y = x @ A.T`` (+ noise); returns (x, y, A)."""
    rng = np.random.default_rng(seed)
    a = rng.uniform(-0.5, 0.5, size=(n_out, n_in))
    x = rng.uniform(-1.0, 1.0, size=(n_samples, n_in))
    y = x @ a.T + noise * rng.normal(size=(n_samples, n_out))
    return x, y, a


def narma10(n_steps: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The NARMA10 benchmark: u ~ U[0, 0.5], y(t+1) = 0.3y + 0.05y Σy(t-i) + 1.5u(t-9)u(t) + 0.1."""
    rng = np.random.default_rng(seed)
    u = rng.uniform(0.0, 0.5, n_steps)
    y = np.zeros(n_steps)
    for t in range(9, n_steps - 1):  # a scalar recurrence: inherently sequential
        y[t + 1] = 0.3 * y[t] + 0.05 * y[t] * y[t - 9:t + 1].sum() + 1.5 * u[t - 9] * u[t] + 0.1
    return u, y
