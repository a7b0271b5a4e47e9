"""Speed of the MZI-mesh forward pass (pnnkit C++) against numpy references of the same math.

References, all in one process on the same phases and inputs:
  * numpy-columns: the mesh applied column by column, every MZI of a column at once with fancy
    indexing (the fastest way to write the MZI-by-MZI mesh in numpy);
  * numpy-dense: x @ U^T with U the mesh's N x N matrix built beforehand (BLAS; it skips the
    per-MZI physics, so it is a lower bound a mesh simulator is not expected to beat at large batch).

    python bench/mzi.py [--json out.json] [--repeat 7]
"""

from __future__ import annotations

import argparse
import json
import os
import platform

import numpy as np
import pnnkit
from _timing import wall_times_s
from pnnkit import _core
from pnnkit.optics.mzi import mesh_matrix, n_mzi

SIZES = [(16, 1024), (64, 256), (128, 64)]  # (n_modes, batch)


def median_time(fn, repeat: int, best: list[float] | None = None) -> float:
    """Median wall time of ``fn`` over ``repeat`` calls (the minimum is appended to ``best``)."""
    median_s, best_s = wall_times_s(fn, repeat)
    if best is not None:
        best.append(best_s)
    return median_s


def numpy_columns(x: np.ndarray, theta: np.ndarray, phi: np.ndarray, delta: np.ndarray, geom: dict) -> np.ndarray:
    """The Clements mesh in numpy, one vectorised step per column (same MZI convention as the C++)."""
    s, c = np.sin(theta / 2), np.cos(theta / 2)
    pre = 1j * np.exp(1j * theta / 2)
    ep = np.exp(1j * phi)
    m00, m01, m10, m11 = pre * ep * s, pre * c, pre * ep * c, -pre * s
    y = x.copy()
    top, col = geom["top"], geom["column"]
    for cidx in range(geom["n_columns"]):
        k = np.nonzero(col == cidx)[0]
        t = top[k]
        a, b = y[:, t], y[:, t + 1]
        y[:, t] = m00[k] * a + m01[k] * b
        y[:, t + 1] = m10[k] * a + m11[k] * b
    return y * np.exp(1j * delta)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", default=None, help="write results to this JSON file")
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--threads", type=int, default=None)
    args = ap.parse_args()
    if args.threads:
        pnnkit.set_num_threads(args.threads)
    rows = []
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"pnnkit {pnnkit.__version__}, threads={pnnkit.get_num_threads()}, cpus={os.cpu_count()}, "
          f"load average {load:.1f} ({platform.processor() or platform.machine()})")
    print(f"{'N':>5} {'batch':>6} {'dtype':>10} {'pnnkit ms':>10} {'np-cols ms':>11} {'np-dense ms':>12} "
          f"{'x np-cols':>10} {'x np-dense':>11}")
    for n, batch in SIZES:
        rng = np.random.default_rng(n)
        k = n_mzi(n)
        th, ph, de = rng.uniform(0, 2 * np.pi, k), rng.uniform(0, 2 * np.pi, k), rng.uniform(0, 2 * np.pi, n)
        geom = _core.mzi_geometry(n, "clements")
        u = mesh_matrix(th, ph, de, n)
        for dtype in (np.complex64, np.complex128):
            x = (rng.standard_normal((batch, n)) + 1j * rng.standard_normal((batch, n))).astype(dtype)
            ut = u.T.astype(dtype)
            ref = numpy_columns(x.astype(np.complex128), th, ph, de, geom)
            got = _core.mzi_forward(x, th, ph, de)
            err = float(np.abs(got - ref).max() / np.abs(ref).max())
            assert err < (1e-4 if dtype == np.complex64 else 1e-12), err
            mins: list[float] = []
            t_pk = median_time(lambda: _core.mzi_forward(x, th, ph, de), args.repeat, mins)
            t_col = median_time(lambda: numpy_columns(x, th, ph, de, geom), args.repeat, mins)
            t_dense = median_time(lambda: x @ ut, args.repeat, mins)
            row = {"n_modes": n, "batch": batch, "dtype": np.dtype(dtype).name, "pnnkit_s": t_pk,
                   "numpy_columns_s": t_col, "numpy_dense_s": t_dense, "speedup_vs_columns": t_col / t_pk,
                   "speedup_vs_dense": t_dense / t_pk, "max_rel_err": err, "pnnkit_min_s": mins[0],
                   "numpy_columns_min_s": mins[1], "numpy_dense_min_s": mins[2]}
            rows.append(row)
            print(f"{n:5d} {batch:6d} {row['dtype']:>10} {t_pk * 1e3:10.3f} {t_col * 1e3:11.3f} "
                  f"{t_dense * 1e3:12.3f} {row['speedup_vs_columns']:10.1f} {row['speedup_vs_dense']:11.2f}"
                  f"   (best-of: {mins[0] * 1e3:.3f} / {mins[1] * 1e3:.3f} / {mins[2] * 1e3:.3f} ms)")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"threads": pnnkit.get_num_threads(), "load_average": load, "rows": rows}, fh, indent=1)


if __name__ == "__main__":
    main()
