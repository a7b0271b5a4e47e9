"""``pnnkit train --substrate resistor``: resistor networks trained by their own equilibria.

Methods
- ``ep``: a deep resistive network (inputs as +-x voltage sources, hidden nodes with diodes, linear
  outputs; Scellier et al. 2024) trained with equilibrium propagation on the chosen dataset
  (outputs nudged towards one-hot target potentials; centered nudging by default).
- ``coupled-learning``: a random linear resistor network (``--nodes``, ``--edges``) trained with
  coupled learning (Stern et al. 2021).
- ``coupled-learning-sign``: the sign-only twin-network variant with discrete resistances (Dillavou
  et al. 2022).
For the coupled-learning methods ``--task linear`` (default) ignores the dataset and learns the
2-input, 2-output linear task ``y = 0.5 A x`` of :func:`pnnkit.datasets.make_linear_regression`;
``--task dataset`` trains a linear network classifier on the dataset instead.
"""

from __future__ import annotations

import argparse
from typing import Any, Callable

import numpy as np

from ..datasets import make_linear_regression
from ..datasets.split import DataSplit
from ..equilibrium.resistor_modules import DeepResistiveClassifier, ResistorRegressor, pm_ground_sources
from ..training.coupled_learning import CoupledLearning, SignCoupledLearning
from ..training.eqprop_resistive import MODES, EPResistiveTrainer, accuracy

METHODS: tuple[str, ...] = ("coupled-learning", "coupled-learning-sign", "ep")

