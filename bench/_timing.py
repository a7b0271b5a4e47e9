"""Timing helpers shared by the benchmark scripts (run them as ``python bench/<name>.py``)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

import numpy as np


def wall_times_s(fn: Callable[[], Any], repeats: int, warmup: int = 1) -> tuple[float, float]:
    """(median, minimum) wall time of ``fn()`` in seconds over ``repeats`` calls after ``warmup`` calls.

    The median is the headline number; the minimum is the least contended run, which is what a
    shared, loaded machine can still tell about the cost itself.
    """
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), float(np.min(times))


def load_average() -> float | None:
    """The 1-minute load average (None where the OS has none): printed beside every timing."""
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else None
