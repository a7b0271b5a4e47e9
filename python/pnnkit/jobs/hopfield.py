"""`pnnkit train --substrate hopfield`: a layered Hopfield network trained by equilibrium propagation.

Methods:

``ep``
    one-sided EP (Scellier & Bengio 2017), nudging sign per ``--nudging`` (default: random sign
    of beta per minibatch, as in their code);
``ep-centered``
    EP with centered nudging (+-beta, Laborieux et al. 2021), bias O(beta^2);
``backprop``
    the digital baseline: an MLP of the same layer sizes (sigmoid hidden units, softmax
    cross-entropy, Adam) trained by backprop on the same split.

Defaults are Scellier & Bengio's MNIST set-up: eps 0.5, 20 free / 4 nudged iterations, beta 0.5,
alpha 0.1 / 0.05 per layer, batch 20, persistent particles, 25 epochs.
"""

from __future__ import annotations

import argparse
from typing import Any

from .. import nn
from ..datasets import DataSplit

METHODS = ("ep", "ep-centered", "backprop")


def _int_list(text: str) -> list[int]:
    try:
        vals = [int(t) for t in text.split(",") if t.strip()]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from exc
    if not vals or any(v < 1 for v in vals):
        raise argparse.ArgumentTypeError(f"expected positive layer sizes, got {text!r}")
    return vals


def _float_list(text: str) -> list[float]:
    try:
        return [float(t) for t in text.split(",") if t.strip()]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers, got {text!r}") from exc


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of the Hopfield / EP job."""
    g = parser.add_argument_group("hopfield")
    g.add_argument(
        "--hidden",
        type=_int_list,
        default=None,
        help="hidden layer sizes, comma-separated (default 500 for MNIST-sized inputs, else 64)",
    )
    g.add_argument("--beta", type=float, default=0.5, help="nudging strength (> 0)")
    g.add_argument(
        "--nudging",
        default="random",
        choices=("random", "positive", "negative"),
        help="ep: sign of the one-sided nudge",
    )
    g.add_argument("--eps", type=float, default=0.5, help="relaxation step")
    g.add_argument("--n-free", type=int, default=20, help="free-phase iterations")
    g.add_argument("--n-nudged", type=int, default=4, help="nudged-phase iterations")
    g.add_argument(
        "--n-eval", type=int, default=100, help="iterations of the evaluation relaxation from zero"
    )
    g.add_argument(
        "--lrs",
        type=_float_list,
        default=None,
        help="layer-wise learning rates (default 0.1,0.05 for one hidden layer; --lr sets all)",
    )
    g.add_argument("--no-persistent", action="store_true", help="start every free phase from zero")
    g.add_argument("--relax-method", default="gd", choices=("gd", "fixed_point"), help="relaxation dynamics")


def _default_lrs(n_layers: int) -> list[float]:
    # Scellier & Bengio: 0.1 / 0.05 for one hidden layer; halve per layer towards the output.
    return [0.1 * 0.5**l for l in range(n_layers)]


def run(args: argparse.Namespace, data: DataSplit, progress: Any) -> dict[str, Any]:
    """Train per ``args.method``; returns model, history, results and config."""
    hidden = args.hidden or ([500] if data.n_features > 100 else [64])
    sizes = [data.n_features, *hidden, data.n_classes]
    epochs = args.epochs or 25
    batch = args.batch_size or 20
    if args.method == "backprop":
        layers: list[nn.Module] = []
        for i in range(len(sizes) - 1):
            layers.append(nn.Linear(sizes[i], sizes[i + 1], seed=args.seed + i))
            if i < len(sizes) - 2:
                layers.append(nn.Sigmoid())
        model = nn.Sequential(*layers)
        lr = args.lr or 1e-3
        hist = nn.fit(
            model,
            nn.SoftmaxCrossEntropy(),
            nn.Adam(model, lr),
            data.x_train,
            data.y_train,
            epochs=epochs,
            batch_size=batch,
            seed=args.seed,
            x_val=data.x_test,
            y_val=data.y_test,
            callback=lambda e, row: progress(e, epochs, row),
        )
        results = {"test_acc": hist.last["test_acc"], "train_acc": hist.last["train_acc"], "epochs": epochs}
        config = {"sizes": sizes, "epochs": epochs, "batch_size": batch, "lr": lr, "optimizer": "adam"}
        return {"model": model, "history": hist, "results": results, "config": config}

    from ..equilibrium.hopfield import HopfieldNetwork
    from ..training.eqprop import EPConfig, config_dict, train_eqprop

    n_layers = len(sizes) - 1
    lrs = [args.lr] * n_layers if args.lr else (args.lrs or _default_lrs(n_layers))
    cfg = EPConfig(
        beta=args.beta,
        nudging="centered" if args.method == "ep-centered" else args.nudging,
        n_free=args.n_free,
        n_nudged=args.n_nudged,
        eps=args.eps,
        lrs=tuple(lrs),
        persistent=not args.no_persistent,
        n_eval=args.n_eval,
        method=args.relax_method,
    )
    net = HopfieldNetwork(sizes, seed=args.seed, eps=args.eps, n_iter=args.n_eval, method=args.relax_method)
    hist = train_eqprop(
        net,
        data.x_train,
        data.y_train,
        epochs=epochs,
        batch_size=batch,
        config=cfg,
        seed=args.seed,
        x_test=data.x_test,
        y_test=data.y_test,
        callback=progress,
    )
    last = hist.last
    results = {
        "test_acc": last.get("test_acc", float("nan")),
        "train_acc": last["train_acc"],
        "physical_queries": last["physical_queries"],
        "relaxed_samples": last["relaxed_samples"],
        "epochs": epochs,
    }
    config = {"sizes": sizes, "epochs": epochs, "batch_size": batch, **config_dict(cfg)}
    return {"model": net, "history": hist, "results": results, "config": config}
