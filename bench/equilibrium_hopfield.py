"""Hopfield section of bench/equilibrium.py: relaxation of a layered Hopfield network.

pnnkit's C++ relaxation (``pnnkit._core.hopfield_relax``) against vectorized numpy implementations
of the same iteration (synchronous projected gradient descent, float32, from zero states):

* ``numpy``: the best vectorized numpy we could write: the constant input drive ``rho(x) W_1 + b_1``
  computed once (as the kernel does), preallocated buffers, in-place updates, ``eps`` folded into the
  weights, float32 throughout;
* ``numpy-naive``: every term recomputed at every iteration, as in Scellier & Bengio's code.

Two inputs: ``random`` (uniform in [0, 1), dense) and ``mnist`` (the first ``batch`` training images of
``load_mnist_split()``, about 80% exact zeros; pnnkit skips input columns that are zero in a whole
group of 8 samples, numpy computes the dense product).

numpy's BLAS (OpenBLAS) gets the same thread count as pnnkit: with ``--threads N`` this script sets
``OPENBLAS_NUM_THREADS`` (and OMP/MKL) to N before numpy is imported.

Run alone: ``python bench/equilibrium_hopfield.py [--threads 1] [--input both] [--json out.json]``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Any


def _threads_from_argv(argv: list[str]) -> str | None:
    """The value of ``--threads`` in argv, if any (read before numpy loads its BLAS)."""
    for i, a in enumerate(argv):
        if a == "--threads" and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith("--threads="):
            return a.split("=", 1)[1]
    return None


if __name__ == "__main__" and _threads_from_argv(sys.argv[1:]):
    for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[_var] = _threads_from_argv(sys.argv[1:])

import numpy as np  # noqa: E402
from _timing import best_configuration, load_average, print_best_configuration, wall_times_s  # noqa: E402


def numpy_relax(
    x: np.ndarray,
    Ws: list[np.ndarray],
    bs: list[np.ndarray],
    n_iter: int,
    eps: float,
) -> list[np.ndarray]:
    """Best-effort numpy reference: ``n_iter`` steps ``s <- clip(s - eps (s - h), 0, 1)`` from zero.

    ``h_l = b_l + s_{l-1} W_l + s_{l+1} W_{l+1}^T`` (``s_0 = clip(x, 0, 1)``); the input term is
    computed once; with ``eps`` folded into the weights each step is ``s <- clip((1 - eps) s + eps h)``
    in place (one matmul into a preallocated buffer per coupling, four elementwise passes per layer).
    """
    dt = x.dtype
    L, B = len(Ws), x.shape[0]
    e, keep = dt.type(eps), dt.type(1.0 - eps)
    eW = [e * W for W in Ws[1:]]  # eps W_l for l >= 2 (small); eps W_1 folded into the drive instead
    eWT = [np.ascontiguousarray(w.T) for w in eW]
    eb = [e * b for b in bs]
    s = [np.zeros((B, W.shape[1]), dt) for W in Ws]
    h = [np.empty_like(sl) for sl in s]
    drive = np.clip(x, 0, 1) @ Ws[0]
    drive *= e
    drive += eb[0]
    for _ in range(n_iter):
        for l in range(L):  # h_l <- eps (b_l + s_{l-1} W_l + s_{l+1} W_{l+1}^T), from the old states
            hl = h[l]
            if l + 1 < L:
                np.matmul(s[l + 1], eWT[l], out=hl)
                hl += drive if l == 0 else eb[l]
                if l > 0:
                    hl += s[l - 1] @ eW[l - 1]
            elif l == 0:
                np.copyto(hl, drive)
            else:
                np.matmul(s[l - 1], eW[l - 1], out=hl)
                hl += eb[l]
        for l in range(L):
            sl = s[l]
            if keep != 0:
                sl *= keep
                sl += h[l]
            else:
                np.copyto(sl, h[l])
            np.clip(sl, 0, 1, out=sl)
    return s


def numpy_relax_naive(
    x: np.ndarray, Ws: list[np.ndarray], bs: list[np.ndarray], n_iter: int, eps: float
) -> list[np.ndarray]:
    """Every term recomputed at every iteration, new arrays each step (Scellier & Bengio's style)."""
    L = len(Ws)
    s = [np.zeros((x.shape[0], W.shape[1]), dtype=x.dtype) for W in Ws]
    rx = np.clip(x, 0, 1)
    for _ in range(n_iter):
        h = []
        for l in range(L):
            hl = (rx if l == 0 else s[l - 1]) @ Ws[l] + bs[l]
            if l + 1 < L:
                hl = hl + s[l + 1] @ Ws[l + 1].T
            h.append(hl)
        s = [np.clip(sl - eps * (sl - hl), 0, 1) for sl, hl in zip(s, h)]
    return s


def cpu_time_min_s(fn: Any, repeats: int) -> float:
    """Least process CPU time (s) of ``fn()`` over ``repeats`` calls after one warm-up: robust to other
    processes on a shared machine; equal to wall time for one thread, the sum over threads otherwise."""
    fn()
    best = float("inf")
    for _ in range(repeats):
        t0 = time.process_time()
        fn()
        best = min(best, time.process_time() - t0)
    return best


def hopfield_input(kind: str, batch: int, n_in: int, seed: int = 0) -> np.ndarray:
    """``random``: uniform [0, 1) float32; ``mnist``: the first ``batch`` training images of the fixed split."""
    if kind == "random":
        return np.random.default_rng(seed).random((batch, n_in), dtype=np.float32)
    if kind == "mnist":
        from pnnkit.datasets import load_mnist_split

        x = np.ascontiguousarray(load_mnist_split().x_train[:batch], dtype=np.float32)
        if x.shape != (batch, n_in):
            raise ValueError(f"MNIST input has shape {x.shape}, expected {(batch, n_in)}")
        return x
    raise ValueError(f"input must be 'random' or 'mnist', got {kind!r}")


def bench_hopfield(
    sizes: tuple[int, ...] = (784, 500, 10),
    batch: int = 256,
    n_iter: int = 20,
    eps: float = 0.5,
    repeats: int = 15,
    seed: int = 0,
    input_kind: str = "random",
) -> dict[str, Any]:
    """Median wall times (s) of one relaxation: pnnkit vs numpy, float32; checks they agree."""
    import pnnkit
    from pnnkit.equilibrium.hopfield import HopfieldNetwork

    net = HopfieldNetwork(sizes, seed=seed, dtype=np.float32, eps=eps, n_iter=n_iter)
    x = hopfield_input(input_kind, batch, sizes[0], seed)
    Ws, bs = net.weights, net.biases
    from pnnkit import _core

    def run_core() -> Any:
        return _core.hopfield_relax(x, Ws, bs, None, None, 0.0, "gd", eps, n_iter, 0.0, False)

    # pnnkit is timed first and after a pause: OpenBLAS worker threads keep spinning for a while
    # after numpy's last matmul and would steal the second core from pnnkit's OpenMP threads.
    time.sleep(1.0)
    t_core, m_core = wall_times_s(run_core, repeats)
    c_core = cpu_time_min_s(run_core, repeats)
    got = run_core()["states"]
    ref = numpy_relax(x, Ws, bs, n_iter, eps)
    max_diff = max(float(np.max(np.abs(a - b))) for a, b in zip(got, ref))
    c_np = cpu_time_min_s(lambda: numpy_relax(x, Ws, bs, n_iter, eps), repeats)
    t_np, m_np = wall_times_s(lambda: numpy_relax(x, Ws, bs, n_iter, eps), repeats)
    ref_naive = numpy_relax_naive(x, Ws, bs, n_iter, eps)
    max_diff = max(max_diff, max(float(np.max(np.abs(a - b))) for a, b in zip(got, ref_naive)))
    t_naive, m_naive = wall_times_s(lambda: numpy_relax_naive(x, Ws, bs, n_iter, eps), max(3, repeats // 3))
    return {
        "case": f"hopfield relax {'-'.join(map(str, sizes))} batch {batch} x {n_iter} it float32, "
        f"{input_kind} input ({float(np.mean(x == 0)):.0%} zeros)",
        "input": input_kind,
        "threads": pnnkit.get_num_threads(),
        "pnnkit_s": t_core,
        "numpy_s": t_np,
        "numpy_naive_s": t_naive,
        "speedup_vs_numpy": t_np / t_core,
        "speedup_vs_numpy_naive": t_naive / t_core,
        "pnnkit_min_s": m_core,
        "numpy_min_s": m_np,
        "numpy_naive_min_s": m_naive,
        "speedup_vs_numpy_min": m_np / m_core,
        "speedup_vs_numpy_naive_min": m_naive / m_core,
        "pnnkit_cpu_min_s": c_core,
        "numpy_cpu_min_s": c_np,
        "speedup_vs_numpy_cpu_min": c_np / c_core,
        "max_abs_diff": max_diff,
        "load_average_1min": load_average(),
    }


def bench_best_configuration(
    sizes: tuple[int, ...] = (784, 500, 10),
    batch: int = 256,
    n_iter: int = 20,
    eps: float = 0.5,
    rounds: int = 30,
    input_kind: str = "mnist",
    max_threads: int = 2,
) -> dict[str, Any]:
    """Each side at each thread count, interleaved (same machine state): pnnkit with 1..max_threads
    OpenMP threads, numpy with 1..max_threads BLAS threads (``_timing.best_configuration``)."""
    from pnnkit import _core
    from pnnkit.equilibrium.hopfield import HopfieldNetwork

    net = HopfieldNetwork(sizes, seed=0, dtype=np.float32, eps=eps, n_iter=n_iter)
    x = hopfield_input(input_kind, batch, sizes[0])
    Ws, bs = net.weights, net.biases
    out = best_configuration(
        lambda: _core.hopfield_relax(x, Ws, bs, None, None, 0.0, "gd", eps, n_iter, 0.0, False),
        lambda: numpy_relax(x, Ws, bs, n_iter, eps),
        rounds,
        max_threads,
    )
    out["input"] = input_kind
    return out


def print_hopfield(r: dict[str, Any]) -> None:
    """One block of the benchmark table."""
    print(f"{r['case']} ({r['threads']} threads, load average {r['load_average_1min']})")
    print("  medians:")
    print(f"  pnnkit       {r['pnnkit_s'] * 1e3:9.2f} ms")
    print(
        f"  numpy        {r['numpy_s'] * 1e3:9.2f} ms   ratio {r['speedup_vs_numpy']:.2f}x"
        "  (drive hoisted, in place: best numpy)"
    )
    print(
        f"  numpy-naive  {r['numpy_naive_s'] * 1e3:9.2f} ms   ratio {r['speedup_vs_numpy_naive']:.2f}x  "
        f"(drive recomputed each iteration)"
    )
    print(
        f"  minima: pnnkit {r['pnnkit_min_s'] * 1e3:.2f} ms, numpy {r['numpy_min_s'] * 1e3:.2f} ms "
        f"({r['speedup_vs_numpy_min']:.2f}x), numpy-naive {r['numpy_naive_min_s'] * 1e3:.2f} ms "
        f"({r['speedup_vs_numpy_naive_min']:.2f}x)"
    )
    print(
        f"  CPU-time minima: pnnkit {r['pnnkit_cpu_min_s'] * 1e3:.2f} ms, numpy {r['numpy_cpu_min_s'] * 1e3:.2f} ms "
        f"({r['speedup_vs_numpy_cpu_min']:.2f}x; the fair figure on a loaded machine with 1 thread)"
    )
    print(f"  max |pnnkit - numpy| = {r['max_abs_diff']:.2e}")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--iters", type=int, default=20)
    p.add_argument("--repeats", type=int, default=15)
    p.add_argument("--threads", type=int, default=None, help="pnnkit threads (and numpy's BLAS threads)")
    p.add_argument("--input", choices=("random", "mnist", "both"), default="both")
    p.add_argument("--json", default=None, help="write the results to this JSON file")
    p.add_argument(
        "--best-config",
        action="store_true",
        help="instead: each side at 1 and 2 threads, interleaved; thread-for-thread and best-vs-best ratios",
    )
    a = p.parse_args(argv)
    if a.best_config:
        kinds = ("random", "mnist") if a.input == "both" else (a.input,)
        res = {}
        for kind in kinds:
            res[kind] = bench_best_configuration(batch=a.batch, n_iter=a.iters, input_kind=kind, rounds=a.repeats * 2)
            print_best_configuration(f"{kind} input", res[kind])
        if a.json:
            with open(a.json, "w") as fh:
                json.dump({"hopfield_best_config": res}, fh, indent=1)
        return res
    if a.threads is not None:
        import pnnkit

        pnnkit.set_num_threads(a.threads)
    kinds = ("random", "mnist") if a.input == "both" else (a.input,)
    out = {}
    for kind in kinds:
        r = bench_hopfield(batch=a.batch, n_iter=a.iters, repeats=a.repeats, input_kind=kind)
        r["blas_threads_env"] = os.environ.get("OPENBLAS_NUM_THREADS")
        print_hopfield(r)
        out[kind] = r
    if a.json:
        with open(a.json, "w") as fh:
            json.dump({"hopfield": out}, fh, indent=1)
    return out


if __name__ == "__main__":
    main()
