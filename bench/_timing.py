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


def cpu_time_s(fn: Callable[[], Any], repeats: int) -> float:
    """Median process CPU time of ``fn()`` in seconds (all threads; after one warm-up call).

    On a shared machine wall times of both contenders inflate with the load, differently; the
    CPU time is the work itself (OpenMP spin-waiting at barriers included).
    """
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.process_time()
        fn()
        times.append(time.process_time() - t0)
    return float(np.median(times))


def load_average() -> float | None:
    """The 1-minute load average (None where the OS has none): printed beside every timing."""
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else None