DEFAULTS = {
    "ep": {"epochs": 30, "batch_size": 16, "lr": 0.01},
    "coupled-learning": {"epochs": 40, "batch_size": 8, "lr": 1.0},
    "coupled-learning-sign": {"epochs": 60, "batch_size": 8, "lr": 1.0},
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of the resistor jobs."""
    g = parser.add_argument_group("resistor networks")
    g.add_argument("--hidden", type=int, default=64, help="ep: hidden nodes of the deep resistive network")
    g.add_argument("--gain", type=float, default=4.0, help="ep: input amplification (V per unit input)")
    g.add_argument("--beta", type=float, default=0.2, help="ep: nudge strength (S)")
    g.add_argument("--ep-mode", default="centered", choices=MODES, help="ep: nudging scheme")
    g.add_argument("--random-sign", action="store_true", help="ep: random sign of a one-sided nudge")
    g.add_argument(
        "--eta", type=float, default=None, help="coupled learning: nudge amplitude (0.1; sign: 0.5)"
    )
    g.add_argument("--nodes", type=int, default=64, help="coupled learning: nodes of the random network")
    g.add_argument("--edges", type=int, default=200, help="coupled learning: edges of the random network")
    g.add_argument("--levels", type=int, default=1024, help="sign variant: discrete resistance levels")
    g.add_argument(
        "--task",
        default="linear",
        choices=("linear", "dataset"),
        help="coupled learning: synthetic 2-in/2-out linear task or the dataset",
    )
    g.add_argument(
        "--target-v", type=float, default=0.2, help="coupled learning, --task dataset: one-hot level (V)"
    )


def _opt(args: argparse.Namespace, name: str) -> Any:
    v = getattr(args, name, None)
    return DEFAULTS[args.method][name] if v is None else v


def run(args: argparse.Namespace, data: DataSplit, progress: Callable[[int, int, dict], None]) -> dict:
    """Train with ``args.method``; returns model, history, results and config."""
    if args.method not in METHODS:
        raise ValueError(f"method {args.method!r} not in {METHODS}")
    epochs, batch, lr = _opt(args, "epochs"), _opt(args, "batch_size"), _opt(args, "lr")
    if args.method == "ep":
        return _run_ep(args, data, progress, epochs, batch, lr)
    return _run_cl(args, data, progress, epochs, batch, lr)


def _run_ep(args, data, progress, epochs, batch, lr) -> dict:
    model = DeepResistiveClassifier(
        [data.n_features, args.hidden, data.n_classes], gain=args.gain, seed=args.seed
    )
    trainer = EPResistiveTrainer(
        model.net, lr=lr, beta=args.beta, mode=args.ep_mode, random_sign=args.random_sign, seed=args.seed
    )
    hist = trainer.fit(
        data.x_train,
        data.y_train,
        epochs=epochs,
        batch_size=batch,
        x_val=data.x_test,
        y_val=data.y_test,
        progress=progress,
    )
    model.pull()
    results = {
        "test_acc": accuracy(model.net, data.x_test, data.y_test),
        "train_acc": accuracy(model.net, data.x_train, data.y_train),
        "equilibria": float(trainer.queries["equilibria"]),
    }
    config = {
        **model.config(),
        "lr": lr,
        "beta": args.beta,
        "mode": args.ep_mode,
        "epochs": epochs,
        "batch_size": batch,
        "random_sign": args.random_sign,
    }
    return {"model": model, "history": hist, "results": results, "config": config}


def _run_cl(args, data, progress, epochs, batch, lr) -> dict:
    sign = args.method == "coupled-learning-sign"
    eta = args.eta if args.eta is not None else (0.5 if sign else 0.1)
    if args.task == "linear":
        x, y, a = make_linear_regression(n_samples=256, seed=args.seed)
        y = 0.5 * y  # keeps sum_i |a_ki| < 1: reachable by a passive network with +-x sources
        x_tr, y_tr, x_te, y_te = x[:200], y[:200], x[200:], y[200:]
        n_in, n_out, task = 2, 2, {"task": "linear", "A": (0.5 * a).tolist()}
    else:
        x_tr, x_te = data.x_train.astype(np.float64), data.x_test.astype(np.float64)
        eye = args.target_v * np.eye(data.n_classes)
        y_tr, y_te = eye[data.y_train], eye[data.y_test]
        n_in, n_out, task = data.n_features, data.n_classes, {"task": "dataset", "dataset": data.name}
    model = ResistorRegressor(n_in, n_out, n_nodes=args.nodes, n_edges=args.edges, seed=args.seed)
    if sign:
        cl = SignCoupledLearning(
            model.n_nodes,
            model.edges,
            model.source_nodes,
            model.output_nodes,
            eta=eta,
            n_levels=args.levels,
            seed=args.seed,
        )
    else:
        cl = CoupledLearning(
            model.n_nodes,
            model.edges,
            model.conductance.value,
            model.source_nodes,
            model.output_nodes,
            eta=eta,
            alpha=lr,
        )
    vs_tr, vs_te = pm_ground_sources(x_tr), pm_ground_sources(x_te)
    hist = cl.fit(
        vs_tr,
        y_tr,
        epochs=epochs,
        batch_size=batch,
        seed=args.seed,
        v_val=vs_te,
        y_val=y_te,
        progress=progress,
    )
    model.conductance.value[...] = cl.conductance_S
    results = {
        "train_rel_error": cl.relative_error(vs_tr, y_tr),
        "test_rel_error": cl.relative_error(vs_te, y_te),
        "equilibria": float(cl.queries["equilibria"]),
    }
    if args.task == "dataset":
        results["test_acc"] = float(np.mean(np.argmax(cl.predict(vs_te), 1) == data.y_test))
        results["train_acc"] = float(np.mean(np.argmax(cl.predict(vs_tr), 1) == data.y_train))
    config = {
        **model.config(),
        **task,
        "eta": eta,
        "alpha": lr,
        "epochs": epochs,
        "batch_size": batch,
        "sign_only": sign,
        "levels": args.levels if sign else None,
    }
    return {"model": model, "history": hist, "results": results, "config": config}


def add_eval_arguments(parser: argparse.ArgumentParser) -> None:
    """``pnnkit eval`` takes no resistor-specific options."""


def evaluate(model: Any, data: DataSplit, args: argparse.Namespace, metadata: dict) -> dict:
    """Re-evaluate a saved resistor run (accuracy, or relative error on the linear task)."""
    cfg = metadata.get("config", {})
    job_cfg = cfg.get("job_config", {})
    if isinstance(model, DeepResistiveClassifier):
        return {
            "test_acc": float(np.mean(np.argmax(model(data.x_test), 1) == data.y_test)),
            "train_acc": float(np.mean(np.argmax(model(data.x_train), 1) == data.y_train)),
        }
    if job_cfg.get("task") == "linear":
        x, y, _ = make_linear_regression(n_samples=256, seed=int(cfg.get("seed", 0)))
        y = 0.5 * y
        rel = lambda a, b: float(np.linalg.norm(model(a) - b) / np.linalg.norm(b))  # noqa: E731
        return {"train_rel_error": rel(x[:200], y[:200]), "test_rel_error": rel(x[200:], y[200:])}
    return {
        "test_acc": float(np.mean(np.argmax(model(data.x_test), 1) == data.y_test)),
        "train_acc": float(np.mean(np.argmax(model(data.x_train), 1) == data.y_train)),
    }
