"""Hopfield section of bench/equilibrium.py: relaxation of a layered Hopfield network.

pnnkit's C++ relaxation (``pnnkit._core.hopfield_relax``) against a vectorized numpy
implementation of the same iteration (synchronous projected gradient descent, float32):

* ``numpy``: the constant input drive ``rho(x) W_1 + b_1`` computed once, as the kernel does;
* ``numpy-naive``: every term recomputed at every iteration, as in Scellier & Bengio's code.

Run alone: ``python bench/equilibrium_hopfield.py [--batch 256] [--iters 20] [--json out.json]``.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

import numpy as np
from _timing import load_average, wall_times_s


def numpy_relax(
    x: np.ndarray,
    Ws: list[np.ndarray],
    bs: list[np.ndarray],
    n_iter: int,
    eps: float,
    hoist_input: bool = True,
) -> list[np.ndarray]:
    """Reference: ``n_iter`` synchronous steps ``s <- clip(s - eps (s - h), 0, 1)`` from zero."""
    L = len(Ws)
    s = [np.zeros((x.shape[0], W.shape[1]), dtype=x.dtype) for W in Ws]
    rx = np.clip(x, 0, 1)
    drive = rx @ Ws[0] + bs[0] if hoist_input else None
    for _ in range(n_iter):
        h = []
        for l in range(L):
            hl = (drive if hoist_input else rx @ Ws[0] + bs[0]) if l == 0 else s[l - 1] @ Ws[l] + bs[l]
            if l + 1 < L:
                hl = hl + s[l + 1] @ Ws[l + 1].T
            h.append(hl)
        s = [np.clip(sl - eps * (sl - hl), 0, 1) for sl, hl in zip(s, h)]
    return s


def bench_hopfield(
    sizes: tuple[int, ...] = (784, 500, 10),
    batch: int = 256,
    n_iter: int = 20,
    eps: float = 0.5,
    repeats: int = 15,
    seed: int = 0,
) -> dict[str, Any]:
    """Median wall times (s) of one relaxation: pnnkit vs numpy, float32; checks they agree."""
    import pnnkit
    from pnnkit.equilibrium.hopfield import HopfieldNetwork

    net = HopfieldNetwork(sizes, seed=seed, dtype=np.float32, eps=eps, n_iter=n_iter)
    rng = np.random.default_rng(seed)
    x = rng.random((batch, sizes[0]), dtype=np.float32)
    Ws, bs = net.weights, net.biases
    from pnnkit import _core

    def run_core() -> Any:
        return _core.hopfield_relax(x, Ws, bs, None, None, 0.0, "gd", eps, n_iter, 0.0, False)

    ref = numpy_relax(x, Ws, bs, n_iter, eps)
    got = run_core()["states"]
    max_diff = max(float(np.max(np.abs(a - b))) for a, b in zip(got, ref))
    t_core, m_core = wall_times_s(run_core, repeats)
    t_np, m_np = wall_times_s(lambda: numpy_relax(x, Ws, bs, n_iter, eps), repeats)
    t_naive, m_naive = wall_times_s(
        lambda: numpy_relax(x, Ws, bs, n_iter, eps, hoist_input=False), max(3, repeats // 3)
    )
    return {
        "case": f"hopfield relax {'-'.join(map(str, sizes))} batch {batch} x {n_iter} it float32",
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
        "max_abs_diff": max_diff,
        "load_average_1min": load_average(),
    }


def print_hopfield(r: dict[str, Any]) -> None:
    """One block of the benchmark table."""
    print(f"{r['case']} ({r['threads']} threads, load average {r['load_average_1min']})")
    print("  medians:")
    print(f"  pnnkit       {r['pnnkit_s'] * 1e3:9.2f} ms")
    print(
        f"  numpy        {r['numpy_s'] * 1e3:9.2f} ms   ratio {r['speedup_vs_numpy']:.2f}x"
        "  (input drive hoisted)"
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
    print(f"  max |pnnkit - numpy| = {r['max_abs_diff']:.2e}")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--iters", type=int, default=20)
    p.add_argument("--repeats", type=int, default=15)
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--json", default=None, help="write the results to this JSON file")
    a = p.parse_args(argv)
    if a.threads is not None:
        import pnnkit

        pnnkit.set_num_threads(a.threads)
    r = bench_hopfield(batch=a.batch, n_iter=a.iters, repeats=a.repeats)
    print_hopfield(r)
    if a.json:
        with open(a.json, "w") as fh:
            json.dump({"hopfield": r}, fh, indent=1)
    return r


if __name__ == "__main__":
    main()
