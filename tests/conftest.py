"""Shared fixtures: thread-count control, finite-difference helpers, pulsed-device parameters."""

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


STEP_MODELS = ["Constant", "Linear", "SoftBounds", "Exp", "Pow", "Piecewise"]


def step_model_params(model: str, dw_min_std: float = 0.3):
    """Core device parameters of one step model with large steps (dw_min 0.01: the bounds and the
    weight dependence matter within a few updates) and a non-trivial shape for each model."""
    from pnnkit import _core

    p = _core.DeviceParams()
    p.model = getattr(_core.StepModel, model)
    p.dw_min = 0.01
    p.dw_min_std = dw_min_std
    if model == "Linear":
        p.gamma_up, p.gamma_down = 0.5, 0.3
    elif model == "Pow":
        p.pow_gamma = 1.7
        p.pow_up_down = 0.2
    elif model == "Piecewise":
        p.piecewise_up = [1.0, 0.8, 0.5, 0.3, 0.1]
        p.piecewise_down = [0.2, 0.6, 1.2]  # a different node count for the other direction
    return p
