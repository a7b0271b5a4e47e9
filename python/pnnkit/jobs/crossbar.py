"""`pnnkit train --substrate crossbar`: an MLP of analog crossbar layers, trained digitally (baseline),
in silico (ideal twin, then programmed), physics-aware (noisy analog forward, twin vjp at the measured
activations: the generic PAT of :mod:`pnnkit.training.pat`) or hardware-aware (PAT plus injected weight
noise and weight clipping), then evaluated after PCM programming and drift with global drift compensation.
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from .. import nn
from ..datasets import DataSplit
from ..substrate import physical_modules, set_mode, total_queries
from ..training.pat import train_pat
from .timespec import parse_time_list

METHODS = ("digital", "insilico", "pat", "hwa")
DEFAULT_DRIFT = "1h,1d,1y"


def _time_list(text: str) -> list[tuple[str, float]]:
    try:
        return parse_time_list(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of the crossbar job."""
    g = parser.add_argument_group("crossbar")
    g.add_argument("--hidden", type=int, default=None, help="hidden units (default 64 digits, 256 mnist)")
    g.add_argument("--preset", default="default", choices=("default", "rasch2023"),
                   help="crossbar configuration: aihwkit defaults or the HWA preset of Rasch et al. 2023")
    g.add_argument("--train-w-noise", type=float, default=0.02,
                   help="hwa: std of weight noise injected per forward, relative to max|W| per layer")
    g.add_argument("--clip-sigma", type=float, default=2.5,
                   help="hwa: clip weights at this many std of each layer's weights after every step")
    add_eval_arguments(g)


def add_eval_arguments(parser: Any) -> None:
    """Options shared by `pnnkit train` and `pnnkit eval` for the drift evaluation."""
    parser.add_argument("--drift", type=_time_list, default=_time_list(DEFAULT_DRIFT),
                        help="times after programming to evaluate at, e.g. 1h,1d,1y")
    parser.add_argument("--eval-repeats", type=int, default=5,
                        help="programming instances (seeds) averaged per drift time")


def _config(preset: str) -> Any:
    from ..crossbar import InferenceConfig, rasch2023_hwa

    return rasch2023_hwa() if preset == "rasch2023" else InferenceConfig()


def build_model(n_in: int, hidden: int, n_out: int, *, analog: bool, preset: str, seed: int,
                train_w_noise: float = 0.0, clip_sigma: float | None = None) -> nn.Module:
    """A one-hidden-layer ReLU MLP; analog layers are :class:`~pnnkit.crossbar.AnalogLinear`."""
    if not analog:
        return nn.Sequential(nn.Linear(n_in, hidden, seed=seed), nn.ReLU(), nn.Linear(hidden, n_out, seed=seed + 1))
    from ..crossbar import AnalogLinear

    cfg = _config(preset)
    layers = [AnalogLinear(n_in, hidden, config=cfg, seed=seed, train_w_noise=train_w_noise, clip_sigma=clip_sigma),
              nn.ReLU(),
              AnalogLinear(hidden, n_out, config=cfg, seed=seed + 1, train_w_noise=train_w_noise,
                           clip_sigma=clip_sigma)]
    return nn.Sequential(*layers)


def drift_accuracy(model: nn.Module, data: DataSplit, times: list[tuple[str, float]], repeats: int,
                   seed: int = 0) -> dict[str, float]:
    """Test accuracy after programming (PCM noise) and drifting to each time, mean and std over repeats.

    Each repeat programs every analog layer with its own seed (a different chip instance);
    drift compensation is applied by the layers. The model is left programmed at the last time.
    """
    if repeats < 1:
        raise ValueError(f"eval-repeats must be >= 1, got {repeats}")
    analog = physical_modules(model)
    if not analog:
        return {}
    set_mode(model, "physical")
    out: dict[str, float] = {}
    for label, t_s in times:
        accs = []
        for r in range(repeats):
            for i, layer in enumerate(analog):
                layer.program(seed=seed + 1000 * r + i)
                layer.drift_to(t_s)
            accs.append(nn.accuracy(model, data.x_test, data.y_test))
        out[f"acc_{label}"] = float(np.mean(accs))
        out[f"acc_{label}_std"] = float(np.std(accs))
    return out


def run(args: argparse.Namespace, data: DataSplit, progress: Any) -> dict[str, Any]:
    """Train per ``args.method`` and evaluate after drift; see the module docstring."""
    hidden = args.hidden or (256 if data.n_features > 100 else 64)
    epochs = args.epochs or 30
    batch = args.batch_size or 32
    lr = args.lr or 5e-3
    analog = args.method != "digital"
    model = build_model(data.n_features, hidden, data.n_classes, analog=analog, preset=args.preset, seed=args.seed,
                        train_w_noise=args.train_w_noise if args.method == "hwa" else 0.0,
                        clip_sigma=args.clip_sigma if args.method == "hwa" else None)
    # insilico trains the ideal twin; pat and hwa train through the noisy analog forward ("pat" mode:
    # physical forward, twin vjp at the measured activations); hwa adds weight noise and clipping.
    fit_kwargs = dict(epochs=epochs, batch_size=batch, seed=args.seed, x_val=data.x_test, y_val=data.y_test,
                      callback=lambda e, row: progress(e, epochs, row))
    optimizer = nn.Adam(model, lr)
    if args.method == "pat":
        hist = train_pat(model, nn.SoftmaxCrossEntropy(), optimizer, data.x_train, data.y_train, **fit_kwargs)
    else:
        set_mode(model, "pat" if args.method == "hwa" else "twin")
        hist = nn.fit(model, nn.SoftmaxCrossEntropy(), optimizer, data.x_train, data.y_train, **fit_kwargs)
    results: dict[str, Any] = {"test_acc_training_mode": hist.last["test_acc"]}
    if analog and args.method != "insilico":
        results["physical_queries"] = float(sum(total_queries(model).values()))
    if analog:
        set_mode(model, "twin")
        results["test_acc_twin"] = nn.accuracy(model, data.x_test, data.y_test)
        results.update(drift_accuracy(model, data, args.drift, args.eval_repeats, seed=args.seed))
    config = {"hidden": hidden, "epochs": epochs, "batch_size": batch, "lr": lr, "preset": args.preset,
              "train_w_noise": args.train_w_noise, "clip_sigma": args.clip_sigma}
    return {"model": model, "history": hist, "results": results, "config": config}


def evaluate(model: nn.Module, data: DataSplit, args: argparse.Namespace, metadata: dict[str, Any]) -> dict[str, Any]:
    """`pnnkit eval`: re-program the saved weights and report accuracy after each drift time."""
    seed = int(metadata.get("config", {}).get("seed", 0))
    res = drift_accuracy(model, data, args.drift, args.eval_repeats, seed=seed)
    if not res:
        raise ValueError("this run has no analog layers (method 'digital'): nothing drifts")
    return res
