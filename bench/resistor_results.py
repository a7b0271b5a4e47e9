"""Issue 4 results for resistor networks: coupled learning, its sign-only variant, EP on a deep resistive net.

1. Coupled learning (Stern 2021) on a random linear resistor network (64 nodes, 200 edges; sources x, -x and
   ground) learning the 2-input, 2-output linear task y = 0.5 A x: relative error ||p_O - y|| / ||y||.
2. The sign-only twin-network variant (Dillavou 2022), 1024 discrete resistance levels in [0.1, 10] ohm.
3. A deep resistive network 64(x2)-64-10 trained with EP on the digits dataset (centered nudging, and
   one-sided positive nudging for comparison).

Run: ``python bench/resistor_results.py [--json PATH] [--epochs-ep 30] [--skip-positive]``.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
from pnnkit.datasets import load_digits, make_linear_regression
from pnnkit.equilibrium.diode import DeepResistiveNetwork
from pnnkit.equilibrium.resistor import random_connected_graph
from pnnkit.equilibrium.resistor_modules import pm_ground_sources
from pnnkit.training.coupled_learning import CoupledLearning, SignCoupledLearning
from pnnkit.training.eqprop_resistive import EPResistiveTrainer, accuracy


def linear_task(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """200 train / 56 test samples of y = 0.5 A x, x uniform in [-1, 1]^2, as source potentials."""
    x, y, _ = make_linear_regression(n_samples=256, seed=seed)
    y = 0.5 * y
    return pm_ground_sources(x[:200]), y[:200], pm_ground_sources(x[200:]), y[200:]


def run_coupled_learning(sign: bool, epochs: int, seed: int = 0) -> dict:
    vs, y, vs_te, y_te = linear_task(seed)
    n, m = 64, 200
    edges = random_connected_graph(n, m, seed=seed + 1)
    src, out = np.arange(5), np.array([5, 6])
    if sign:
        cl = SignCoupledLearning(n, edges, src, out, eta=0.5, n_levels=1024, seed=seed)
    else:
        g = np.random.default_rng(seed + 2).uniform(0.5, 1.5, m)
        cl = CoupledLearning(n, edges, g, src, out, eta=0.1, alpha=1.0)
    before = cl.relative_error(vs_te, y_te)
    t0 = time.perf_counter()
    hist = cl.fit(vs, y, epochs=epochs, batch_size=8, seed=seed, v_val=vs_te, y_val=y_te)
    first_below = next((r["epoch"] for r in hist.rows if r["test_rel_error"] < 0.01), None)
    return {
        "method": "coupled-learning-sign" if sign else "coupled-learning",
        "nodes": n,
        "edges": m,
        "epochs": epochs,
        "rel_error_before": before,
        "train_rel_error": hist.last["rel_error"],
        "test_rel_error": hist.last["test_rel_error"],
        "first_epoch_below_1pct": first_below,
        "curve": hist["test_rel_error"],
        "wall_s": time.perf_counter() - t0,
    }


def run_ep_digits(mode: str, epochs: int, hidden: int = 64, seed: int = 0) -> dict:
    d = load_digits()
    model = DeepResistiveNetwork((d.n_features, hidden, d.n_classes), gain=4.0, seed=seed)
    tr = EPResistiveTrainer(model, lr=0.01, beta=0.2, mode=mode, seed=seed)
    t0 = time.perf_counter()
    hist = tr.fit(
        d.x_train,
        d.y_train,
        epochs=epochs,
        batch_size=16,
        x_val=d.x_test,
        y_val=d.y_test,
        progress=lambda e, n, r: print(
            f"  ep/{mode} epoch {e}/{n}: test_acc {r['test_acc']:.4f}", flush=True
        ),
    )
    return {
        "method": f"ep-{mode}",
        "layers": [d.n_features, hidden, d.n_classes],
        "epochs": epochs,
        "test_acc": accuracy(model, d.x_test, d.y_test),
        "train_acc": accuracy(model, d.x_train, d.y_train),
        "best_test_acc": max(hist["test_acc"]),
        "curve": hist["test_acc"],
        "wall_s": time.perf_counter() - t0,
        "n_train": len(d.x_train),
        "n_test": len(d.x_test),
    }


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", help="write results to this JSON file")
    ap.add_argument("--epochs-cl", type=int, default=40)
    ap.add_argument("--epochs-sign", type=int, default=60)
    ap.add_argument("--epochs-ep", type=int, default=30)
    ap.add_argument("--skip-positive", action="store_true", help="skip the one-sided EP comparison run")
    args = ap.parse_args(argv)
    res = {"coupled_learning": run_coupled_learning(False, args.epochs_cl)}
    print(
        f"coupled learning: test rel. error {res['coupled_learning']['test_rel_error']:.2e} "
        f"(from {res['coupled_learning']['rel_error_before']:.3f}; < 1% from epoch "
        f"{res['coupled_learning']['first_epoch_below_1pct']})",
        flush=True,
    )
    res["coupled_learning_sign"] = run_coupled_learning(True, args.epochs_sign)
    s = res["coupled_learning_sign"]
    print(
        f"sign-only coupled learning: test rel. error {s['test_rel_error']:.2e} "
        f"(from {s['rel_error_before']:.3f})",
        flush=True,
    )
    res["ep_centered"] = run_ep_digits("centered", args.epochs_ep)
    print(f"EP (centered) DRN on digits: test acc {res['ep_centered']['test_acc']:.4f}", flush=True)
    if not args.skip_positive:
        res["ep_positive"] = run_ep_digits("positive", args.epochs_ep)
        print(f"EP (positive) DRN on digits: test acc {res['ep_positive']['test_acc']:.4f}", flush=True)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(res, fh, indent=1)
    return res


if __name__ == "__main__":
    main()
