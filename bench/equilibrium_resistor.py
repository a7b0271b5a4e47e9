"""Benchmarks of the resistor-network kernels (pnnkit.equilibrium.resistor / .diode).

1. Linear network: a 100x100 resistor grid (10,000 nodes) factorized once and solved for 256
   right-hand sides, against scipy.sparse (SuperLU factorize-once + solve, and spsolve) when installed.
2. Diode-network QP: the C++ exact coordinate descent against vectorized numpy references of the same
   iteration (same sweeps, same iterates): node-by-node Gauss-Seidel on a random graph, and the
   layer-block form (matrix products) on a deep resistive network, where nodes of one layer are not
   connected so updating a whole layer at once is the same Gauss-Seidel sweep: that layer-block numpy
   code is the fair reference (same iterates to rounding); the node-by-node one is only a sanity check.

Prints medians and ratios; ``--json PATH`` writes them. Run: ``python bench/equilibrium_resistor.py
[--threads N]`` (with ``--threads`` numpy's BLAS, used by the layer-block reference, gets N threads too).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import warnings

if __name__ == "__main__":  # numpy's BLAS gets pnnkit's thread count: set it before numpy loads
    for _i, _a in enumerate(sys.argv[1:-1], start=1):
        if _a == "--threads":
            for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
                os.environ[_var] = sys.argv[_i + 1]

import numpy as np  # noqa: E402
import pnnkit  # noqa: E402
from _timing import best_configuration, print_best_configuration, wall_times_s  # noqa: E402
from pnnkit.equilibrium.diode import CoordinateDescentReference, DeepResistiveNetwork, DiodeNetwork  # noqa: E402
from pnnkit.equilibrium.resistor import ResistorNetwork, random_connected_graph  # noqa: E402


def grid_network(side: int, seed: int = 0) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
    """A side x side resistor grid: random conductances, 16 sources on the left edge, ground on the right."""
    idx = np.arange(side * side).reshape(side, side)
    edges = np.concatenate(
        [
            np.stack([idx[:, :-1].ravel(), idx[:, 1:].ravel()], 1),
            np.stack([idx[:-1, :].ravel(), idx[1:, :].ravel()], 1),
        ]
    )
    g = np.random.default_rng(seed).uniform(0.5, 2.0, len(edges))
    sources = idx[np.linspace(0, side - 1, 16).astype(int), 0]
    ground = idx[:, -1]
    return side * side, edges, g, np.concatenate([sources, ground])


def bench_linear(side: int = 100, n_rhs: int = 256, repeats: int = 5) -> dict:
    """Factorize once + solve ``n_rhs`` clamped-voltage patterns; pnnkit vs scipy.sparse."""
    n, edges, g, clamped = grid_network(side)
    rng = np.random.default_rng(1)
    vc = np.zeros((n_rhs, clamped.size))
    vc[:, :16] = rng.uniform(-1, 1, (n_rhs, 16))
    res: dict = {"n_nodes": n, "n_edges": len(edges), "n_rhs": n_rhs, "threads": pnnkit.get_num_threads()}
    net = ResistorNetwork(n, edges, g, clamped)
    res["pnnkit_factorize_s"] = wall_times_s(lambda: setattr(net, "conductance_S", g), repeats, warmup=0)[0]
    res["pnnkit_solve_s"] = wall_times_s(lambda: net.solve(vc), repeats, warmup=0)[0]
    v = net.solve(vc)
    try:
        import scipy.sparse as sp
        import scipy.sparse.linalg as spla
    except ImportError:
        res["scipy"] = "not installed"
        return res
    free = np.setdiff1d(np.arange(n), clamped)
    i, j = edges[:, 0], edges[:, 1]
    lap = sp.coo_matrix(
        (np.concatenate([g, g, -g, -g]), (np.concatenate([i, j, i, j]), np.concatenate([i, j, j, i]))),
        shape=(n, n),
    ).tocsr()
    lff = lap[free][:, free].tocsc()
    lfc = lap[free][:, clamped]
    rhs = -(lfc @ vc.T)

    # The fairest SuperLU set-up for an SPD matrix: symmetric mode with a minimum-degree ordering on
    # A^T + A; solving column by column is faster than its multi-RHS call here.
    def factor():
        return spla.splu(lff, permc_spec="MMD_AT_PLUS_A", options={"SymmetricMode": True})

    def solve_columns(lu):
        return np.stack([lu.solve(rhs[:, k]) for k in range(rhs.shape[1])], axis=1)

    res["scipy_splu_factorize_s"] = wall_times_s(factor, repeats, warmup=0)[0]
    lu = factor()
    res["scipy_splu_solve_s"] = wall_times_s(lambda: solve_columns(lu), repeats, warmup=0)[0]
    res["scipy_spsolve_s"] = wall_times_s(lambda: spla.spsolve(lff, rhs), max(1, repeats // 2), warmup=0)[0]
    res["max_abs_diff_V"] = float(np.abs(solve_columns(lu).T - v[:, free]).max())
    res["ratio_solve_vs_splu"] = res["scipy_splu_solve_s"] / res["pnnkit_solve_s"]
    res["ratio_total_vs_splu"] = (res["scipy_splu_factorize_s"] + res["scipy_splu_solve_s"]) / (
        res["pnnkit_factorize_s"] + res["pnnkit_solve_s"]
    )
    res["ratio_total_vs_spsolve"] = res["scipy_spsolve_s"] / (
        res["pnnkit_factorize_s"] + res["pnnkit_solve_s"]
    )
    return res


def _fixed_sweeps(net: DiodeNetwork, vc: np.ndarray, sweeps: int) -> np.ndarray:
    with warnings.catch_warnings():  # a fixed sweep count is the point here, not convergence
        warnings.simplefilter("ignore", RuntimeWarning)
        return net.solve(vc, max_sweeps=sweeps, tol_V=1e-300)


def bench_diode_graph(
    n_nodes: int = 400, n_edges: int = 1600, batch: int = 256, sweeps: int = 20, repeats: int = 3
) -> dict:
    """Random graph with diode-bounded nodes: C++ vs numpy node-by-node coordinate descent."""
    rng = np.random.default_rng(2)
    edges = random_connected_graph(n_nodes, n_edges, seed=2)
    g = rng.uniform(0.2, 5.0, n_edges)
    cl = np.arange(8)
    lo = np.where(rng.random(n_nodes) < 0.5, -0.2, -np.inf)
    hi = np.where(rng.random(n_nodes) < 0.5, 0.2, np.inf)
    net = DiodeNetwork(n_nodes, edges, g, cl, lo, hi)
    vc = rng.uniform(-1, 1, (batch, cl.size))
    t_c = wall_times_s(lambda: _fixed_sweeps(net, vc, sweeps), repeats, warmup=0)[0]
    ref = CoordinateDescentReference(n_nodes, edges, g, cl, lo, hi)
    t_np = wall_times_s(lambda: ref.solve(vc, sweeps), max(1, repeats // 2), warmup=0)[0]
    diff = np.abs(_fixed_sweeps(net, vc, sweeps) - ref.solve(vc, sweeps)).max()
    return {
        "n_nodes": n_nodes,
        "n_edges": n_edges,
        "batch": batch,
        "sweeps": sweeps,
        "pnnkit_s": t_c,
        "numpy_node_gs_s": t_np,
        "ratio": t_np / t_c,
        "max_abs_diff_V": float(diff),
    }


def drn_block_reference(model: DeepResistiveNetwork, x: np.ndarray, sweeps: int) -> np.ndarray:
    """numpy layer-block coordinate descent on a DRN: the same iterates as node-by-node Gauss-Seidel."""
    g = model.conductance_S
    vc = model.input_voltages(x)
    layers = model.layer_nodes
    n_layers = len(layers)
    mats = []  # dense conductance matrix between layer k and k+1
    for k, (s0, cnt) in enumerate(model.blocks[:-1]):
        mats.append(g[s0 : s0 + cnt].reshape(len(layers[k]), len(layers[k + 1])))
    s0, cnt = model.blocks[-1]
    free_ids = np.concatenate(layers[1:])
    gb = g[s0 : s0 + cnt].reshape(2, len(free_ids))
    bias_current = vc[:, -2:] @ gb  # (batch, n_free) constant current from the bias sources
    deg = gb.sum(0)
    lo, hi = model.network.lower_V, model.network.upper_V
    states = [vc[:, : len(layers[0])]] + [
        np.clip(0.0, lo[ly], hi[ly]) * np.ones((len(x), len(ly))) for ly in layers[1:]
    ]
    offs = np.cumsum([0] + [len(ly) for ly in layers[1:]])
    degs, lows, highs, bcs = [], [], [], []
    for k in range(1, n_layers):
        d = deg[offs[k - 1] : offs[k]] + mats[k - 1].sum(0)
        if k + 1 < n_layers:
            d = d + mats[k].sum(1)
        degs.append(1.0 / d)
        lows.append(lo[layers[k]])
        highs.append(hi[layers[k]])
        const = bias_current[:, offs[k - 1] : offs[k]]
        if k == 1:  # the input sources are clamped: their current into layer 1 is computed once
            const = const + states[0] @ mats[0]
        bcs.append(const)
    for _ in range(sweeps):
        for k in range(1, n_layers):
            acc = bcs[k - 1] + states[k - 1] @ mats[k - 1] if k > 1 else bcs[0].copy()
            if k + 1 < n_layers:
                acc += states[k + 1] @ mats[k].T
            states[k] = np.clip(acc * degs[k - 1], lows[k - 1], highs[k - 1])
    return np.concatenate(states[1:], axis=1)


def bench_diode_drn(
    layer_sizes: tuple[int, ...] = (64, 128, 10), batch: int = 256, sweeps: int = 20, repeats: int = 5
) -> dict:
    """Deep resistive network QP: C++ vs numpy layer-block coordinate descent (matrix products)."""
    model = DeepResistiveNetwork(layer_sizes, seed=0)
    x = np.random.default_rng(3).uniform(size=(batch, layer_sizes[0]))
    vc = model.input_voltages(x)
    free = np.concatenate(model.layer_nodes[1:])
    t_c = wall_times_s(lambda: _fixed_sweeps(model.network, vc, sweeps), repeats, warmup=0)[0]
    t_np = wall_times_s(lambda: drn_block_reference(model, x, sweeps), repeats, warmup=0)[0]
    diff = np.abs(
        _fixed_sweeps(model.network, vc, sweeps)[:, free] - drn_block_reference(model, x, sweeps)
    ).max()
    return {
        "layer_sizes": list(layer_sizes),
        "batch": batch,
        "sweeps": sweeps,
        "pnnkit_s": t_c,
        "numpy_layer_block_s": t_np,
        "ratio": t_np / t_c,
        "max_abs_diff_V": float(diff),
    }


def bench_diode_drn_best_config(
    layer_sizes: tuple[int, ...] = (64, 128, 10), batch: int = 256, sweeps: int = 20, rounds: int = 30,
    max_threads: int = 2,
) -> dict:
    """DRN QP with each side at 1..max_threads threads, interleaved (``_timing.best_configuration``)."""
    model = DeepResistiveNetwork(layer_sizes, seed=0)
    x = np.random.default_rng(3).uniform(size=(batch, layer_sizes[0]))
    vc = model.input_voltages(x)
    out = best_configuration(
        lambda: _fixed_sweeps(model.network, vc, sweeps), lambda: drn_block_reference(model, x, sweeps), rounds,
        max_threads,
    )
    out["layer_sizes"] = list(layer_sizes)
    return out


def run_all(quick: bool = False) -> dict:
    """Every resistor benchmark; ``quick`` shrinks the sizes (for smoke tests)."""
    if quick:
        return {
            "linear": bench_linear(side=30, n_rhs=32, repeats=2),
            "diode_graph": bench_diode_graph(n_nodes=60, n_edges=150, batch=32, sweeps=5, repeats=1),
            "diode_drn": bench_diode_drn((8, 16, 3), batch=32, sweeps=5, repeats=1),
        }
    return {
        "linear": bench_linear(),
        "diode_graph": bench_diode_graph(),
        "diode_drn": bench_diode_drn(),
        "diode_drn_digits": bench_diode_drn((64, 64, 10)),  # the digits DRN of bench/resistor_results.py
    }


def print_report(res: dict) -> None:
    """Human-readable medians and ratios."""
    lin = res["linear"]
    print(
        f"[resistor] {lin['n_nodes']} nodes / {lin['n_edges']} edges, {lin['n_rhs']} RHS, "
        f"{lin['threads']} thread(s)"
    )
    print(
        f"  pnnkit   factorize {lin['pnnkit_factorize_s'] * 1e3:8.2f} ms   "
        f"solve {lin['pnnkit_solve_s'] * 1e3:8.2f} ms"
    )
    if "scipy_splu_solve_s" in lin:
        print(
            f"  scipy    splu      {lin['scipy_splu_factorize_s'] * 1e3:8.2f} ms   solve "
            f"{lin['scipy_splu_solve_s'] * 1e3:8.2f} ms   spsolve {lin['scipy_spsolve_s'] * 1e3:8.2f} ms"
        )
        print(
            f"  ratio    solve x{lin['ratio_solve_vs_splu']:.2f}   "
            f"factorize+solve x{lin['ratio_total_vs_splu']:.2f} (vs splu)   "
            f"x{lin['ratio_total_vs_spsolve']:.2f} (vs spsolve)   max |dv| {lin['max_abs_diff_V']:.1e} V"
        )
    else:
        print("  scipy not installed: no peer comparison")
    dg = res["diode_graph"]
    print(
        f"[diode QP, random graph] {dg['n_nodes']} nodes / {dg['n_edges']} edges, batch {dg['batch']}, "
        f"{dg['sweeps']} sweeps: pnnkit {dg['pnnkit_s'] * 1e3:.2f} ms, numpy node-GS "
        f"{dg['numpy_node_gs_s'] * 1e3:.1f} ms, ratio x{dg['ratio']:.1f} "
        f"(max |dv| {dg['max_abs_diff_V']:.1e})"
    )
    for key in ("diode_drn", "diode_drn_digits"):
        if key not in res:
            continue
        dd = res[key]
        print(
            f"[diode QP, DRN {dd['layer_sizes']}] batch {dd['batch']}, {dd['sweeps']} sweeps: pnnkit "
            f"{dd['pnnkit_s'] * 1e3:.2f} ms, numpy layer-block {dd['numpy_layer_block_s'] * 1e3:.2f} ms, "
            f"ratio x{dd['ratio']:.2f} (max |dv| {dd['max_abs_diff_V']:.1e})"
        )


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", help="write the results to this JSON file")
    ap.add_argument("--quick", action="store_true", help="small sizes (smoke test)")
    ap.add_argument("--threads", type=int, default=None, help="pnnkit threads (default: unchanged)")
    ap.add_argument(
        "--best-config",
        action="store_true",
        help="instead: the DRN QPs with each side at 1 and 2 threads, interleaved",
    )
    args = ap.parse_args(argv)
    if args.threads:
        pnnkit.set_num_threads(args.threads)
    if args.best_config:
        res = {}
        for sizes in ((64, 128, 10), (64, 64, 10)):
            r = bench_diode_drn_best_config(sizes, rounds=10 if args.quick else 30)
            res[str(sizes)] = r
            print_best_configuration(f"[diode QP, DRN {list(sizes)}]", r)
        if args.json:
            with open(args.json, "w") as fh:
                json.dump(res, fh, indent=1)
        return res
    res = run_all(quick=args.quick)
    print_report(res)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(res, fh, indent=1)
    return res


if __name__ == "__main__":
    main()
