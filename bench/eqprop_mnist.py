"""Equilibrium propagation on the fixed MNIST split vs a backprop-trained MLP of the same size.

784-500-10 layered Hopfield network with Scellier & Bengio's hyper-parameters (eps 0.5, 20 free
and 4 nudged iterations, beta 0.5, layer-wise alpha 0.1 / 0.05, batch 20, persistent particles),
trained with one-sided EP (random sign of beta per minibatch, as in their code) and with
centered EP (+-beta), against a 784-500-10 sigmoid MLP trained by backprop (softmax
cross-entropy, Adam 1e-3, batch 20) on the same 8,000 / 2,000 split.

    nice python bench/eqprop_mnist.py --epochs 25 --json eqprop_mnist.json
    nice python bench/eqprop_mnist.py --methods ep-centered --epochs 25 --json c.json

Writes the JSON after every epoch, so an interrupted run keeps its numbers.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

import numpy as np

METHODS = ("ep", "ep-centered", "backprop")


def load_split() -> Any:
    """The project's fixed MNIST split (first 8,000 of the 10,000 test images train, last 2,000 test)."""
    from pnnkit.datasets import load_mnist_split

    return load_mnist_split()


def run_ep(data: Any, nudging: str, epochs: int, seed: int, on_epoch: Any) -> dict[str, Any]:
    """Train the 784-500-10 Hopfield network with EP; returns the history rows and final accuracy."""
    from pnnkit.equilibrium.hopfield import HopfieldNetwork
    from pnnkit.training.eqprop import EPConfig, config_dict, train_eqprop

    net = HopfieldNetwork((784, 500, 10), seed=seed)
    cfg = EPConfig(
        beta=0.5, nudging=nudging, n_free=20, n_nudged=4, eps=0.5, lrs=(0.1, 0.05), persistent=True
    )
    hist = train_eqprop(
        net,
        data.x_train,
        data.y_train,
        epochs=epochs,
        batch_size=20,
        config=cfg,
        seed=seed,
        x_test=data.x_test,
        y_test=data.y_test,
        callback=lambda e, n, row: on_epoch(row),
    )
    return {
        "config": config_dict(cfg),
        "rows": hist.rows,
        "final_test_acc": hist.last.get("test_acc"),
        "best_test_acc": max(hist["test_acc"]) if len(hist) else None,
    }


def run_backprop(data: Any, epochs: int, seed: int, on_epoch: Any) -> dict[str, Any]:
    """Train a 784-500-10 sigmoid MLP by backprop on the same split."""
    from pnnkit import nn

    model = nn.Sequential(nn.Linear(784, 500, seed=seed), nn.Sigmoid(), nn.Linear(500, 10, seed=seed + 1))
    hist = nn.fit(
        model,
        nn.SoftmaxCrossEntropy(),
        nn.Adam(model, 1e-3),
        data.x_train,
        data.y_train,
        epochs=epochs,
        batch_size=20,
        seed=seed,
        x_val=data.x_test,
        y_val=data.y_test,
        callback=lambda e, row: on_epoch(row),
    )
    return {
        "config": {
            "model": "784-500-10 sigmoid MLP",
            "loss": "softmax cross-entropy",
            "optimizer": "Adam 1e-3",
            "batch_size": 20,
        },
        "rows": hist.rows,
        "final_test_acc": hist.last.get("test_acc"),
        "best_test_acc": max(hist["test_acc"]) if len(hist) else None,
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--methods", default=",".join(METHODS), help=f"comma-separated subset of {METHODS}")
    p.add_argument("--epochs", type=int, default=25)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--json", default=None)
    a = p.parse_args(argv)
    methods = [m for m in a.methods.split(",") if m]
    unknown = set(methods) - set(METHODS)
    if unknown:
        p.error(f"unknown methods {sorted(unknown)}; choose from {METHODS}")
    import pnnkit

    if a.threads is not None:
        pnnkit.set_num_threads(a.threads)
    data = load_split()
    out: dict[str, Any] = {"split": data.summary(), "epochs": a.epochs, "seed": a.seed, "results": {}}

    def save() -> None:
        if a.json:
            with open(a.json, "w") as fh:
                json.dump(out, fh, indent=1)

    for m in methods:
        rows: list[dict[str, Any]] = []
        out["results"][m] = {"rows": rows}
        t0 = time.perf_counter()

        def on_epoch(row: dict[str, Any], m: str = m, rows: list = rows) -> None:
            rows.append(dict(row))
            print(
                f"{m:12s} epoch {row['epoch']:3d}  "
                + "  ".join(
                    f"{k}={v:.4f}" if isinstance(v, float) else f"{k}={v}"
                    for k, v in row.items()
                    if k != "epoch"
                ),
                flush=True,
            )
            save()

        if m == "backprop":
            res = run_backprop(data, a.epochs, a.seed, on_epoch)
        else:
            res = run_ep(data, "centered" if m == "ep-centered" else "random", a.epochs, a.seed, on_epoch)
        res["wall_time_s"] = time.perf_counter() - t0
        out["results"][m] = res
        save()
    print("\nmethod        epochs  final test acc  best test acc")
    for m, r in out["results"].items():
        print(f"{m:12s}  {len(r['rows']):6d}  {r['final_test_acc']:14.4f}  {r['best_test_acc']:13.4f}")
    return out


if __name__ == "__main__":
    np.seterr(over="ignore")  # the sigmoid MLP may overflow exp() harmlessly in float32
    main()
