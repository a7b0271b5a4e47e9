"""D2NN (Lin et al. 2018 preset) on the project's MNIST split: in-silico, deployed to a flawed chip, PAT.

1. Train the ideal twin (softmax cross-entropy on the 10 detector signals) -> twin test accuracy.
2. Deploy the same phases to a seeded chip with ``--phase-error`` (fraction of 2 pi, additive per
   pixel) and ``--misalignment`` (pixels, per layer and axis) -> in-silico deployed accuracy.
3. Physics-aware training on that chip (physical forward, twin vjp at the measured input),
   starting from the in-silico phases -> PAT accuracy.

    nice python bench/d2nn_mnist.py --epochs 2 --pat-epochs 1 --json d2nn.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np

import pnnkit
from pnnkit.datasets import load_mnist_split
from pnnkit.nn import Adam, SoftmaxCrossEntropy, accuracy
from pnnkit.optics.diffractive import DiffractiveNonidealities
from pnnkit.optics.presets import d2nn_lin2018
from pnnkit.substrate import total_queries
from pnnkit.training import train_insilico, train_pat


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--epochs", type=int, default=2, help="in-silico epochs")
    ap.add_argument("--pat-epochs", type=int, default=1, help="PAT epochs (from the in-silico phases)")
    ap.add_argument("--n-train", type=int, default=8000, help="training images used (first n of the split)")
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--lr", type=float, default=0.1)
    ap.add_argument("--pat-lr", type=float, default=0.02)
    ap.add_argument("--gain", type=float, default=300.0)
    ap.add_argument("--phase-error", type=float, default=0.1)
    ap.add_argument("--misalignment", type=int, default=1)
    ap.add_argument("--chip-seed", type=int, default=7)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--no-pad", action="store_true", help="circular convolution on 200x200 (cheaper, less exact)")
    ap.add_argument("--json", default=None)
    args = ap.parse_args(argv)
    pnnkit.set_num_threads(args.threads)
    data = load_mnist_split()
    x, y = data.x_train[: args.n_train], data.y_train[: args.n_train]
    out: dict = {"args": vars(args)}

    def log(msg: str) -> None:
        print(msg, flush=True)
        if args.json:  # written after every stage, so a long run leaves partial results
            with open(args.json, "w") as fh:
                json.dump(out, fh, indent=2)

    def progress(epoch: int, row: dict) -> None:
        log(f"  epoch {epoch}: " + ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                                             for k, v in row.items()))

    # 1. in-silico training of the ideal twin
    twin = d2nn_lin2018(gain=args.gain, pad=not args.no_pad, init_seed=args.seed)
    t0 = time.perf_counter()
    train_insilico(twin, SoftmaxCrossEntropy(), Adam(twin, lr=args.lr), x, y, epochs=args.epochs,
                   batch_size=args.batch_size, seed=args.seed, callback=progress)
    twin.set_mode("twin")
    out["twin_test_acc"] = accuracy(twin, data.x_test, data.y_test, batch_size=256)
    out["insilico_train_s"] = time.perf_counter() - t0
    log(f"twin test accuracy {out['twin_test_acc']:.4f} ({out['insilico_train_s']:.0f} s)")

    # 2. deploy to the flawed chip
    nid = DiffractiveNonidealities(phase_error=args.phase_error, misalignment_px=args.misalignment,
                                   seed=args.chip_seed)
    chip = d2nn_lin2018(gain=args.gain, pad=not args.no_pad, nonideal=nid, init_seed=args.seed)
    chip.load_state_dict(twin.state_dict())
    out["chip_shifts_px"] = chip.shifts_px_.tolist()
    chip.set_mode("physical")
    out["insilico_deployed_test_acc"] = accuracy(chip, data.x_test, data.y_test, batch_size=256)
    log(f"in-silico deployed to chip: {out['insilico_deployed_test_acc']:.4f} (shifts {out['chip_shifts_px']})")

    # 3. physics-aware training on the chip
    t0 = time.perf_counter()
    chip.queries.clear()
    train_pat(chip, SoftmaxCrossEntropy(), Adam(chip, lr=args.pat_lr), x, y, epochs=args.pat_epochs,
              batch_size=args.batch_size, seed=args.seed + 1, callback=progress)
    out["pat_train_queries"] = dict(total_queries(chip))
    chip.set_mode("physical")
    out["pat_test_acc"] = accuracy(chip, data.x_test, data.y_test, batch_size=256)
    out["pat_train_s"] = time.perf_counter() - t0
    log(f"PAT on chip: {out['pat_test_acc']:.4f} ({out['pat_train_s']:.0f} s, queries {out['pat_train_queries']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
