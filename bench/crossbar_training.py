"""Analog in-memory training results on the MNIST split (8,000 train / 2,000 test).

A 784-256-10 ReLU MLP trained with
  * digital SGD (float64 baseline),
  * analog SGD on tiles of a device preset (pulsed stochastic updates, noisy analog reads),
  * Tiki-Taka v1 / TTv2 / chopped TTv2 / mixed precision on the same device,
as in Gokmen & Haensch 2020 (idealized device close to digital; an asymmetric ReRAM-like device
degrades analog SGD, Tiki-Taka recovers most of the gap).

    nice python bench/crossbar_training.py \
        --runs digital,analog-sgd:idealized,analog-sgd:reram-like,tiki-taka:reram-like
"""

from __future__ import annotations

import argparse
import json
import time

import pnnkit
from pnnkit import nn
from pnnkit.datasets import load_mnist_split
from pnnkit.jobs.crossbar_pulsed import make_cell_factory
from pnnkit.training.analog_sgd import AnalogOptimizer, analog_mlp


def run_one(spec: str, data, args) -> dict:
    t0 = time.perf_counter()
    n_in = data.x_train.shape[1]
    if spec == "digital":
        model = nn.Sequential(nn.Linear(n_in, args.hidden, seed=args.seed), nn.ReLU(),
                              nn.Linear(args.hidden, data.n_classes, seed=args.seed + 1))
        opt = nn.SGD(model, args.lr)
    else:
        method, device = spec.split(":")
        cols = max(1, (args.hidden + 1) // 8)
        factory = make_cell_factory(method, device, out_noise=args.out_noise, transfer_lr=args.transfer_lr,
                                    columns_per_transfer=cols, max_pulses=args.max_pulses,
                                    chop_prob=args.chop_prob, zero_shift=args.zero_shift)
        model = analog_mlp([n_in, args.hidden, data.n_classes], factory, seed=args.seed)
        opt = AnalogOptimizer(model, args.lr)
    hist = nn.fit(model, nn.SoftmaxCrossEntropy(), opt, data.x_train, data.y_train, epochs=args.epochs,
                  batch_size=args.batch_size, seed=args.seed, x_val=data.x_test, y_val=data.y_test,
                  callback=lambda e, r: print(f"  {spec} epoch {e}: test {r['test_acc']:.4f}", flush=True))
    acc = hist["test_acc"]
    return {"spec": spec, "test_acc": float(acc[-1]), "best_test_acc": float(max(acc)), "curve": list(acc),
            "time_s": time.perf_counter() - t0}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", default="digital,analog-sgd:idealized,analog-sgd:reram-like,tiki-taka:reram-like")
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--batch-size", type=int, default=10)
    ap.add_argument("--lr", type=float, default=0.1)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--out-noise", type=float, default=0.06)
    ap.add_argument("--transfer-lr", type=float, default=1.0)
    ap.add_argument("--max-pulses", type=int, default=5)
    ap.add_argument("--chop-prob", type=float, default=0.1)
    ap.add_argument("--zero-shift", action="store_true", help="Tiki-Taka: symmetry-point reference for A")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--data-path", default=None)
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    pnnkit.set_num_threads(args.threads)
    data = load_mnist_split(args.data_path)
    out = []
    for spec in args.runs.split(","):
        r = run_one(spec, data, args)
        print(f"{spec:28s} final test acc {r['test_acc']:.4f} (best {r['best_test_acc']:.4f}) in {r['time_s']:.0f} s",
              flush=True)
        out.append(r)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"args": vars(args), "results": out}, fh, indent=1)


if __name__ == "__main__":
    main()
