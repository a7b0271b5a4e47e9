"""The train/test container every pnnkit job and training method consumes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class DataSplit:
    """A fixed train/test split.

    ``x_*`` are float32 arrays of shape (n, features) scaled to [0, 1] unless stated,
    ``y_*`` int64 class labels (or float targets for regression tasks).
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    n_classes: int
    name: str

    def __post_init__(self) -> None:
        if len(self.x_train) != len(self.y_train):
            raise ValueError(f"x_train has {len(self.x_train)} rows but y_train has {len(self.y_train)}")
        if len(self.x_test) != len(self.y_test):
            raise ValueError(f"x_test has {len(self.x_test)} rows but y_test has {len(self.y_test)}")

    @property
    def n_features(self) -> int:
        return int(self.x_train.shape[1])

    def subset(self, n_train: int | None = None, n_test: int | None = None) -> DataSplit:
        """The first ``n_train`` / ``n_test`` samples (for quick runs); order is already shuffled."""
        return DataSplit(
            self.x_train[:n_train], self.y_train[:n_train], self.x_test[:n_test], self.y_test[:n_test],
            self.n_classes, self.name,
        )

    def summary(self) -> str:
        return (f"{self.name}: {len(self.x_train)} train / {len(self.x_test)} test, "
                f"{self.n_features} features, {self.n_classes} classes")


def minibatches(
    x: np.ndarray, y: np.ndarray, batch_size: int, rng: np.random.Generator | None = None
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield ``(x_batch, y_batch)``; shuffled with ``rng`` when given, the last batch may be smaller."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    n = len(x)
    if len(y) != n:
        raise ValueError(f"x has {n} rows but y has {len(y)}")
    order = rng.permutation(n) if rng is not None else np.arange(n)
    for start in range(0, n, batch_size):
        idx = order[start:start + batch_size]
        yield x[idx], y[idx]


def stratified_permutation(labels: np.ndarray, seed: int) -> np.ndarray:
    """A seeded permutation of all indices (used to fix splits once and for all)."""
    return np.random.default_rng(seed).permutation(len(labels))
