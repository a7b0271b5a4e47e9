"""Shared fixtures: thread-count control and finite-difference helpers."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import pnnkit
import pytest


@pytest.fixture
def restore_threads() -> Iterator[None]:
    """Restore pnnkit's thread count after a test that changes it."""
    n = pnnkit.get_num_threads()
    yield
    pnnkit.set_num_threads(n)


def numerical_grad(f: Callable[[], float], x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central finite-difference gradient of scalar f() with respect to array x (modified in place)."""
    g = np.zeros_like(x, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + eps
        fp = f()
        x[i] = old - eps
        fm = f()
        x[i] = old
        g[i] = (fp - fm) / (2 * eps)
    return g
