"""Analog in-memory training results on the MNIST split (8,000 train / 2,000 test).

A 784-256-10 ReLU MLP trained with
  * digital SGD (float64 baseline),
  * analog SGD on tiles of a device preset (pulsed stochastic updates, noisy analog reads),
  * Tiki-Taka v1 / TTv2 / chopped TTv2 / mixed precision on the same device,
  * analog SGD on PCM-like unipolar pairs with refresh (``analog-sgd:pcm-pair``),
as in Gokmen & Haensch 2020 (idealized device close to digital; an asymmetric ReRAM-like device
degrades analog SGD, Tiki-Taka recovers most of the gap).

The last ``--val`` samples of the training part are held out as a validation split (never the
test split) for every choice of hyperparameters; the model trains on the rest. Each epoch
prints the validation and test accuracy; the reported number is the test accuracy after the
last epoch. One row per command, e.g.

    nice python bench/crossbar_training.py --runs tiki-taka:reram-like --epochs 10 --json /tmp/tt_runs/tt1.json

Rows of the note (10 epochs, batch 10, lr 0.1, 1 thread; set OPENBLAS_NUM_THREADS=1 on a shared
machine: multi-threaded BLAS on 10-row batches costs 3x wall time under load):

    --runs digital,analog-sgd:idealized,analog-sgd:reram-like,mixed-precision:reram-like
    --runs tiki-taka:reram-like,ttv2:reram-like --zero-shift
    --runs chopped-ttv2:reram-like --fast-lr 1.0 --transfer-lr 0.01
    --runs analog-sgd:pcm-pair

(zero-shift for TTv1/TTv2 and fast-lr/transfer-lr for c-TTv2 were chosen on the validation split.)
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import pnnkit
from pnnkit import nn
from pnnkit.crossbar.pulsed import PulseConfig
from pnnkit.datasets import DataSplit, load_mnist_split
from pnnkit.jobs.crossbar_pulsed import make_cell_factory
from pnnkit.training.analog_sgd import AnalogOptimizer, analog_mlp


def carve_validation(data: DataSplit, n_val: int) -> tuple[DataSplit, np.ndarray, np.ndarray]:
    """Train part minus its last ``n_val`` samples, and those samples as (x_val, y_val)."""
    if not 0 <= n_val < len(data.x_train):
        raise ValueError(f"--val must be in [0, {len(data.x_train)}), got {n_val}")
    n = len(data.x_train) - n_val
    train = DataSplit(data.x_train[:n], data.y_train[:n], data.x_test, data.y_test, data.n_classes, data.name)
    return train, data.x_train[n:], data.y_train[n:]


def run_one(spec: str, data: DataSplit, x_val: np.ndarray, y_val: np.ndarray, args: argparse.Namespace) -> dict:
    t0, c0 = time.perf_counter(), time.process_time()
    n_in = data.x_train.shape[1]
    if spec == "digital":
        model = nn.Sequential(nn.Linear(n_in, args.hidden, seed=args.seed), nn.ReLU(),
                              nn.Linear(args.hidden, data.n_classes, seed=args.seed + 1))
        opt = nn.SGD(model, args.lr)
    else:
        method, device = spec.split(":")
        cols = args.columns_per_transfer or max(1, (args.hidden + 1) // 8)
        factory = make_cell_factory(method, device, out_noise=args.out_noise, transfer_lr=args.transfer_lr,
                                    transfer_every=args.transfer_every, columns_per_transfer=cols,
                                    gamma=args.gamma, max_pulses=args.max_pulses, chop_prob=args.chop_prob,
                                    zero_shift=args.zero_shift, refresh_every=args.refresh_every,
                                    refresh_noise=args.refresh_noise, periphery=args.periphery,
                                    fast_lr=args.fast_lr, pulse=PulseConfig(precision=args.pulse_precision))
        model = analog_mlp([n_in, args.hidden, data.n_classes], factory, seed=args.seed)
        opt = AnalogOptimizer(model, args.lr)
    val_curve: list[float] = []

    def report(e: int, r: dict) -> None:
        val_curve.append(nn.accuracy(model, x_val, y_val) if len(x_val) else float("nan"))
        print(f"  {spec} epoch {e}: train {r['train_acc']:.4f} val {val_curve[-1]:.4f} test {r['test_acc']:.4f}",
              flush=True)

    hist = nn.fit(model, nn.SoftmaxCrossEntropy(), opt, data.x_train, data.y_train, epochs=args.epochs,
                  batch_size=args.batch_size, seed=args.seed, x_val=data.x_test, y_val=data.y_test, callback=report)
    acc = hist["test_acc"]
    out = {"spec": spec, "test_acc": float(acc[-1]), "val_acc": val_curve[-1], "test_curve": list(acc),
           "val_curve": val_curve, "time_s": time.perf_counter() - t0, "cpu_s": time.process_time() - c0}
    refreshes = [getattr(m.cell, "refresh_count", None) for _, m in model.named_modules() if hasattr(m, "cell")]
    if any(r is not None for r in refreshes):
        out["refreshes_per_layer"] = refreshes
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", default="digital,analog-sgd:idealized,analog-sgd:reram-like,tiki-taka:reram-like",
                    help="comma-separated: digital or METHOD:DEVICE")
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--batch-size", type=int, default=10)
    ap.add_argument("--lr", type=float, default=0.1)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--val", type=int, default=1000, help="validation samples held out of the training part")
    ap.add_argument("--out-noise", type=float, default=0.06)
    ap.add_argument("--transfer-lr", type=float, default=1.0)
    ap.add_argument("--transfer-every", type=int, default=1)
    ap.add_argument("--columns-per-transfer", type=int, default=None, help="default (hidden+1)//8")
    ap.add_argument("--gamma", type=float, default=0.0)
    ap.add_argument("--fast-lr", type=float, default=None, help="Tiki-Taka family: lr onto A (default --lr)")
    ap.add_argument("--max-pulses", type=int, default=5)
    ap.add_argument("--chop-prob", type=float, default=0.1)
    ap.add_argument("--zero-shift", action="store_true", help="Tiki-Taka: symmetry-point reference for A")
    ap.add_argument("--refresh-every", type=int, default=1, help="pcm-pair: mini-batches between refreshes (0: off)")
    ap.add_argument("--refresh-noise", type=float, default=None, help="pcm-pair: read noise of a refresh read")
    ap.add_argument("--periphery", action="store_true", help="reads through the full periphery model")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--pulse-precision", default="float64", choices=("float64", "float32"),
                    help="arithmetic of the pulsed-update kernels (PulseConfig.precision)")
    ap.add_argument("--data-path", default=None)
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    pnnkit.set_num_threads(args.threads)
    data, x_val, y_val = carve_validation(load_mnist_split(args.data_path), args.val)
    out = []
    for spec in args.runs.split(","):
        r = run_one(spec, data, x_val, y_val, args)
        print(f"{spec:28s} final test acc {r['test_acc']:.4f} (val {r['val_acc']:.4f}) after {args.epochs} epochs, "
              f"{r['time_s']:.0f} s wall, {r['cpu_s']:.0f} s CPU", flush=True)
        out.append(r)
        if args.json:
            with open(args.json, "w") as fh:
                json.dump({"args": vars(args), "results": out}, fh, indent=1)


if __name__ == "__main__":
    main()
