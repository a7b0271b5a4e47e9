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


def interleaved_minima_s(
    fns: dict[str, Callable[[], Any]], rounds: int, pause_after_s: dict[str, float] | None = None
) -> dict[str, float]:
    """Least wall time (s) of each contender over ``rounds`` rounds that call every contender once, in turn.

    On a machine whose speed drifts over minutes (a shared VM), timing contenders one after the other
    compares different machines; interleaving them compares the same one. One warm-up call each.
    ``pause_after_s[name]``: an untimed sleep after that contender (multi-threaded OpenBLAS workers
    spin for a while after a call and would take cores from the next contender). Each timed call
    follows an untimed one of the same contender, so that none is timed cold (caches and clocks
    after another contender or a pause).
    """
    pauses = pause_after_s or {}
    best = {name: float("inf") for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            fn()
            t0 = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - t0)
            if pauses.get(name):
                time.sleep(pauses[name])
    return best


def blas_thread_limiter() -> Callable[[int], Any] | None:
    """``limit(n)``: a context manager capping numpy's BLAS at n threads (threadpoolctl, optional
    extra ``bench``); None where threadpoolctl is not installed."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return None
    return lambda n: threadpool_limits(limits=n, user_api="blas")


def best_configuration(
    core: Callable[[], Any],
    reference: Callable[[], Any],
    rounds: int,
    max_threads: int = 2,
) -> dict[str, Any]:
    """pnnkit's ``core()`` with 1..max_threads OpenMP threads and numpy's ``reference()`` with
    1..max_threads BLAS threads (threadpoolctl; without it only at the thread count numpy started
    with), interleaved. Minima, the best of each side, 1-vs-1 and best-vs-best ratios. pnnkit's
    thread count is restored afterwards."""
    import pnnkit

    limit = blas_thread_limiter()

    def core_at(nt: int) -> Callable[[], Any]:
        def run() -> Any:
            pnnkit.set_num_threads(nt)
            return core()

        return run

    def reference_at(nt: int) -> Callable[[], Any]:
        def run() -> Any:
            with limit(nt):
                return reference()

        return run

    fns: dict[str, Callable[[], Any]] = {f"pnnkit_{t}thr": core_at(t) for t in range(1, max_threads + 1)}
    pauses: dict[str, float] = {}
    if limit is not None:
        for t in range(1, max_threads + 1):
            fns[f"numpy_{t}thr"] = reference_at(t)
            if t > 1:
                pauses[f"numpy_{t}thr"] = 0.2
    else:
        fns["numpy_env"] = reference
        pauses["numpy_env"] = 0.2
    before = pnnkit.get_num_threads()
    try:
        best = interleaved_minima_s(fns, rounds, pauses)
    finally:
        pnnkit.set_num_threads(before)
    pk = {k: v for k, v in best.items() if k.startswith("pnnkit")}
    npy = {k: v for k, v in best.items() if k.startswith("numpy")}
    out: dict[str, Any] = {"minima_s": best, "threadpoolctl": limit is not None}
    out["best_pnnkit"], out["best_numpy"] = min(pk, key=pk.get), min(npy, key=npy.get)
    out["ratio_best_vs_best"] = npy[out["best_numpy"]] / pk[out["best_pnnkit"]]
    if "numpy_1thr" in best:
        out["ratio_1thr_vs_1thr"] = best["numpy_1thr"] / best["pnnkit_1thr"]
    out["load_average_1min"] = load_average()
    return out


def print_best_configuration(label: str, r: dict[str, Any]) -> None:
    """The block printed for one :func:`best_configuration` result."""
    print(f"{label}, interleaved minima (load average {r['load_average_1min']}):")
    print("  " + "  ".join(f"{k} {v * 1e3:.2f} ms" for k, v in r["minima_s"].items()))
    if "ratio_1thr_vs_1thr" in r:
        print(f"  1 thread vs 1 thread: {r['ratio_1thr_vs_1thr']:.2f}x")
    print(f"  best vs best ({r['best_pnnkit']} vs {r['best_numpy']}): {r['ratio_best_vs_best']:.2f}x")
    if not r["threadpoolctl"]:
        print("  (threadpoolctl not installed: numpy timed only at the BLAS thread count it started with)")
